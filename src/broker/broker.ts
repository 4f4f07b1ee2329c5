// The broker: the one owner of topics and partitions on this node, and the object handlers
// receive. It opens everything on start, runs retention in the background, and closes logs on
// stop. All state changes happen synchronously inside one turn of the event loop.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { log } from '../base/log.ts';
import { systemClock } from '../base/clock.ts';
import { boolProp, intProp, type NodeConfig } from '../config/node-config.ts';
import { effectiveTopicConfig, validateTopicConfigs } from '../config/topic-config.ts';
import { Partition } from '../cluster/partition.ts';
import { newTopicId, PARTITIONS_PER_TOPIC_MAX, TopicTable, type TopicRecord, writeFileAtomic } from '../cluster/topic-table.ts';
import { ErrorCode, type KafkaError, kafkaError } from '../protocol/errors.ts';
import { PartitionLog } from '../storage/partition-log.ts';
import { NodeStorageFs } from '../storage/fs.ts';
import { OpenFiles, openFilesFor } from '../storage/open-files.ts';
import { fdSoftLimit } from '../base/fd-limit.ts';
import { type CleanerTarget, LogCleaner } from '../storage/cleaner.ts';
import { crc32c } from '../protocol/records/crc32c.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../protocol/records/validate.ts';
import { compress, decompress } from '../compression/index.ts';
import type { AnyHandler } from './handler.ts';
import { HANDLERS } from './handlers/index.ts';
import { FetchSessionCache } from './fetch-session.ts';
import { loadProducerState, saveProducerState } from '../cluster/producer-state-store.ts';
import { openProducerIdAllocator } from '../cluster/producer-id-store.ts';
import type { ProducerIdAllocator } from '../transactions/producer-ids.ts';
import { GroupCoordinator } from '../groups/coordinator.ts';
import { BrokerStateLog, OFFSETS_TOPIC } from '../groups/broker-state-log.ts';
import { groupConfigOf } from '../groups/config.ts';
import { systemScheduler } from '../groups/scheduler.ts';

/** Topics Kafka treats as internal (Metadata isInternal). */
export const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);

/** How often producer-state snapshots are written (bounds the replay after a crash). */
export const PRODUCER_SNAPSHOT_INTERVAL_MS = 60_000;

export type AutoCreateResult =
  | { kind: 'created'; topic: TopicRecord }
  | { kind: 'disabled' }
  | { kind: 'error'; error: KafkaError };

export class Broker {
  readonly handlers: ReadonlyMap<number, AnyHandler> = new Map(HANDLERS.map((h) => [h.api.apiKey, h]));
  readonly clusterId: string;
  readonly topics: TopicTable;
  readonly fetchSessions: FetchSessionCache;
  readonly producerIds: ProducerIdAllocator;
  /** The group coordinator: consumer groups and committed offsets (src/groups). */
  readonly groups: GroupCoordinator;
  readonly startedAtMs = Date.now();
  private readonly partitions = new Map<string, Partition[]>();
  /** Partitions open on this node, internal topics included (what max.broker.partitions counts). */
  private partitionsHeld = 0;
  private retentionTimer: ReturnType<typeof setInterval> | null = null;
  private snapshotTimer: ReturnType<typeof setInterval> | null = null;
  /** Log compaction of topics whose cleanup.policy holds compact (src/storage/cleaner.ts). */
  private readonly cleaner: LogCleaner;
  /**
   * The segment files of every partition share one bounded set of descriptors, sized from the
   * fd limit (storage/open-files.ts): the node holds no descriptor per idle partition.
   */
  private readonly files: OpenFiles;

