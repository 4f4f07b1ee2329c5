// Fetch (1) v4-18, consumers only (replica fetches arrive with replication).
// - Long poll: answer once minBytes are available or maxWaitMs passed; appends wake us.
// - Limits: the response carries at most min(maxBytes, fetch.max.bytes) and each partition at
//   most partitionMaxBytes, except that the first batch of the first non-empty partition is
//   returned whole even when larger, so a consumer can always make progress (KIP-74).
// - Only data below the high watermark is served (see cluster/partition.ts).
// - v7+ incremental fetch sessions (KIP-227, see fetch-session.ts); v9+ leader epoch fencing
//   (KIP-320); v13+ topics named by id (KIP-516).
// - Old versions keep what Kafka promises them (KafkaApis.handleFetchRequest): before v10 a
//   partition of a topic whose compression.type is zstd is UNSUPPORTED_COMPRESSION_TYPE (those
//   clients predate zstd, KIP-110), and up to v5 KAFKA_STORAGE_ERROR is answered as
//   NOT_LEADER_OR_FOLLOWER, which they know to retry after refreshing metadata.
// - On a cluster a partition another node hosts is NOT_LEADER_OR_FOLLOWER with its leader and
//   that node's endpoint (KIP-951, v12+ and v16+), as Produce does (v10+).

import { intProp } from '../../config/node-config.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { Fetch } from '../../protocol/messages/index.ts';
import type { Encodable, RequestOf, ResponseOf } from '../../protocol/schema.ts';
import type { Broker } from '../broker.ts';
import {
  FINAL_EPOCH,
  type FetchSession,
  INITIAL_EPOCH,
  partitionKey,
  type SessionPartition,
} from '../fetch-session.ts';
import { handler } from '../handler.ts';
import { waitForProgress } from '../wait.ts';
import { currentLeaderOf, nodeEndpointsOf } from '../clustered.ts';

type Req = RequestOf<typeof Fetch>;
type PartitionOut = Encodable<ResponseOf<typeof Fetch>['responses'][number]['partitions'][number]>;
type TopicOut = { topic: string; topicId: string; partitions: PartitionOut[] };

const EMPTY_RECORDS = new Uint8Array(0);

export default handler(Fetch, async (ctx, req) => {
  const broker = ctx.broker;
  const clock = broker.deps.clock;
  const now = clock.nowMs();
  const opened = openSession(broker, ctx.apiVersion, req, now);
  if ('errorCode' in opened) return { errorCode: opened.errorCode, sessionId: 0, responses: [] };
  const { session, wanted, incremental } = opened;
  const budget = Math.min(req.maxBytes, intProp(broker.config, 'fetch.max.bytes'));
  const deadline = now + Math.max(0, req.maxWaitMs);
  for (;;) {
    const r = readAll(broker, wanted, budget, incremental, req.isolationLevel, ctx.apiVersion);
    const waitMs = deadline - clock.nowMs();
    // ctx.wake fired: the connection closed or the node is stopping; answer with what there is.
    if (r.bytes >= req.minBytes || r.errors > 0 || waitMs <= 0 || ctx.wake.fired) {
      for (const p of r.sent) {
        p.sentHighWatermark = p.hw;
        p.sentLogStartOffset = p.logStart;
      }
      if (session) {
        session.nextEpoch++;
        session.lastUsedMs = clock.nowMs();
      }
      return { errorCode: ErrorCode.NONE, sessionId: session?.id ?? 0, responses: r.topics, nodeEndpoints: nodeEndpointsOf(broker, r.leaders) };
    }
    const parts = wanted.map((w) => broker.partition(w.topic, w.partition)).filter((p) => p !== undefined);
    await waitForProgress(parts, waitMs, ctx.wake, broker.deps.scheduler);
  }
});

interface Opened {
  session: FetchSession | null;
  wanted: SessionPartition[];
  incremental: boolean;
}

function openSession(broker: Broker, version: number, req: Req, now: number): Opened | { errorCode: number } {
  const byId = version >= 13;
  const cache = broker.fetchSessions;
  let session: FetchSession | null = null;
  let incremental = false;
  if (version >= 7) {
    if (req.sessionEpoch === FINAL_EPOCH || req.sessionEpoch === INITIAL_EPOCH) {
      if (req.sessionId !== 0) cache.remove(req.sessionId);
      if (req.sessionEpoch === INITIAL_EPOCH) session = cache.create(now, byId);
    } else {
      const s = cache.get(req.sessionId);
      if (!s) return { errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND };
      if (s.nextEpoch !== req.sessionEpoch) return { errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH };
      session = s;
      incremental = true;
    }
  }
  const given: SessionPartition[] = [];
  for (const t of req.topics) {
    const name = byId ? (broker.topics.getById(t.topicId)?.name ?? '') : t.topic;
    for (const p of t.partitions) {
      given.push({
        topic: name,
        topicId: byId ? t.topicId : (broker.topics.get(name)?.id ?? ''),
        partition: p.partition,
        fetchOffset: p.fetchOffset,
        partitionMaxBytes: p.partitionMaxBytes,
        currentLeaderEpoch: p.currentLeaderEpoch,
        sentHighWatermark: -1,
        sentLogStartOffset: -1,
      });
    }
  }
  if (!session) return { session: null, wanted: given, incremental: false };
  const keyOf = (p: SessionPartition): string => partitionKey(byId ? p.topicId : p.topic, p.partition);
  for (const f of req.forgottenTopicsData) {
    const topic = byId ? f.topicId : f.topic;
    for (const idx of f.partitions) session.partitions.delete(partitionKey(topic, idx));
  }
  for (const g of given) {
    const prev = session.partitions.get(keyOf(g));
    if (prev) {
      prev.fetchOffset = g.fetchOffset;
      prev.partitionMaxBytes = g.partitionMaxBytes;
      prev.currentLeaderEpoch = g.currentLeaderEpoch;
    } else {
      session.partitions.set(keyOf(g), g);
    }
  }
  return { session, wanted: [...session.partitions.values()], incremental };
}

