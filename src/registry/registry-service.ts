// The registry's operations as the REST resources run them, over a RegistryBackend and the
// schema supports (one per schema type, looked up in a table by `schemaType`). Pure apart from
// awaiting the backend: reads answer from `backend.state`; every change runs inside
// `backend.write`, so the checks (parse, lookup, compatibility, Confluent's write checks) see
// the state the records are applied to. Follows confluentinc/schema-registry
// core/.../storage/KafkaSchemaRegistry.register and AbstractSchemaRegistry (lookUpSchemaUnder-
// Subject, isCompatibleWithPrevious, getReferencedBy) and the rest/resources/*Resource.java.

import type { RegistryBackend } from './registry-backend.ts';
import { registryErrors } from './registry-errors.ts';
import { contentKey, fail, ok, parseVersionId, type Outcome, type RegistryState, type SchemaContent, type SchemaVersion } from './registry-state.ts';
import { compatibilityTargets, isValidSubject, register } from './registry-writes.ts';
import type { ParsedSchema, RegisteredSchema, SchemaResolver, SchemaSupport } from './schema-types.ts';
import type { CompatibilityLevel, SchemaReference, SchemasRecord } from './schemas-records.ts';

/** The schema part of a register, lookup or compatibility request (RegisterSchemaRequest). */
export interface SchemaRequest {
  readonly schema: string;
  /** As the request spells it; absent is AVRO. */
  readonly schemaType?: string;
  readonly references: readonly SchemaReference[];
  /** IMPORT mode only. */
  readonly id?: number;
  readonly version?: number;
}

/** SchemaValidatorBuilder.MAX_SCHEMA_SIZE_FOR_LOGGING: the old schema quoted in a 409 is cut here. */
export const OLD_SCHEMA_QUOTED_CHARS_MAX = 10 * 1024;

/** Most previous versions one compatibility check parses and compares (a transitive level over
 *  a long history); beyond it the check answers incompatible, saying why. Also the most versions
 *  lookup's second look parses (latest first). Confluent has none; avro/levels.ts has the same
 *  bound (PREVIOUS_SCHEMAS_MAX). */
export const COMPATIBILITY_TARGETS_MAX = 10_000;

/** Stored schemas kept parsed (most recently used), so a registration does not parse the
 *  subject's history again (Confluent keeps an oldSchemaCache the same way). */
export const PARSED_SCHEMAS_CACHED_MAX = 1_000;

/** Request schemas kept parsed (most recently used), by their text as sent, so a serializer
 *  looking its schema up (POST /subjects/{s}) or registering it again does not parse it each
 *  time (Confluent's clients cache; its server keeps a schema cache likewise). Only schemas
 *  without references, whose parse depends on nothing else, and only texts up to
 *  REQUEST_PARSE_CACHED_CHARS_MAX, so the cache holds at most 1,000 x 64 Ki characters. */
export const REQUEST_PARSES_CACHED_MAX = 1_000;
export const REQUEST_PARSE_CACHED_CHARS_MAX = 64 * 1024;

/** Most references one request may carry (each is looked up; avro/parse.ts bounds the
 *  transitive ones the same way). */
export const REQUEST_REFERENCES_MAX = 1_000;
/** Longest piece of a schema quoted back in a 42201 message, as avro/parse.ts cuts it. */
export const QUOTED_SCHEMA_CHARS_MAX = 1_000;

/** SchemaValidatorBuilder.DIFFERENT_SCHEMA_TYPE. */
const DIFFERENT_SCHEMA_TYPE = 'Incompatible because of different schema type';

/** Supports by schema type: the dispatch table. */
export type SupportTable = ReadonlyMap<string, SchemaSupport>;

export function supportTable(supports: readonly SchemaSupport[]): SupportTable {
  return new Map(supports.map((s) => [s.schemaType, s]));
}

const typeOf = (v: { schemaType?: string }): string => v.schemaType ?? 'AVRO';

