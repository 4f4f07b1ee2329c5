// The `_schemas` topic through the internal Kafka client (src/client), the way Confluent's
// KafkaStore reaches it (core/.../storage/KafkaStore.java): created if missing with one
// partition, cleanup.policy=compact and a replication factor of min(3, live brokers)
// (createSchemaTopic: kafkastore.topic.replication.factor defaults to 3; with fewer brokers it
// warns and uses what there is); an existing topic is checked for one partition and the compact
// policy (verifySchemaTopic: anything else is an initialisation error). Records are produced
// with acks=all and read with long-poll fetches. Every failure is a value.

import { logger } from '../../base/log.ts';
import { sleep } from '../../base/scheduler.ts';
import { ResourceType } from '../../client/admin.ts';
import type { KafkaClient } from '../../client/client.ts';
import { ClientError, describeKafkaErr, type KafkaErr } from '../../client/errors.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { type LogAppend, logFail, type LogFailureKind, logOk, type LogOutcome, type LogRead, type SchemasLog } from './schemas-log.ts';

const log = logger('registry');

/** Confluent's kafkastore.topic default. */
export const SCHEMAS_TOPIC = '_schemas';
/** Confluent's kafkastore.topic.replication.factor default. */
export const SCHEMAS_REPLICATION_FACTOR_DESIRED = 3;
/** One fetch reads at most this much (the partition's and the request's limit). */
export const SCHEMAS_FETCH_BYTES_MAX = 4 * 1024 * 1024;
/** How long a produce may wait for acks=all on the broker (the request's timeoutMs). */
export const SCHEMAS_PRODUCE_TIMEOUT_MS = 10_000;

export interface KafkaSchemasLogOptions {
  readonly topic?: string;
  /**
   * The brokers this cluster is expected to have (the seeds; 1 for a node alone). The topic is
   * not created while fewer are registered, so a cluster starting up does not get a `_schemas`
   * with one replica because its first node was quick; ensureTopic answers `unavailable` and
   * is retried. Past `brokerWaitTries` tries it settles for the brokers there are, as Confluent.
   */
  readonly expectedBrokers?: number;
  readonly brokerWaitTries?: number;
}

/** Produce errors after which nothing was appended: the append is tried again at once. */
const NOT_APPENDED_RETRIABLE: ReadonlySet<number> = new Set([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
]);
/**
 * How long an append or an end-offset lookup keeps trying while the partition has no reachable
 * leader (its leader died and another is being elected: seconds, DESIGN.md section 3), each try
 * after fresh metadata; within the store's own wait (topic-backend.ts storeWaitMs).
 */
export const UNAVAILABLE_RETRY_MS = 6_000;
const UNAVAILABLE_BACKOFF_MS = 50;
const UNAVAILABLE_BACKOFF_MAX_MS = 500;

/**
 * Two clients, so two connections: a broker serves one request per connection at a time (Kafka
 * mutes a connection until its answer is sent), so an append sent on the connection where the
 * tail's long poll waits would wait the poll out, and the poll would not see the append until
 * its next round: every write would take a long poll's time. Confluent's KafkaStore likewise
 * reads with a consumer and writes with a producer of its own.
 */
export interface SchemasClients {
  /** Admin calls, ListOffsets and Produce. */
  readonly client: KafkaClient;
  /** The tail's fetches only. */
  readonly tail: KafkaClient;
}

export class KafkaSchemasLog implements SchemasLog {
  readonly topic: string;
  private brokerWaits = 0;
  private readonly client: KafkaClient;
  private readonly tail: KafkaClient;

  constructor(clients: SchemasClients, private readonly options: KafkaSchemasLogOptions = {}) {
    this.client = clients.client;
    this.tail = clients.tail;
    this.topic = options.topic ?? SCHEMAS_TOPIC;
  }

  async ensureTopic(): Promise<LogOutcome<void>> {
    return await guarded(async () => {
      const md = await this.client.metadata([this.topic]);
      const existing = md.topics.find((t) => t.name === this.topic);
      if (existing !== undefined && existing.error === null) return await this.verify(existing.partitions.length);
      const brokers = md.brokers.length;
      const expected = Math.min(SCHEMAS_REPLICATION_FACTOR_DESIRED, this.options.expectedBrokers ?? 1);
      if (brokers < expected && this.brokerWaits++ < (this.options.brokerWaitTries ?? 40)) {
        return logFail('unavailable', `${brokers} of ${expected} brokers registered; waiting before creating ${this.topic}`);
      }
      if (brokers === 0) return logFail('unavailable', 'no live Kafka brokers');
      const replicationFactor = Math.min(SCHEMAS_REPLICATION_FACTOR_DESIRED, brokers);
      if (replicationFactor < SCHEMAS_REPLICATION_FACTOR_DESIRED) {
        log.warn(`registry: creating ${this.topic} with replication factor ${replicationFactor}, less than the desired ${SCHEMAS_REPLICATION_FACTOR_DESIRED} (${brokers} broker(s))`);
      }
      const [created] = await this.client.createTopics([
        { name: this.topic, numPartitions: 1, replicationFactor, configs: { 'cleanup.policy': 'compact' } },
      ]);
      if (created.error === null) {
        log.info(`registry: created ${this.topic} (1 partition, replication factor ${replicationFactor}, compacted)`);
        return logOk(undefined);
      }
      // Another node created it first: check it as Confluent does.
      if (created.error.code === ErrorCode.TOPIC_ALREADY_EXISTS) return logFail('unavailable', `${this.topic} was created by another node; checking it next`);
      return logFail(kindOf(created.error), `creating ${this.topic}: ${describeKafkaErr(created.error)}`);
    });
  }

