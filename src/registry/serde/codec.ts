// Confluent's serialized form of a schema-typed key or value, and the per-type codecs between it
// and JSON. Sources: Confluent's docs "Wire format" (schema-registry/fundamentals/serdes-develop:
// magic byte 0, the schema id as a 4-byte big-endian int, then the payload; for Protobuf the
// message indexes come first), AbstractKafkaSchemaSerDe (MAGIC_BYTE, idSize) and the REST
// proxy's converters (kafka-rest SchemaRecordSerializerImpl: AvroSchemaUtils.toObject,
// JsonSchemaUtils.toObject, ProtobufSchemaUtils.toObject on the way in; AvroConverter,
// JsonSchemaConverter, ProtobufConverter toJson on the way out).
//
// Pure: a codec is built from a schema and the references it resolves through the registry's
// state, and turns JSON values into payload bytes and back. Framing (magic byte and id) is here
// too; which schema an id names is the caller's business (the registry's state).

import type { SchemaReference } from '../schemas-records.ts';
import type { SchemaResolver, SchemaType } from '../schema-types.ts';

/** Confluent's MAGIC_BYTE: the first byte of every schema-framed key or value. */
export const MAGIC_BYTE = 0;
/** The magic byte and the 4-byte schema id. */
export const FRAME_HEADER_BYTES = 5;

export type CodecOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };
export const codecOk = <T>(value: T): CodecOutcome<T> => ({ ok: true, value });
export const codecFail = (message: string): { ok: false; message: string } => ({ ok: false, message });

/**
 * One schema's conversions. `encode` takes a JSON value as the proxy parsed it (integers past
 * 2^53 arrive as JSON.rawJSON objects holding their digits) and gives the payload that follows
 * the 5-byte header (for Protobuf: the message indexes and the message). `decode` is the reverse
 * and gives the JSON value Confluent's REST proxy answers for it. A failure is a value with the
 * converter's message (the proxy answers it 400 / 422), never a throw.
 */
export interface SchemaCodec {
  readonly schemaType: SchemaType;
  encode(value: unknown): CodecOutcome<Uint8Array>;
  decode(payload: Uint8Array): CodecOutcome<unknown>;
}

/** A registered schema as a codec needs it. */
export interface CodecSchema {
  readonly schemaType: SchemaType;
  readonly schema: string;
  readonly references: readonly SchemaReference[];
}

/** The 5-byte header and the payload. */
export function frame(id: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  out[0] = MAGIC_BYTE;
  new DataView(out.buffer).setInt32(1, id, false);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** The schema id and payload of framed bytes; Confluent's deserializers' own messages otherwise. */
export function unframe(bytes: Uint8Array): CodecOutcome<{ id: number; payload: Uint8Array }> {
  if (bytes.length < FRAME_HEADER_BYTES) return codecFail(`Invalid data: ${bytes.length} bytes, shorter than the magic byte and schema id`);
  if (bytes[0] !== MAGIC_BYTE) return codecFail('Unknown magic byte!');
  const id = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(1, false);
  return codecOk({ id, payload: bytes.subarray(FRAME_HEADER_BYTES) });
}

/** Builds one schema type's codec; `resolve` reads referenced schemas from the registry's state. */
export type CodecFactory = (schema: CodecSchema, resolve: SchemaResolver) => CodecOutcome<SchemaCodec>;
