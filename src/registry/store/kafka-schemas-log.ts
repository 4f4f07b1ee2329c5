// The `_schemas` topic through the internal Kafka client (src/client), the way Confluent's
// KafkaStore reaches it (core/.../storage/KafkaStore.java): created if missing with one
// partition, cleanup.policy=compact and a replication factor of min(3, live brokers)
// (createSchemaTopic: kafkastore.topic.replication.factor defaults to 3; with fewer brokers it
// warns and uses what there is); an existing topic is checked for one partition and the compact
// policy (verifySchemaTopic: anything else is an initialisation error). Records are produced
// with acks=all and read with long-poll fetches. Every failure is a value.

import { log } from '../../base/log.ts';
import { ResourceType } from '../../client/admin.ts';
import type { KafkaClient } from '../../client/client.ts';
import { ClientError, describeKafkaErr, type KafkaErr } from '../../client/errors.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { type LogAppend, logFail, type LogFailureKind, logOk, type LogOutcome, type LogRead, type SchemasLog } from './schemas-log.ts';

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
/** Tries of one append when the leader moved (each after fresh metadata). */
const APPEND_TRIES_MAX = 5;

export class KafkaSchemasLog implements SchemasLog {
  readonly topic: string;
  private brokerWaits = 0;

  constructor(
    private readonly client: KafkaClient,
    private readonly options: KafkaSchemasLogOptions = {},
  ) {
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
    return await guarded(async () => {
      const [r] = await this.client.listOffsets([{ topic: this.topic, partition: 0, spec: 'latest' }]);
      if (r === undefined) return logFail('failed', 'ListOffsets answered nothing');
      if (r.error !== null) return logFail(kindOf(r.error), `ListOffsets: ${describeKafkaErr(r.error)}`);
      return logOk(r.offset);
    });
  }

  async read(fromOffset: number, maxWaitMs: number): Promise<LogOutcome<LogRead>> {
    return await guarded(async () => {
      const [r] = await this.client.fetch([{ topic: this.topic, partition: 0, offset: fromOffset, maxBytes: SCHEMAS_FETCH_BYTES_MAX }], {
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

  async append(records: readonly LogAppend[]): Promise<LogOutcome<number>> {
    return await guarded(async () => {
      let last: KafkaErr | null = null;
      for (let tries = 1; tries <= APPEND_TRIES_MAX; tries++) {
        const [r] = await this.client.produce([{ topic: this.topic, partition: 0, records: records.map((x) => ({ key: x.key, value: x.value })) }], {
          acks: -1,
          timeoutMs: SCHEMAS_PRODUCE_TIMEOUT_MS,
        });
        if (r === undefined) return logFail('failed', 'Produce answered nothing');
        if (r.error === null) return logOk(r.baseOffset);
        last = r.error;
        if (!NOT_APPENDED_RETRIABLE.has(r.error.code)) break;
      }
      return logFail(kindOf(last!), `Produce: ${describeKafkaErr(last!)}`);
    });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** A Kafka error as a failure kind: timeouts, then what a retry may cure, then the rest. */
function kindOf(e: KafkaErr): LogFailureKind {
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
    const kind: LogFailureKind = e.kind === 'timeout' ? 'timeout' : e.kind === 'connect' || e.kind === 'closed' || e.kind === 'overloaded' ? 'unavailable' : 'failed';
    return logFail(kind, e.message);
  }
}