  constructor(readonly config: NodeConfig) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    const fdLimit = fdSoftLimit();
    this.files = new OpenFiles(new NodeStorageFs(), openFilesFor(fdLimit));
    log.info(`segment files open at once: at most ${this.files.maxOpen} (fd limit ${fdLimit})`);
    this.clusterId = loadOrCreateClusterId(config.dataDir);
    this.topics = TopicTable.load(path.join(config.dataDir, 'cluster'));
    this.fetchSessions = new FetchSessionCache(intProp(config, 'max.incremental.fetch.session.cache.slots'));
    this.producerIds = openProducerIdAllocator(path.join(config.dataDir, 'cluster'));
    for (const t of this.topics.all()) this.openPartitions(t, 0);
    const limit = intProp(config, 'max.broker.partitions');
    if (this.partitionsHeld > limit) {
      log.warn(`this node holds ${this.partitionsHeld} partitions, above max.broker.partitions=${limit}: new partitions are refused`);
    }
    this.groups = new GroupCoordinator({
      clock: systemClock,
      scheduler: systemScheduler,
      config: groupConfigOf(config),
      log: new BrokerStateLog(this),
      uuid: () => crypto.randomUUID(),
    });
    this.groups.load();
    const every = intProp(config, 'log.retention.check.interval.ms');
    this.retentionTimer = setInterval(() => this.enforceRetention(), every);
    this.retentionTimer.unref?.();
    this.snapshotTimer = setInterval(() => this.snapshotProducerStates(), PRODUCER_SNAPSHOT_INTERVAL_MS);
    this.snapshotTimer.unref?.();
    this.cleaner = new LogCleaner({
      clock: systemClock,
      codec: { compress, decompress: (type, data) => decompress(type, data, DEFAULT_MAX_DECOMPRESSED_BYTES) },
    });
    this.cleaner.start(intProp(config, 'log.cleaner.backoff.ms'), () => this.compactedPartitions());
  }

  get durable(): boolean {
    return !this.config.dev;
  }

  apiVersionRanges(): Array<{ apiKey: number; minVersion: number; maxVersion: number }> {
    return [...this.handlers.values()].map((h) => ({
      apiKey: h.api.apiKey,
      minVersion: h.advertisedMinVersion,
      maxVersion: h.api.versions.max,
    }));
  }

  partition(topic: string, index: number): Partition | undefined {
    return this.partitions.get(topic)?.[index];
  }

  partitionsOf(topic: string): readonly Partition[] {
    return this.partitions.get(topic) ?? [];
  }

  isInternal(topic: string): boolean {
    return INTERNAL_TOPICS.has(topic);
  }

  /**
   * Creates a topic after full validation; the caller has checked authorization and policy.
   * `internal` is for the node's own topics (the group coordinator's __consumer_offsets): they
   * count towards max.broker.partitions but are never refused by it.
   */
  createTopic(
    name: string,
    partitions: number,
    configs: ReadonlyArray<readonly [string, string | null]>,
    validateOnly = false,
    internal = false,
  ): { topic?: TopicRecord; error?: KafkaError } {
    const bad = this.topics.checkNew(name);
    if (bad) return { error: bad };
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > PARTITIONS_PER_TOPIC_MAX) {
      return { error: kafkaError(ErrorCode.INVALID_PARTITIONS, `Number of partitions must be in [1, ${PARTITIONS_PER_TOPIC_MAX}], got ${partitions}.`) };
    }
    const v = validateTopicConfigs(configs);
    if (!v.ok) return { error: v.error };
    const full = internal ? null : this.checkPartitionRoom(partitions);
    if (full) return { error: full };
    if (validateOnly) return { topic: { name, id: newTopicId(), partitions, configs: v.configs } };
    const t = this.topics.create(name, partitions, v.configs);
    this.openPartitions(t, 0);
    log.info(`created topic ${name} with ${partitions} partition(s), id ${t.id}`);
    return { topic: t };
  }

  /**
   * max.broker.partitions: INVALID_PARTITIONS when `count` more partitions would not fit, as
   * Redpanda answers past its partitions-per-core limit (Kafka has no per-broker limit; KIP-578
   * proposed one). Every client fails such a CreateTopics or CreatePartitions at once, with this
   * message. The partitions of __consumer_offsets are kept free until the group coordinator
   * creates it, so filling the node with topics never breaks consumer groups.
   */
  checkPartitionRoom(count: number): KafkaError | null {
    const limit = intProp(this.config, 'max.broker.partitions');
    const reserved = this.topics.get(OFFSETS_TOPIC) ? 0 : intProp(this.config, 'offsets.topic.num.partitions');
    if (this.partitionsHeld + reserved + count <= limit) return null;
    const kept = reserved > 0 ? ` and keeps ${reserved} for ${OFFSETS_TOPIC}` : '';
    return kafkaError(
      ErrorCode.INVALID_PARTITIONS,
      `Cannot create ${count} partition(s): this node holds ${this.partitionsHeld}${kept}, and max.broker.partitions is ${limit}.`,
    );
  }

  autoCreateTopic(name: string): AutoCreateResult {
    if (!boolProp(this.config, 'auto.create.topics.enable')) return { kind: 'disabled' };
    const r = this.createTopic(name, intProp(this.config, 'num.partitions'), []);
    if (r.error) {
      // Two requests racing to create the same topic: the loser sees it exists.
      const existing = this.topics.get(name);
      if (existing) return { kind: 'created', topic: existing };
      return { kind: 'error', error: r.error };
    }
    return { kind: 'created', topic: r.topic! };
  }

  deleteTopic(name: string): void {
    const parts = this.partitions.get(name) ?? [];
    this.partitions.delete(name);
    this.partitionsHeld -= parts.length;
    this.topics.delete(name);
    // A topic recreated under the same name is new to every fetch session.
    this.fetchSessions.forgetTopic(name);
    for (const p of parts) {
      p.notify();
      p.log.delete();
    }
    fs.rmSync(this.topicDir(name), { recursive: true, force: true });
    log.info(`deleted topic ${name}`);
  }

  addPartitions(t: TopicRecord, total: number): void {
    const before = t.partitions;
    this.topics.setPartitions(t.name, total);
    this.openPartitions(t, before);
  }

  setTopicConfigs(t: TopicRecord, configs: Record<string, string>): void {
    this.topics.setConfigs(t.name, configs);
    const eff = effectiveTopicConfig(configs, this.config.props);
    for (const p of this.partitionsOf(t.name)) {
      p.config = eff;
      p.log.updateConfig(logConfigOf(eff));
    }
  }

  private topicDir(name: string): string {
    return path.join(this.config.dataDir, 'kafka', name);
  }

  private partitionDir(topic: string, index: number): string {
    return path.join(this.topicDir(topic), String(index));
  }

  /** Periodic producer-state snapshots bound the replay after a crash. */
  snapshotProducerStates(): void {
    for (const parts of this.partitions.values()) {
      for (const p of parts) {
        if (p.producers.producerCount > 0) saveProducerState(this.partitionDir(p.topic.name, p.index), p.producers);
      }
    }
  }

  private openPartitions(t: TopicRecord, from: number): void {
    const eff = effectiveTopicConfig(t.configs, this.config.props);
    const list = this.partitions.get(t.name) ?? [];
    for (let i = from; i < t.partitions; i++) {
      const dir = this.partitionDir(t.name, i);
      const plog = PartitionLog.open(dir, logConfigOf(eff), {
        files: this.files,
        clock: systemClock,
        crc32c,
        decompress: (type, data) => decompress(type, data, DEFAULT_MAX_DECOMPRESSED_BYTES),
      });
      list[i] = new Partition(t, i, plog, eff, this.durable, loadProducerState(dir, plog));
      this.partitionsHeld++;
    }
    this.partitions.set(t.name, list);
  }

  /** The partitions the log cleaner looks at: those of topics with cleanup.policy holding compact. */
  compactedPartitions(): CleanerTarget[] {
    const out: CleanerTarget[] = [];
    for (const parts of this.partitions.values()) {
      for (const p of parts) {
        if (!p.config.cleanupPolicy.includes('compact')) continue;
        const { deleteRetentionMs, minCompactionLagMs, minCleanableDirtyRatio } = p.config;
        out.push({ name: `${p.topic.name}-${p.index}`, log: p.log, config: { deleteRetentionMs, minCompactionLagMs, minCleanableDirtyRatio } });
      }
    }
    return out;
  }

  enforceRetention(): void {
    const now = Date.now();
    for (const parts of this.partitions.values()) {
      for (const p of parts) {
        const before = p.logStartOffset;
        p.log.enforceRetention(now);
        if (p.logStartOffset !== before) p.notify();
      }
    }
  }

  async close(): Promise<void> {
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    if (this.snapshotTimer) clearInterval(this.snapshotTimer);
    await this.cleaner.stop(); // a pass in progress is abandoned before the logs close
    this.groups.close();
    for (const parts of this.partitions.values()) {
      for (const p of parts) {
        if (this.durable) await p.log.flush();
        saveProducerState(this.partitionDir(p.topic.name, p.index), p.producers);
        await p.log.close();
      }
    }
  }
}

export function logConfigOf(c: ReturnType<typeof effectiveTopicConfig>) {
  return {
    segmentBytes: c.segmentBytes,
    segmentMs: c.segmentMs,
    retentionMs: c.retentionMs < 0 || !c.cleanupPolicy.includes('delete') ? Infinity : c.retentionMs,
    retentionBytes: c.retentionBytes < 0 || !c.cleanupPolicy.includes('delete') ? Infinity : c.retentionBytes,
    indexIntervalBytes: 4096,
  };
}

function loadOrCreateClusterId(dataDir: string): string {
  const file = path.join(dataDir, 'meta.json');
  if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { clusterId: string }).clusterId;
  const clusterId = newTopicId();
  writeFileAtomic(file, JSON.stringify({ clusterId }));
  return clusterId;
}
