// The /consumers routes of Confluent REST Proxy v2 (resources/v2/ConsumersResource.java and
// v2/KafkaConsumerState.java), over the ConsumerManager's instances. Bodies are the v2
// entities: CreateConsumerInstanceRequest/Response, ConsumerSubscriptionRecord/Response,
// ConsumerAssignmentRequest/Response, ConsumerSeekRequest, ConsumerSeekToRequest,
// ConsumerOffsetCommitRequest, ConsumerCommittedRequest/Response, CommitOffsetsResponse.
// Answers without a body (subscribe, assign, seek, delete) are 204, as JAX-RS answers a void.

import type { TopicPartition } from '../client/group-member.ts';
import { isSchemaless } from './embedded.ts';
import { consumerRecordsJson, type ProxySchemas } from './schema-formats.ts';
import { type ConsumerInstance, type ConsumerManager, consumerProblems } from './consumers.ts';
import { READ_BYTES_DEFAULT, READ_BYTES_MAX } from './read.ts';
import { bad, type Checked, type EmbeddedFormat, embeddedFormatOf, good, json, mediaTypeOfFormat, problem, problems } from './wire.ts';

/** consumer.request.timeout.ms default (KafkaRestConfig: 1000) and the most a read may wait. */
export const CONSUMER_REQUEST_TIMEOUT_MS_DEFAULT = 1_000;
export const CONSUMER_REQUEST_TIMEOUT_MS_MAX = 30_000;
/** Partitions one assign, seek or committed request names at most. */
export const CONSUMER_PARTITIONS_MAX = 10_000;

const noContent = (): Response => new Response(null, { status: 204 });
type Obj = Record<string, unknown>;

/** The JSON body, or {} when empty (Confluent takes an absent body as defaults); 400 if malformed. */
export function parseBody(text: string): Checked<Obj | null> {
  if (text.trim() === '') return good(null);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return bad(problems.malformedJson(e instanceof Error ? e.message : String(e)));
  }
  if (v === null) return good(null);
  if (typeof v !== 'object' || Array.isArray(v)) return bad(problems.wrongType('(body)', 'an object'));
  return good(v as Obj);
}

const str = (o: Obj, f: string): Checked<string | null> =>
  o[f] === undefined || o[f] === null ? good(null) : typeof o[f] === 'string' ? good(o[f] as string) : bad(problems.wrongType(f, 'a string'));

/** `field` as a list of {topic, partition[, offset]}. */
function partitionsOf(o: Obj, field: string, withOffset: boolean): Checked<Array<TopicPartition & { offset: number }>> {
  const list = o[field];
  if (!Array.isArray(list)) return bad(problems.wrongType(field, 'a list'));
  if (list.length > CONSUMER_PARTITIONS_MAX) return bad(problems.badRequest(`more than ${CONSUMER_PARTITIONS_MAX} partitions`));
  const out: Array<TopicPartition & { offset: number }> = [];
  for (const p of list) {
    if (typeof p !== 'object' || p === null || typeof p.topic !== 'string' || !Number.isInteger(p.partition)) {
      return bad(problems.wrongType(field, 'a list of {topic, partition}'));
    }
    if (withOffset && (!Number.isSafeInteger(p.offset) || p.offset < 0)) return bad(problems.wrongType(`${field}.offset`, 'a non-negative integer'));
    out.push({ topic: p.topic, partition: p.partition, offset: withOffset ? p.offset : 0 });
  }
  return good(out);
}