interface Sent extends SessionPartition {
  hw: number;
  logStart: number;
}

function readAll(broker: Broker, wanted: SessionPartition[], budget: number, incremental: boolean, isolationLevel: number, version: number) {
  const topics = new Map<string, TopicOut>();
  const sent: Sent[] = [];
  let bytes = 0;
  let errors = 0;
  const leaders = new Set<number>();
  for (const w of wanted) {
    const out = readOne(broker, w, budget - bytes, bytes === 0, isolationLevel, version);
    if (out.currentLeader?.leaderId !== undefined) leaders.add(out.currentLeader.leaderId);
    const hw = out.highWatermark as number;
    const logStart = out.logStartOffset as number;
    const size = (out.records as Uint8Array).length;
    const changed = size > 0 || out.errorCode !== 0 || hw !== w.sentHighWatermark || logStart !== w.sentLogStartOffset;
    if (incremental && !changed) continue;
    if (out.errorCode !== 0) errors++;
    bytes += size;
    sent.push(Object.assign(w, { hw, logStart }) as Sent);
    const key = w.topicId || w.topic;
    let t = topics.get(key);
    if (!t) {
      t = { topic: w.topic, topicId: w.topicId, partitions: [] };
      topics.set(key, t);
    }
    t.partitions.push(out);
  }
  return { topics: [...topics.values()], bytes, errors, sent, leaders };
}

/** The first Fetch version that may carry zstd batches (KIP-110). */
const ZSTD_MIN_FETCH_VERSION = 10;
/** The last Fetch version that predates KAFKA_STORAGE_ERROR in fetch answers (KIP-112). */
const STORAGE_ERROR_AS_NOT_LEADER_MAX_VERSION = 5;

function readOne(broker: Broker, w: SessionPartition, budget: number, first: boolean, isolationLevel: number, version: number): PartitionOut {
  const fail = (errorCode: number): PartitionOut => ({
    partitionIndex: w.partition,
    errorCode:
      errorCode === ErrorCode.KAFKA_STORAGE_ERROR && version <= STORAGE_ERROR_AS_NOT_LEADER_MAX_VERSION
        ? ErrorCode.NOT_LEADER_OR_FOLLOWER
        : errorCode,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    abortedTransactions: null,
    records: EMPTY_RECORDS,
  });
  const topic = w.topic === '' ? undefined : broker.topics.get(w.topic);
  if (!topic) return fail(w.topicId && !w.topic ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const p = broker.partition(w.topic, w.partition);
  if (!p) {
    const out = fail(broker.partitionErrorCode(w.topic, w.partition));
    const currentLeader = out.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER ? currentLeaderOf(broker, w.topic, w.partition) : undefined;
    return currentLeader === undefined ? out : { ...out, currentLeader };
  }
  if (version < ZSTD_MIN_FETCH_VERSION && p.config.compressionType === 'zstd') return fail(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  if (w.currentLeaderEpoch >= 0 && w.currentLeaderEpoch !== p.leaderEpoch) {
    return fail(w.currentLeaderEpoch > p.leaderEpoch ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.FENCED_LEADER_EPOCH);
  }
  const hw = p.highWatermark;
  const base: PartitionOut = {
    partitionIndex: w.partition,
    errorCode: ErrorCode.NONE,
    highWatermark: hw,
    lastStableOffset: hw,
    logStartOffset: p.logStartOffset,
    abortedTransactions: isolationLevel === 1 ? [] : null,
    records: EMPTY_RECORDS,
  };
  if (w.fetchOffset < p.logStartOffset || w.fetchOffset > p.logEndOffset) {
    return { ...base, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, records: EMPTY_RECORDS };
  }
  const limit = Math.min(w.partitionMaxBytes, Math.max(0, budget));
  if (w.fetchOffset >= hw || (limit <= 0 && !first)) return base;
  const r = p.log.read(w.fetchOffset, limit, { minOneBatch: first, maxOffset: hw });
  return { ...base, records: r.bytes };
}