/** A JSON text with every object's keys sorted (arrays kept in order); other text as it is.
 *  Two schemas' normalized forms are compared so, as Avro's Schema.equals compares custom
 *  properties as maps, whatever their order. */
function orderFree(text: string): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sorted)
      : v !== null && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]))
        : v;
  try {
    return JSON.stringify(sorted(JSON.parse(text)));
  } catch {
    return text;
  }
}

/** A resolver over the state: soft-deleted versions too when `includeDeleted`. */
export function resolverOf(state: RegistryState, includeDeleted: boolean): SchemaResolver {
  return (subject, version) => {
    const v = state.versionsOf(subject, includeDeleted).find((x) => x.version === version);
    return v === undefined ? undefined : ({ schemaType: typeOf(v), schema: v.schema, references: v.references } as RegisteredSchema);
  };
}

interface Parsed {
  readonly parsed: ParsedSchema;
  readonly support: SchemaSupport;
  /** What the state stores and compares: canonical, or normalized when asked. */
  readonly content: SchemaContent;
}

/** A stored schema parsed, with its normalized text (keys in any order) once asked for. */
interface ParsedEntry {
  readonly parsed: ParsedSchema;
  orderFreeNormalized?: string;
}

export class RegistryService {
  /**
   * Parsed stored schemas by content (contentKey), only those without references: a schema's
   * parse depends on nothing else then, so an entry cannot go stale. Insertion order is recency.
   */
  private readonly parsedCache = new Map<string, ParsedEntry>();
  /** Request texts parsed (see REQUEST_PARSES_CACHED_MAX); insertion order is recency. */
  private readonly requestCache = new Map<string, ParsedSchema>();

  constructor(
    private readonly backend: RegistryBackend,
    private readonly supports: SupportTable,
  ) {}

  get state(): RegistryState {
    return this.backend.state;
  }

  /** The schema types this registry accepts (GET /schemas/types). */
  schemaTypes(): string[] {
    return [...this.supports.keys()].sort();
  }