/** POST /consumers/{group}: CreateConsumerInstanceRequest -> {instance_id, base_uri}. */
export function createInstance(manager: ConsumerManager, schemas: ProxySchemas | undefined, group: string, body: Obj | null, baseUrl: string): Response {
  const o = body ?? {};
  const name = str(o, 'name');
  if (!name.ok) return problem(name.problem);
  const id = str(o, 'id'); // "an explicit ID request always overrides name" (getConsumerInstanceName)
  if (!id.ok) return problem(id.problem);
  const formatText = str(o, 'format');
  if (!formatText.ok) return problem(formatText.problem);
  const format = (formatText.value ?? 'binary').toLowerCase() as EmbeddedFormat;
  if (embeddedFormatOf(`application/vnd.kafka.${format}.v2+json`) === null) {
    return problem(consumerProblems.invalidConfig(`Invalid format type: ${formatText.value}`));
  }
  if (!isSchemaless(format) && schemas === undefined) return problem(problems.schemaRegistryNotConfigured());
  const reset = str(o, 'auto.offset.reset');
  if (!reset.ok) return problem(reset.problem);
  if (reset.value !== null && !['earliest', 'latest', 'none'].includes(reset.value)) {
    return problem(consumerProblems.invalidConfig(`Invalid value ${reset.value} for configuration auto.offset.reset: String must be one of: latest, earliest, none`));
  }
  // auto.commit.enable: kafka-rest sets enable.auto.commit only when given, so Kafka's default
  // (true) holds otherwise; Kafka reads a boolean config case-insensitively (ConfigDef.parseType).
  // A String field in CreateConsumerInstanceRequest: Jackson takes a JSON boolean as its text.
  const autoCommitRaw = o['auto.commit.enable'];
  const autoCommitText = typeof autoCommitRaw === 'boolean' ? good(String(autoCommitRaw)) : str(o, 'auto.commit.enable');
  if (!autoCommitText.ok) return problem(autoCommitText.problem);
  const autoCommit = (autoCommitText.value ?? 'true').trim().toLowerCase();
  if (autoCommit !== 'true' && autoCommit !== 'false') {
    return problem(consumerProblems.invalidConfig(`Invalid value ${autoCommitText.value} for configuration enable.auto.commit: Expected value to be either true or false`));
  }
  // fetch.min.bytes (Kafka's default 1; a String field, so "1024" or 1024): the broker holds a
  // records read until that much is there or the request's timeout passes.
  const minBytesRaw = o['fetch.min.bytes'];
  const minBytes = minBytesRaw === undefined || minBytesRaw === null ? 1 : Number(minBytesRaw);
  if (!Number.isInteger(minBytes) || minBytes < 0 || minBytes > READ_BYTES_MAX) {
    return problem(consumerProblems.invalidConfig(`fetch.min.bytes must be an integer in [0, ${READ_BYTES_MAX}]`));
  }
  const timeoutText = o['consumer.request.timeout.ms'];
  const timeout = timeoutText === undefined || timeoutText === null ? CONSUMER_REQUEST_TIMEOUT_MS_DEFAULT : Number(timeoutText);
  if (!Number.isInteger(timeout) || timeout < 0 || timeout > CONSUMER_REQUEST_TIMEOUT_MS_MAX) {
    return problem(consumerProblems.invalidConfig(`consumer.request.timeout.ms must be an integer in [0, ${CONSUMER_REQUEST_TIMEOUT_MS_MAX}]`));
  }
  const created = manager.create(group, id.value ?? name.value, format, { autoOffsetReset: (reset.value ?? 'latest') as 'earliest' | 'latest' | 'none' }, {
    requestTimeoutMs: timeout,
    autoCommit: autoCommit === 'true',
    fetchMinBytes: minBytes,
  });
  if (!created.ok) return problem(created.problem);
  const i = created.instance;
  return json({ instance_id: i.name, base_uri: `${baseUrl}/consumers/${encodeURIComponent(group)}/instances/${encodeURIComponent(i.name)}` });
}

export async function subscribe(i: ConsumerInstance, body: Obj | null): Promise<Response> {
  if (body === null) return problem(problems.missingBody());
  const hasTopics = body.topics !== undefined && body.topics !== null;
  const pattern = str(body, 'topic_pattern');
  if (!pattern.ok) return problem(pattern.problem);
  // ConsumerSubscriptionRecord: topics and topic_pattern are exclusive (KafkaConsumerState.subscribe).
  if (hasTopics && pattern.value !== null) return problem(consumerProblems.illegalState('Subscription to topics and pattern are mutually exclusive.'));
  let refused;
  if (pattern.value !== null) {
    let re: RegExp;
    try {
      re = new RegExp(pattern.value);
    } catch (e) {
      return problem(problems.badRequest(`topic_pattern is not a valid pattern: ${e instanceof Error ? e.message : e}`));
    }
    refused = await i.member.subscribe({ pattern: re });
  } else {
    if (!Array.isArray(body.topics) || body.topics.some((t) => typeof t !== 'string')) return problem(problems.wrongType('topics', 'a list of strings'));
    refused = await i.member.subscribe({ topics: body.topics as string[] });
  }
  return refused === null ? noContent() : problem(consumerProblems.illegalState(refused.message));
}

export function subscription(i: ConsumerInstance): Response {
  return json({ topics: i.member.subscribedTopics() });
}

export async function unsubscribe(i: ConsumerInstance): Promise<Response> {
  await i.member.unsubscribe();
  return noContent();
}

export function assign(i: ConsumerInstance, body: Obj | null): Response {
  if (body === null) return problem(problems.missingBody());
  const ps = partitionsOf(body, 'partitions', false);
  if (!ps.ok) return problem(ps.problem);
  const refused = i.member.assign(ps.value.map((p) => ({ topic: p.topic, partition: p.partition })));
  return refused === null ? noContent() : problem(consumerProblems.illegalState(refused.message));
}

export function assignments(i: ConsumerInstance): Response {
  return json({ partitions: i.member.assignment() });
}

/** POST .../positions: ConsumerSeekRequest {offsets: [{topic, partition, offset}]}. */
export function seek(i: ConsumerInstance, body: Obj | null): Response {
  if (body === null) return problem(problems.missingBody());
  const ps = partitionsOf(body, 'offsets', true);
  if (!ps.ok) return problem(ps.problem);
  for (const p of ps.value) {
    const refused = i.member.seek(p, p.offset);
    // KafkaConsumer.seek on an unassigned partition: IllegalStateException ("No current assignment").
    if (refused !== null) return problem(consumerProblems.illegalState(refused.message));
  }
  return noContent();
}

