// GET /topics/{topic}/partitions/{partition}/records?offset=N&count=C&max_bytes=B: a stateless
// read of one partition, no consumer instance. REST Proxy v1 had it (GET /topics/{t}/
// partitions/{p}/messages?offset=&count=, SimpleConsumerManager) and v2 dropped it for consumer
// instances; ours answers v2's record shape (BinaryConsumerRecord / JsonConsumerRecord: topic,
// key, value, partition, offset) in the format the Accept header picks, as v2's consumer
// records route does (binary by default; json; the schema formats need the registry).
//
// It never waits for data: a fetch with max wait 0; fewer records than `count` (none at the end
// of the log) is a complete answer. `max_bytes` bounds the keys and values returned, as v1's
// max_bytes did, except that the first record is always returned (KIP-74: a consumer must be
// able to make progress past a record larger than its limit).

import { ClientError } from '../client/client.ts';
import type { FetchedRecord } from '../client/fetched-records.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { isSchemaless } from './embedded.ts';
import { isRetriable, messageOf, requestProblem } from './kafka-errors.ts';
import { partitionMetadata, type ProxyClient } from './routes.ts';
import { consumerRecordsJson, type ProxySchemas } from './schema-formats.ts';
import { bad, type Checked, type EmbeddedFormat, good, json, mediaTypeOfFormat, problem, problems } from './wire.ts';

/** Records one read returns by default (v1's count default) and at most. */
export const READ_COUNT_DEFAULT = 1;
export const READ_COUNT_MAX = 10_000;
/** Bytes of keys and values one read returns by default and at most. */
export const READ_BYTES_DEFAULT = 1024 * 1024;
export const READ_BYTES_MAX = 16 * 1024 * 1024;
/** Fetches one read makes at most to fill `count` (each returns whole batches from `offset`). */
export const READ_FETCHES_MAX = 8;
/** What the first fetch of a read asks for at most: a fetch brings (and the client decodes) all
 *  it may, so asking for `max_bytes` at once to answer a few records wastes the difference.
 *  Later fetches are sized from the records' average size. */
export const READ_FIRST_FETCH_BYTES = 64 * 1024;
/** A record's bytes in a batch beyond its key and value (headers of the record and its share of
 *  the batch's), for sizing the next fetch. */
const RECORD_OVERHEAD_BYTES = 32;

export interface ReadQuery {
  readonly offset: number;
  readonly count: number;
  readonly maxBytes: number;
}

/** A query parameter as a bounded integer; absent is the default, anything else a 400. */
function bounded(query: URLSearchParams, name: string, fallback: number | null, min: number, max: number): Checked<number> {
  const v = query.get(name);
  if (v === null || v === '') {
    return fallback === null ? bad(problems.badRequest(`${name} is required`)) : good(fallback);
  }
  const n = /^[0-9]{1,16}$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) return bad(problems.badRequest(`${name}=${v} is not an integer in [${min}, ${max}]`));
  return good(n);
}

export function readQuery(query: URLSearchParams): Checked<ReadQuery> {
  const offset = bounded(query, 'offset', null, 0, Number.MAX_SAFE_INTEGER);
  if (!offset.ok) return offset;
  const count = bounded(query, 'count', READ_COUNT_DEFAULT, 1, READ_COUNT_MAX);
  if (!count.ok) return count;
  const maxBytes = bounded(query, 'max_bytes', READ_BYTES_DEFAULT, 1, READ_BYTES_MAX);
  if (!maxBytes.ok) return maxBytes;
  return good({ offset: offset.value, count: count.value, maxBytes: maxBytes.value });
}

/** The embedded format an Accept header asks for: the first media type it names that we know
 *  (q-values are not weighed); binary when it names none or accepts anything. */
export function formatOfAccept(accept: string | null): Checked<EmbeddedFormat> {
  if (accept === null || accept.trim() === '') return good('binary');
  for (const part of accept.split(',')) {
    const type = part.split(';')[0].trim().toLowerCase();
    const m = /^application\/vnd\.kafka\.(binary|json|avro|jsonschema|protobuf)\.v2\+json$/.exec(type);
    if (m !== null) return good(m[1] as EmbeddedFormat);
    if (type === 'application/vnd.kafka.v2+json' || type === 'application/json' || type === 'application/*' || type === '*/*') return good('binary');
  }
  return bad(problems.notAcceptable());
}

function recordBytes(r: FetchedRecord): number {
  return (r.key?.length ?? 0) + (r.value?.length ?? 0);
}

export async function readRecords(client: ProxyClient, schemas: ProxySchemas | undefined, topic: string, partition: number, query: URLSearchParams, accept: string | null): Promise<Response> {
  const format = formatOfAccept(accept);
  if (!format.ok) return problem(format.problem);
  if (!isSchemaless(format.value) && schemas === undefined) return problem(problems.schemaRegistryNotConfigured());
  const q = readQuery(query);
  if (!q.ok) return problem(q.problem);
  const p = await partitionMetadata(client, topic, partition);
  if (!p.ok) return problem(p.problem);
  const fetched = await fetchRecords(client, topic, partition, q.value);
  if (!fetched.ok) return problem(fetched.problem);
  const out = await consumerRecordsJson(schemas, format.value, fetched.value.map((r) => ({ topic, partition, offset: r.offset, key: r.key, value: r.value })));
  if (!out.ok) return problem(out.problem);
  return json(out.value, 200, mediaTypeOfFormat(format.value));
}

/** Up to `count` records from `offset`, within `maxBytes` (the first always), in few fetches. */
async function fetchRecords(client: ProxyClient, topic: string, partition: number, q: ReadQuery): Promise<Checked<FetchedRecord[]>> {
  const out: FetchedRecord[] = [];
  let bytes = 0;
  let offset = q.offset;
  let fetchBytes = Math.min(q.maxBytes, READ_FIRST_FETCH_BYTES);
  for (let round = 0; round < READ_FETCHES_MAX && out.length < q.count; round++) {
    let result;
    try {
      [result] = await client.fetch([{ topic, partition, offset, maxBytes: fetchBytes }], { maxWaitMs: 0, minBytes: 0 });
    } catch (e) {
      if (e instanceof ClientError) return bad(problems.kafkaRetriable(e.message));
      throw e;
    }
    if (result === undefined) break;
    if (result.error !== null) {
      if (result.error.code === ErrorCode.OFFSET_OUT_OF_RANGE) {
        return bad(problems.kafkaBadRequest(`Offset ${offset} is out of range for ${topic}-${partition}: ${messageOf(result.error)}`));
      }
      if (result.error.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return bad(problems.partitionNotFound());
      return bad(isRetriable(result.error.code) ? problems.kafkaRetriable(messageOf(result.error)) : requestProblem(result.error));
    }
    for (const r of result.records) {
      if (out.length >= q.count) break;
      if (out.length > 0 && bytes + recordBytes(r) > q.maxBytes) return good(out);
      out.push(r);
      bytes += recordBytes(r);
    }
    // Nothing further to read: the end of the log, or no whole batch came.
    if (result.nextOffset <= offset || result.nextOffset >= result.highWatermark) break;
    offset = result.nextOffset;
    // Enough for the records still wanted at the average size so far, within what max_bytes leaves.
    const average = out.length === 0 ? fetchBytes : bytes / out.length + RECORD_OVERHEAD_BYTES;
    fetchBytes = Math.max(1, Math.min(q.maxBytes - bytes, Math.max(READ_FIRST_FETCH_BYTES, Math.ceil((q.count - out.length) * average * 1.25))));
  }
  return good(out);
}