  /**
   * Parses a request's schema as AbstractSchemaRegistry.parseSchema / loadSchema do: unknown
   * type and empty text are 42201; references resolve to live versions for a new schema
   * (AbstractSchemaProvider.resolveReferences: lookupDeletedSchema = !isNew), a reference to
   * version -1 to the latest; a missing one is 42201.
   */
  parseRequest(state: RegistryState, req: SchemaRequest, isNew: boolean, normalize: boolean): Outcome<Parsed> {
    const type = req.schemaType ?? 'AVRO';
    const support = this.supports.get(type);
    if (support === undefined) return fail(registryErrors.invalidSchema(`Invalid schema type ${type}`));
    if (req.schema.trim() === '') return fail(registryErrors.invalidSchema('Empty schema'));
    if (req.references.length > REQUEST_REFERENCES_MAX) return fail(registryErrors.invalidSchema(`Invalid schema: more than ${REQUEST_REFERENCES_MAX} references`));
    const references: SchemaReference[] = [];
    for (const ref of req.references) {
      const live = state.versionsOf(ref.subject, !isNew);
      const found = ref.version === -1 ? live[live.length - 1] : live.find((v) => v.version === ref.version);
      if (found === undefined) {
        const refs = req.references.map((r) => `{name='${r.name}', subject='${r.subject}', version=${r.version}}`).join(', ');
        const quoted = req.schema.length > QUOTED_SCHEMA_CHARS_MAX ? `${req.schema.slice(0, QUOTED_SCHEMA_CHARS_MAX)}...` : req.schema;
        return fail(registryErrors.invalidSchema(
          `Invalid schema ${quoted} with refs [${refs}] of type ${type}, details: No schema reference found for subject "${ref.subject}" and version ${ref.version}`,
        ));
      }
      references.push({ ...ref, version: found.version });
    }
    const parsed = this.parseCached(support, req.schema, references, state, isNew);
    if (!parsed.ok) return parsed;
    if (!normalize) return ok({ parsed: parsed.value, support, content: { schemaType: type === 'AVRO' ? undefined : type, references, schema: parsed.value.canonical() } });
    // AvroSchema.normalize(): the references sorted (SchemaReference.compareTo: subject, then
    // version) and distinct.
    const sorted = references
      .filter((r, i) => references.findIndex((o) => o.name === r.name && o.subject === r.subject && o.version === r.version) === i)
      .sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : a.version - b.version));
    return ok({ parsed: parsed.value, support, content: { schemaType: type === 'AVRO' ? undefined : type, references: sorted, schema: parsed.value.normalized() } });
  }

  /** support.parse, through the request cache when the schema has no references. */
  private parseCached(support: SchemaSupport, text: string, references: readonly SchemaReference[], state: RegistryState, isNew: boolean): Outcome<ParsedSchema> {
    const cacheable = references.length === 0 && text.length <= REQUEST_PARSE_CACHED_CHARS_MAX;
    const key = cacheable ? `${support.schemaType}\u0000${isNew}\u0000${text}` : '';
    const cached = cacheable ? this.requestCache.get(key) : undefined;
    if (cached !== undefined) {
      this.requestCache.delete(key);
      this.requestCache.set(key, cached);
      return ok(cached);
    }
    const result = support.parse(text, references, resolverOf(state, true), { isNew });
    if (!result.ok) return result;
    if (cacheable) {
      this.requestCache.set(key, result.schema);
      if (this.requestCache.size > REQUEST_PARSES_CACHED_MAX) this.requestCache.delete(this.requestCache.keys().next().value as string);
    }
    return ok(result.schema);
  }

  /** A stored version parsed leniently (isNew false), its references resolved with deleted ones. */
  private parseStored(state: RegistryState, v: SchemaVersion): Outcome<ParsedSchema> {
    const entry = this.parsedEntry(state, v);
    return entry.ok ? ok(entry.value.parsed) : entry;
  }

  private parsedEntry(state: RegistryState, v: SchemaVersion): Outcome<ParsedEntry> {
    const key = v.references.length === 0 ? contentKey(v) : undefined;
    const cached = key === undefined ? undefined : this.parsedCache.get(key);
    if (cached !== undefined && key !== undefined) {
      this.parsedCache.delete(key);
      this.parsedCache.set(key, cached);
      return ok(cached);
    }
    const support = this.supports.get(typeOf(v));
    if (support === undefined) return fail(registryErrors.invalidSchema(`Invalid schema type ${typeOf(v)}`));
    const result = support.parse(v.schema, v.references, resolverOf(state, true), { isNew: false });
    if (!result.ok) return result;
    const entry: ParsedEntry = { parsed: result.schema };
    if (key !== undefined) {
      this.parsedCache.set(key, entry);
      if (this.parsedCache.size > PARSED_SCHEMAS_CACHED_MAX) this.parsedCache.delete(this.parsedCache.keys().next().value as string);
    }
    return ok(entry);
  }

  /**
   * Confluent's isCompatibleWithPrevious over `previousLatestFirst` at `level`: the first
   * previous schema that fails ends the check (SchemaValidatorBuilder.validateLatest/validateAll),
   * its messages followed by {oldSchemaVersion} and {oldSchema}, then the level line. FULL runs
   * the old-reads-new check first, as mutualReadStrategy does. Empty: compatible.
   */
  compatibilityMessages(state: RegistryState, level: CompatibilityLevel, next: Parsed, previousLatestFirst: readonly SchemaVersion[]): Outcome<string[]> {
    if (level === 'NONE') return ok([]);
    const targets = level.endsWith('_TRANSITIVE') ? previousLatestFirst : previousLatestFirst.slice(0, 1);
    if (targets.length > COMPATIBILITY_TARGETS_MAX) return ok([`more than ${COMPATIBILITY_TARGETS_MAX} previous schemas to check`]);
    const base = level.replace('_TRANSITIVE', '') as 'BACKWARD' | 'FORWARD' | 'FULL';
    for (const target of targets) {
      let messages: string[];
      if (typeOf(target) !== next.parsed.schemaType) {
        messages = [DIFFERENT_SCHEMA_TYPE];
      } else {
        const old = this.parseStored(state, target);
        if (!old.ok) return old;
        const check = (l: CompatibilityLevel) => [...next.support.checkCompatibility(l, next.parsed, [old.value]).messages];
        const quoted = old.value.canonical();
        const appended = (m: string[]) => (m.length === 0 ? m : [
          ...m,
          `{oldSchemaVersion: ${target.version}}`,
          quoted.length <= OLD_SCHEMA_QUOTED_CHARS_MAX ? `{oldSchema: '${quoted}'}` : `{oldSchema: <truncated> '${quoted.slice(0, OLD_SCHEMA_QUOTED_CHARS_MAX)}...'}`,
        ]);
        messages = base === 'FULL' ? [...check('FORWARD'), ...appended(check('BACKWARD'))] : appended(check(base));
      }
      if (messages.length > 0) return ok([...messages, `{validateFields: 'false', compatibility: '${level}'}`]);
    }
    return ok([]);
  }

  /** POST /subjects/{subject}/versions. */
  async register(subject: string, req: SchemaRequest, normalize: boolean): Promise<Outcome<{ id: number; version: number }>> {
    if (!isValidSubject(subject)) return fail(registryErrors.invalidSubject(subject));
    return this.backend.write((state) => {
      const next = this.parseRequest(state, req, req.id === undefined, normalize);
      if (!next.ok) return next;
      const key = contentKey(next.value.content);
      const held = state.versionsOf(subject, false).some((v) => contentKey(v) === key);
      // KafkaSchemaRegistry.register: without an explicit version, an equivalent live version
      // (canLookup) is the answer, written nothing.
      if (!held && req.version === undefined) {
        const equivalent = this.findEquivalent(state, subject, next.value, false);
        if (equivalent !== undefined && (req.id === undefined || req.id === equivalent.id)) {
          return ok({ records: [], result: { id: equivalent.id, version: equivalent.version } });
        }
      }
      // Compatibility runs only where a registration can happen without IMPORT (register():
      // checkRegisterMode first), and not for a schema the subject already holds.
      if (!held && req.id === undefined && state.effectiveMode(subject) === 'READWRITE') {
        const { level, targets } = compatibilityTargets(state, subject);
        const messages = this.compatibilityMessages(state, level, next.value, targets);
        if (!messages.ok) return messages;
        if (messages.value.length > 0) return fail(registryErrors.incompatibleSchema(subject, messages.value));
      }
      const done = register(state, { subject, content: next.value.content, id: req.id, version: req.version });
      if (!done.ok) return done;
      return ok({ records: done.value.records, result: { id: done.value.id, version: done.value.version } });
    });
  }

  /**
   * ParsedSchema.canLookup, Confluent's second look when the text differs: a version of the
   * subject, latest first, holding an equivalent schema: same references and the same
   * normalized form, or (a schema sent with no references, its referenced types written inline)
   * the stored schema with its references resolved ("resolved" format). Equivalence here is by
   * normalized text, object keys in any order: a little stricter than Avro's Schema.equals
   * (which ignores docs).
   */
  private findEquivalent(state: RegistryState, subject: string, next: Parsed, includeDeleted: boolean): SchemaVersion | undefined {
    const refsKey = (refs: readonly SchemaReference[]) => JSON.stringify(refs.map((r) => [r.name, r.subject, r.version]));
    const normalized = orderFree(next.parsed.normalized());
    // The latest COMPATIBILITY_TARGETS_MAX versions only: each is parsed.
    for (const v of state.versionsOf(subject, includeDeleted).reverse().slice(0, COMPATIBILITY_TARGETS_MAX)) {
      if (typeOf(v) !== next.parsed.schemaType) continue;
      const prev = this.parsedEntry(state, v);
      if (!prev.ok) continue;
      if (refsKey(v.references) === refsKey(next.content.references)) {
        prev.value.orderFreeNormalized ??= orderFree(prev.value.parsed.normalized());
        if (prev.value.orderFreeNormalized === normalized) return v;
      }
      if (next.content.references.length === 0 && v.references.length > 0) {
        // Compared normalized, as Schema.equals ignores the order of custom properties.
        const resolved = prev.value.parsed.formatted('resolved');
        const reparsed = resolved === undefined ? undefined : next.support.parse(resolved, [], resolverOf(state, true), { isNew: false });
        if (reparsed?.ok === true && orderFree(reparsed.schema.normalized()) === normalized) return v;
      }
    }
    return undefined;
  }

  /** POST /subjects/{subject}: the version holding this schema (lookUpSchemaUnderSubject). */
  lookup(subject: string, req: SchemaRequest, normalize: boolean, includeDeleted: boolean): Outcome<SchemaVersion> {
    const state = this.state;
    const next = this.parseRequest(state, req, false, normalize);
    if (!next.ok) return next;
    const found = state.lookup(subject, next.value.content, includeDeleted);
    if (found.ok || found.error.code !== 40403) return found;
    const equivalent = this.findEquivalent(state, subject, next.value, includeDeleted);
    return equivalent === undefined ? found : ok(equivalent);
  }

  /**
   * POST /compatibility/subjects/{subject}/versions[/{version}] (CompatibilityResource): against
   * one live version ("latest" with none: compatible; a missing number: 40402), or against the
   * subject's live versions at its level. A schema that does not parse is 42201, or with
   * verbose its message as the one reason.
   */
  testCompatibility(subject: string, versionText: string | null, req: SchemaRequest, normalize: boolean, verbose: boolean): Outcome<string[]> {
    const state = this.state;
    let previous: SchemaVersion[];
    const level = state.effectiveCompatibility(subject);
    if (versionText === null) {
      previous = state.versionsOf(subject, false).reverse();
    } else {
      const version = parseVersionId(versionText);
      if (!version.ok) return version;
      const live = state.versionsOf(subject, false);
      const found = version.value === 'latest' ? live[live.length - 1] : live.find((v) => v.version === version.value);
      if (found === undefined && version.value !== 'latest') return fail(registryErrors.versionNotFound(version.value));
      previous = found === undefined ? [] : [found];
    }
    const next = this.parseRequest(state, req, true, normalize);
    if (!next.ok) return verbose && next.error.code === 42201 ? ok([next.error.message]) : next;
    return this.compatibilityMessages(state, level, next.value, previous);
  }

  /** Runs one of registry-writes' checks inside backend.write and answers `pick` of its result. */
  write<T extends { records: SchemasRecord[] }, R>(compute: (state: RegistryState) => Outcome<T>, pick: (value: T) => R): Promise<Outcome<R>> {
    return this.backend.write((state) => {
      const r = compute(state);
      return r.ok ? ok({ records: r.value.records, result: pick(r.value) }) : r;
    });
  }

  /** A stored schema in a named format (?format=); a format its type lacks leaves it as stored. */
  formatted(v: SchemaVersion, format: string): Outcome<string> {
    const parsed = this.parseStored(this.state, v);
    if (!parsed.ok) return parsed;
    return ok(parsed.value.formatted(format) ?? v.schema);
  }

  /** GET /subjects/{subject}/versions/{version}/referencedby: the ids of the schemas referring
   *  to the version (soft-deleted ones too when `includeDeleted`), sorted; the version itself
   *  is found soft-deleted or not (SubjectVersionsResource.getReferencedBy). */
  referencedBy(subject: string, versionText: string, includeDeleted: boolean): Outcome<number[]> {
    const state = this.state;
    const version = state.getVersion(subject, versionText, true);
    if (!version.ok) return version;
    const ids = new Set<number>();
    for (const r of state.referrers(subject, version.value.version)) if (includeDeleted || !r.deleted) ids.add(r.id);
    return ok([...ids].sort((a, b) => a - b));
  }
}
