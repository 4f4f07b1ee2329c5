// The schemas a serializer or deserializer asks the registry for, answered from this node's
// registry state: by id (GET /schemas/ids/{id}), or a schema text looked up under a subject and
// registered there when it is new (kafka-rest SchemaManagerImpl.getSchemaFromRawSchema:
// getId, else register — the serializer's auto.register.schemas). Each answer carries the
// schema's codec. An id's schema never changes, so codecs are kept by id (bounded).

import type { RegistryService } from '../registry-service.ts';
import { resolverOf } from '../registry-service.ts';
import type { RegistryError } from '../registry-errors.ts';
import type { SchemaType } from '../schema-types.ts';
import type { CodecFactory, SchemaCodec } from './codec.ts';
import { LAZY_AVRO_CODEC, LAZY_JSON_CODEC, LAZY_PROTOBUF_CODEC } from '../lazy-formats.ts';

/** Codecs kept by schema id; the least recently used goes first. */
export const CODECS_CACHED_MAX = 1_000;

/** What a lookup answers. `not-found`: no such id; `invalid`: the schema text does not parse
 *  (Confluent's 42201); `failed`: the registry refused or could not answer (its error). */
export type SchemaLookup =
  | { readonly ok: true; readonly id: number; readonly codec: SchemaCodec }
  | { readonly ok: false; readonly kind: 'not-found' | 'invalid' | 'failed'; readonly message: string };

export type CodecFactories = Readonly<Partial<Record<SchemaType, CodecFactory>>>;

/** The codec of every schema type the proxy serializes, each loaded at its first use (lazy-formats.ts). */
export const DEFAULT_CODECS: CodecFactories = { AVRO: LAZY_AVRO_CODEC, JSON: LAZY_JSON_CODEC, PROTOBUF: LAZY_PROTOBUF_CODEC };

/** Resolves when the registry's state has caught up (the store's replay), or with its error. */
export type WhenReady = () => Promise<{ ok: true } | { ok: false; error: RegistryError }>;

export class SchemaCodecs {
  private readonly cache = new Map<number, SchemaCodec>();

  constructor(
    private readonly service: RegistryService,
    private readonly factories: CodecFactories = DEFAULT_CODECS,
    private readonly whenReady: WhenReady = async () => ({ ok: true }),
  ) {}

  /** The schema an id names, with its codec. */
  async byId(id: number): Promise<SchemaLookup> {
    // A cached id needs no state (an id's schema never changes): every record a read decodes
    // asks, so the hit is answered before waiting on the store.
    const cached = this.cache.get(id);
    if (cached !== undefined) {
      this.cache.delete(id);
      this.cache.set(id, cached);
      return { ok: true, id, codec: cached };
    }
    const ready = await this.whenReady();
    if (!ready.ok) return { ok: false, kind: 'failed', message: ready.error.message };
    const state = this.service.state;
    const found = state.schemaById(id);
    if (!found.ok) return { ok: false, kind: 'not-found', message: `Schema ${id} not found` };
    const type = (found.value.schemaType ?? 'AVRO') as SchemaType;
    const factory = this.factories[type];
    if (factory === undefined) return { ok: false, kind: 'failed', message: `schema ${id} is a ${type} schema, which this node does not serialize` };
    const codec = factory({ schemaType: type, schema: found.value.schema, references: found.value.references }, resolverOf(state, true));
    if (!codec.ok) return { ok: false, kind: 'failed', message: codec.message };
    this.cache.set(id, codec.value);
    if (this.cache.size > CODECS_CACHED_MAX) this.cache.delete(this.cache.keys().next().value as number);
    return { ok: true, id, codec: codec.value };
  }

  /** The id of `text` under `subject`, registering it there if the subject does not hold it. */
  async forSchemaText(subject: string, schemaType: SchemaType, text: string): Promise<SchemaLookup> {
    const ready = await this.whenReady();
    if (!ready.ok) return { ok: false, kind: 'failed', message: ready.error.message };
    const request = { schema: text, schemaType, references: [] };
    const found = this.service.lookup(subject, request, false, false);
    if (found.ok) return await this.byId(found.value.id);
    if (found.error.code === 42201) return { ok: false, kind: 'invalid', message: found.error.message };
    // 40401 (no subject) and 40403 (not under it): register, as the serializer does.
    if (found.error.code !== 40401 && found.error.code !== 40403) return { ok: false, kind: 'failed', message: found.error.message };
    const registered = await this.service.register(subject, request, false);
    if (!registered.ok) return { ok: false, kind: registered.error.code === 42201 ? 'invalid' : 'failed', message: registered.error.message };
    return await this.byId(registered.value.id);
  }
}