/** POST .../positions/beginning|end: ConsumerSeekToRequest {partitions: [{topic, partition}]}. */
export async function seekTo(i: ConsumerInstance, body: Obj | null, spec: 'earliest' | 'latest'): Promise<Response> {
  if (body === null) return problem(problems.missingBody());
  const ps = partitionsOf(body, 'partitions', false);
  if (!ps.ok) return problem(ps.problem);
  const errors = await i.member.seekTo(ps.value, spec);
  if (errors.length > 0) return problem(consumerProblems.illegalState(errors[0].error.message ?? 'seek failed'));
  return noContent();
}

/** The Accept header against the instance's format: another embedded format is 40601. */
export function acceptMatches(accept: string | null, format: EmbeddedFormat): boolean {
  if (accept === null) return true;
  for (const part of accept.split(',')) {
    const m = /^application\/vnd\.kafka\.(binary|json|avro|jsonschema|protobuf)\.v2\+json$/.exec(part.split(';')[0].trim().toLowerCase());
    if (m !== null) return m[1] === format;
  }
  return true;
}

function boundedQuery(query: URLSearchParams, name: string, fallback: number, max: number): Checked<number> {
  const v = query.get(name);
  if (v === null || v === '') return good(fallback);
  const n = /^[0-9]{1,16}$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) return bad(problems.badRequest(`${name}=${v} is not a non-negative integer`));
  return good(Math.min(n, max));
}

/** GET .../records?timeout=&max_bytes= (KafkaConsumerManager.readRecords). */
export async function records(manager: ConsumerManager, i: ConsumerInstance, schemas: ProxySchemas | undefined, query: URLSearchParams, accept: string | null): Promise<Response> {
  if (!acceptMatches(accept, i.format)) return problem(consumerProblems.formatMismatch());
  const timeout = boundedQuery(query, 'timeout', i.requestTimeoutMs, i.requestTimeoutMs);
  if (!timeout.ok) return problem(timeout.problem);
  const maxBytes = boundedQuery(query, 'max_bytes', READ_BYTES_DEFAULT, READ_BYTES_MAX);
  if (!maxBytes.ok) return problem(maxBytes.problem);
  await manager.autoCommitIfDue(i);
  const polled = await i.member.poll(Math.max(1, maxBytes.value), timeout.value, i.fetchMinBytes);
  if (polled.error !== null) {
    if ('refusal' in polled.error) return problem(consumerProblems.illegalState(polled.error.message ?? 'poll failed'));
    return problem(problems.kafkaRetriable(polled.error.message ?? 'poll failed'));
  }
  const out = await consumerRecordsJson(schemas, i.format, polled.records);
  if (!out.ok) return problem(out.problem);
  return json(out.value, 200, mediaTypeOfFormat(i.format));
}

/** POST .../offsets: the given offsets (each the last consumed: committed as offset + 1), or
 *  with no body every position (commitSync()). Answers CommitOffsetsResponse, an empty list. */
export async function commit(i: ConsumerInstance, body: Obj | null): Promise<Response> {
  let result;
  if (body === null || body.offsets === undefined || body.offsets === null) {
    result = await i.member.commit();
  } else {
    const ps = partitionsOf(body, 'offsets', true);
    if (!ps.ok) return problem(ps.problem);
    const metadata = (body.offsets as Obj[]).map((o) => (typeof o.metadata === 'string' ? o.metadata : null));
    result = await i.member.commit(ps.value.map((p, n) => ({ topic: p.topic, partition: p.partition, offset: p.offset + 1, metadata: metadata[n] })));
  }
  if (result.error !== null) {
    if ('refusal' in result.error) return problem(consumerProblems.illegalState(result.error.message ?? 'commit failed'));
    return problem(problems.kafkaRetriable(result.error.message ?? 'commit failed'));
  }
  const failed = result.partitions.find((p) => p.error !== null);
  if (failed?.error) return problem(problems.kafkaRetriable(failed.error.message ?? 'commit failed'));
  return json({ offsets: [] });
}

/**
 * GET .../offsets with ConsumerCommittedRequest {partitions} -> {offsets: [{topic, partition,
 * offset, metadata}]}. Bun.serve drops a GET's body (narfindustries/http-garden#22: Bun and
 * Deno ignore GET bodies), so the body Confluent's clients send never arrives: without one we
 * answer for the instance's current assignment (Java's committed(assignment())), which is
 * what a consumer asks about. A body that does arrive (a test's fetch) is honoured.
 */
export async function committed(i: ConsumerInstance, body: Obj | null): Promise<Response> {
  let partitions: TopicPartition[];
  if (body === null) partitions = i.member.assignment();
  else {
    const ps = partitionsOf(body, 'partitions', false);
    if (!ps.ok) return problem(ps.problem);
    partitions = ps.value.map((p) => ({ topic: p.topic, partition: p.partition }));
  }
  if (partitions.length === 0) return json({ offsets: [] });
  const r = await i.member.committed(partitions);
  if (r.error !== null) return problem(problems.kafkaRetriable(r.error.message ?? 'offset fetch failed'));
  return json({
    offsets: r.offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata ?? '' })),
  });
}