  /** verifySchemaTopic: one partition, cleanup.policy=compact; anything else is refused. */
  private async verify(partitions: number): Promise<LogOutcome<void>> {
    if (partitions !== 1) return logFail('failed', `The schema topic ${this.topic} should have only 1 partition but has ${partitions}`);
    const [cfg] = await this.client.describeConfigs([{ type: ResourceType.TOPIC, name: this.topic, keys: ['cleanup.policy'] }]);
    if (cfg.error !== null) return logFail(kindOf(cfg.error), `describing ${this.topic}: ${describeKafkaErr(cfg.error)}`);
    const policy = cfg.configs.find((c) => c.name === 'cleanup.policy')?.value ?? null;
    if (policy !== 'compact') {
      return logFail('failed', `The retention policy of the schema topic ${this.topic} is incorrect. Expected cleanup.policy to be 'compact' but it is ${policy}`);
    }
    return logOk(undefined);
  }

  async endOffset(): Promise<LogOutcome<number>> {
    return await this.whileUnavailable(() => guarded(async () => {
      const [r] = await this.client.listOffsets([{ topic: this.topic, partition: 0, spec: 'latest' }]);
      if (r === undefined) return logFail('failed', 'ListOffsets answered nothing');
      if (r.error !== null) return logFail(kindOf(r.error), `ListOffsets: ${describeKafkaErr(r.error)}`);
      return logOk(r.offset);
    }));
  }

  async read(fromOffset: number, maxWaitMs: number): Promise<LogOutcome<LogRead>> {
    return await guarded(async () => {
      const [r] = await this.tail.fetch([{ topic: this.topic, partition: 0, offset: fromOffset, maxBytes: SCHEMAS_FETCH_BYTES_MAX }], {
        maxWaitMs,
        maxBytes: SCHEMAS_FETCH_BYTES_MAX,
      });
      if (r === undefined) return logFail('failed', 'Fetch answered nothing');
      if (r.error !== null) {
        // Below the log start (records deleted): go on from the first there is, as Confluent's
        // reader does (auto.offset.reset=earliest).
        if (r.error.code === ErrorCode.OFFSET_OUT_OF_RANGE && r.logStartOffset > fromOffset) return logOk({ records: [], nextOffset: r.logStartOffset });
        return logFail(kindOf(r.error), `Fetch: ${describeKafkaErr(r.error)}`);
      }
      return logOk({ records: r.records.map((x) => ({ offset: x.offset, key: x.key, value: x.value })), nextOffset: r.nextOffset });
    });
  }

  /** Appends with acks=all. Tried again only while nothing can have been appended (no leader,
   *  a connection that could not be made); an answer lost on the way is a timeout: the
   *  records may be in the log, and the caller must not write them twice blindly. */
  async append(records: readonly LogAppend[]): Promise<LogOutcome<number>> {
    return await this.whileUnavailable(() =>
      guarded(async () => {
        const [r] = await this.client.produce([{ topic: this.topic, partition: 0, records: records.map((x) => ({ key: x.key, value: x.value })) }], {
          acks: -1,
          timeoutMs: SCHEMAS_PRODUCE_TIMEOUT_MS,
        });
        if (r === undefined) return logFail('failed', 'Produce answered nothing');
        if (r.error === null) return logOk(r.baseOffset);
        return logFail(kindOf(r.error), `Produce: ${describeKafkaErr(r.error)}`);
      }),
    );
  }

  /** Runs `call` again while it fails as `unavailable`, backing off, for UNAVAILABLE_RETRY_MS. */
  private async whileUnavailable<T>(call: () => Promise<LogOutcome<T>>): Promise<LogOutcome<T>> {
    const { clock, scheduler } = this.client.options.io;
    const deadline = clock.monotonicMs() + UNAVAILABLE_RETRY_MS;
    let backoff = UNAVAILABLE_BACKOFF_MS;
    for (;;) {
      const r = await call();
      if (r.ok || r.error.kind !== 'unavailable' || clock.monotonicMs() + backoff > deadline) return r;
      await sleep(scheduler, backoff);
      backoff = Math.min(backoff * 2, UNAVAILABLE_BACKOFF_MAX_MS);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.client.close(), this.tail.close()]);
  }
}

/** A Kafka error as a failure kind: timeouts, then what a retry may cure, then the rest. */
function kindOf(e: KafkaErr): LogFailureKind {
  if (e.code === ErrorCode.MESSAGE_TOO_LARGE || e.code === ErrorCode.RECORD_LIST_TOO_LARGE) return 'too_large';
  if (e.code === ErrorCode.REQUEST_TIMED_OUT || e.code === ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND) return 'timeout';
  if (NOT_APPENDED_RETRIABLE.has(e.code) || e.code === ErrorCode.NOT_CONTROLLER || e.code === ErrorCode.OFFSET_NOT_AVAILABLE) return 'unavailable';
  return 'failed';
}

/** Runs a client call; a ClientError (no answer) becomes a failure value. */
async function guarded<T>(call: () => Promise<LogOutcome<T>>): Promise<LogOutcome<T>> {
  try {
    return await call();
  } catch (e) {
    if (!(e instanceof ClientError)) return logFail('failed', e instanceof Error ? e.message : String(e));
    // connect/overloaded: nothing was sent. closed/timeout: sent, the answer lost: the outcome is
    // unknown, as Confluent's StoreTimeoutException.
    const kind: LogFailureKind = e.kind === 'connect' || e.kind === 'overloaded' ? 'unavailable' : e.kind === 'closed' || e.kind === 'timeout' ? 'timeout' : 'failed';
    return logFail(kind, e.message);
  }
}
