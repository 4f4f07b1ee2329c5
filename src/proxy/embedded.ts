// The v2 produce body and the records a read returns, in the embedded formats without a schema
// (binary, json). Pure: text in, values out. Sources (confluentinc/kafka-rest):
// entities/v2/ProduceRequest (records, key_schema[_id], value_schema[_id]; a null `records` is
// an empty list, and @NotEmpty makes it a 422), controllers/NoSchemaRecordSerializer (binary:
// a base64 string or null, else 400 "data=... is not a (valid) base64 string."; json: any JSON
// value serialized as JSON text, null stays null), entities/v2/BinaryConsumerRecord and
// JsonConsumerRecord (topic, key, value, partition, offset).

import { parseJsonExact } from '../base/json-exact.ts';
import { bad, type Checked, type EmbeddedFormat, good, problems } from './wire.ts';

/** JSON.parse keeping integers past 2^53 exact (moved to base: the registry's codecs share it). */
export { parseJsonExact };

/** Records one produce request may carry. Confluent sets no count; ours bounds one request's
 *  batches (the body limit alone would let a 16 MiB body hold millions of "{}" records). */
export const PRODUCE_RECORDS_MAX = 10_000;

export interface ProduceRecordJson {
  readonly partition: number | null;
  /** The JSON value as sent; undefined or null is no key / a null value. */
  readonly key: unknown;
  readonly value: unknown;
}

export interface ProduceRequestJson {
  readonly records: readonly ProduceRecordJson[];
  readonly keySchemaId: number | null;
  readonly keySchema: string | null;
  readonly valueSchemaId: number | null;
  readonly valueSchema: string | null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A Jackson Integer: an int32 number or a string holding one (Jackson coerces), null, else 400. */
function int32(o: Record<string, unknown>, field: string): Checked<number | null> {
  const v = o[field];
  if (v === undefined || v === null) return good(null);
  const n = typeof v === 'string' && /^-?[0-9]{1,10}$/.test(v.trim()) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n) && n >= -2_147_483_648 && n <= 2_147_483_647) return good(n);
  return bad(problems.wrongType(field, 'an int32'));
}

/** A Jackson String: a scalar becomes its text; an object or array is a 400. */
function text(o: Record<string, unknown>, field: string): Checked<string | null> {
  const v = o[field];
  if (v === undefined || v === null) return good(null);
  if (typeof v === 'string') return good(v);
  if (typeof v === 'number' || typeof v === 'boolean') return good(String(v));
  return bad(problems.wrongType(field, 'a string'));
}

/** The body of POST /topics/{t} or /topics/{t}/partitions/{p}, read as Jackson reads ProduceRequest. */
export function parseProduceRequest(body: string): Checked<ProduceRequestJson> {
  if (body.trim() === '') return bad(problems.missingBody());
  let parsed: unknown;
  try {
    parsed = parseJsonExact(body);
  } catch (e) {
    return bad(problems.malformedJson((e as Error).message));
  }
  if (parsed === null) return bad(problems.missingBody());
  if (!isObject(parsed)) return bad(problems.wrongType('(body)', 'a JSON object'));
  const raw = parsed.records ?? [];
  if (!Array.isArray(raw)) return bad(problems.wrongType('records', 'an array'));
  if (raw.length === 0) return bad(problems.noRecords());
  if (raw.length > PRODUCE_RECORDS_MAX) return bad({ status: 422, code: 422, message: `records may hold at most ${PRODUCE_RECORDS_MAX} records` });
  const records: ProduceRecordJson[] = [];
  for (const r of raw) {
    // Jackson reads a null element as a null ProduceRecord; AbstractProduceAction would then
    // fail on it (a 500): we answer the 400 of a mistyped field instead.
    if (!isObject(r)) return bad(problems.wrongType('records[]', 'an object'));
    const partition = int32(r, 'partition');
    if (!partition.ok) return partition;
    records.push({ partition: partition.value, key: r.key ?? null, value: r.value ?? null });
  }
  const keySchemaId = int32(parsed, 'key_schema_id');
  const valueSchemaId = int32(parsed, 'value_schema_id');
  const keySchema = text(parsed, 'key_schema');
  const valueSchema = text(parsed, 'value_schema');
  for (const c of [keySchemaId, valueSchemaId, keySchema, valueSchema]) if (!c.ok) return c;
  return good({
    records,
    keySchemaId: keySchemaId.ok ? keySchemaId.value : null,
    keySchema: keySchema.ok ? keySchema.value : null,
    valueSchemaId: valueSchemaId.ok ? valueSchemaId.value : null,
    valueSchema: valueSchema.ok ? valueSchema.value : null,
  });
}

/** Jackson's JsonNode.toString of a value, for the error messages (a string keeps its quotes). */
function nodeText(v: unknown): string {
  return JSON.stringify(v);
}

const BASE64 = /^[A-Za-z0-9+/]*$/;

/** Guava's BaseEncoding.base64().decode, which NoSchemaRecordSerializer uses: the standard
 *  alphabet, padding optional, no whitespace, a length that is not 1 mod 4. */
export function decodeBase64(s: string): Uint8Array | null {
  const body = s.replace(/=+$/, '');
  if (!BASE64.test(body) || body.length % 4 === 1 || s.length - body.length > 2) return null;
  return new Uint8Array(Buffer.from(body, 'base64'));
}

/** One key or value of a produce record in `format` (binary or json), as bytes or null. */
export function serialize(format: 'binary' | 'json', data: unknown): Checked<Uint8Array | null> {
  if (data === null || data === undefined) return good(null);
  if (format === 'json') return good(new TextEncoder().encode(JSON.stringify(data)));
  if (typeof data !== 'string') return bad(problems.badRequest(`data=${nodeText(data)} is not a base64 string.`));
  const bytes = decodeBase64(data);
  if (bytes === null) return bad(problems.badRequest(`data=${nodeText(data)} is not a valid base64 string.`));
  return good(bytes);
}

/** A record as a read answers it (BinaryConsumerRecord / JsonConsumerRecord). */
export interface ConsumerRecordJson {
  readonly topic: string;
  readonly key: unknown;
  readonly value: unknown;
  readonly partition: number;
  readonly offset: number;
}

/** JSON-Schema-less deserializing of a json-format read (KafkaJsonDeserializer): the bytes are
 *  JSON text; bytes that are not are refused with Confluent's JSON conversion code (42203). */
export function deserialize(format: 'binary' | 'json', bytes: Uint8Array | null): Checked<unknown> {
  if (bytes === null) return good(null);
  if (format === 'binary') return good(Buffer.from(bytes).toString('base64'));
  try {
    return good(parseJsonExact(new TextDecoder('utf-8', { fatal: true }).decode(bytes)));
  } catch (e) {
    return bad({ status: 422, code: 42203, message: `Conversion of JSON to Object failed: ${(e as Error).message}` });
  }
}

/** The formats this proxy reads and writes without a schema registry. */
export function isSchemaless(format: EmbeddedFormat): format is 'binary' | 'json' {
  return format === 'binary' || format === 'json';
}
