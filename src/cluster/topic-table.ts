// The table of topics: name, topic id (KIP-516), partition count and config overrides.
// Persisted as one JSON document replaced atomically (write temp, fsync, rename, fsync dir)
// on every change, so a crash leaves either the old or the new table. On a single node this is
// the whole of "cluster metadata"; the controller Raft group will own it when clustering lands.

import * as path from 'node:path';
import type { StorageFs } from '../base/fs.ts';
import type { Random } from '../base/random.ts';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import { ErrorCode, type KafkaError, kafkaError } from '../protocol/errors.ts';
import { collisionKey, validateTopicName } from './controller/topic-names.ts';
import { uuidToString, ZERO_UUID } from '../protocol/primitives.ts';
import { isObject, type MetadataFileSpec, Problem, readMetadataFile } from './metadata-file.ts';

export interface TopicRecord {
  readonly name: string;
  readonly id: string;
  partitions: number;
  /** Config overrides set on the topic; everything else comes from broker defaults. */
  configs: Record<string, string>;
}

// Kafka's rules for topic names live with the controller (one copy; the controller will own the
// table): validateTopicName, collisionKey, TOPIC_NAME_MAX_CHARS.
export { TOPIC_NAME_MAX_CHARS } from './controller/records.ts';
export { validateTopicName } from './controller/topic-names.ts';
export const PARTITIONS_PER_TOPIC_MAX = 10_000;

/** topics.json: `{ "topics": [{ name, id, partitions, configs }] }`. */
const TOPICS_FILE: MetadataFileSpec<TopicRecord[]> = {
  holds: 'the topic table (names, topic ids, partition counts, config overrides)',
  remedy:
    'Restore it from a backup and start again. Without it the partitions under kafka/ cannot be served; to start empty instead, move the whole data directory aside',
  check(doc) {
    if (!isObject(doc) || !Array.isArray(doc.topics)) return new Problem('expected {"topics": [...]}');
    for (const [i, r] of doc.topics.entries()) {
      const ok =
        isObject(r) &&
        typeof r.name === 'string' &&
        typeof r.id === 'string' &&
        Number.isInteger(r.partitions) &&
        (r.partitions as number) >= 1 &&
        isObject(r.configs);
      if (!ok) return new Problem(`topic entry ${i} lacks a name, id, partition count or configs`);
    }
    return doc.topics as TopicRecord[];
  },
};

export class TopicTable {
  private readonly byName = new Map<string, TopicRecord>();
  private readonly byId = new Map<string, TopicRecord>();
  private readonly byCollisionKey = new Map<string, string>();

  private constructor(
    private readonly fs: StorageFs,
    private readonly random: Random,
    /** Null for a clustered node's table: a mirror of the controller's metadata, never written. */
    private readonly file: string | null,
  ) {}

  /** Reads `dir`/topics.json (creating `dir`); topic ids of new topics are drawn from `random`. */
  static load(fs: StorageFs, random: Random, dir: string): TopicTable {
    fs.mkdirp(dir);
    const file = path.join(dir, 'topics.json');
    const t = new TopicTable(fs, random, file);
    for (const r of readMetadataFile(fs, file, TOPICS_FILE) ?? []) t.index(r);
    return t;
  }

  /**
   * A clustered node's table: the topics of the controller's metadata image as this node has
   * applied them (broker/metadata-reconciler.ts keeps it so), in memory only. The metadata log
   * is the durable copy; topics.json is not written.
   */
  static mirror(fs: StorageFs, random: Random): TopicTable {
    return new TopicTable(fs, random, null);
  }

  /** `dir`/topics.json's topics without opening the table (a clustered node refuses to start over them). */
  static stored(fs: StorageFs, dir: string): { file: string; topics: TopicRecord[] } {
    const file = path.join(dir, 'topics.json');
    return { file, topics: readMetadataFile(fs, file, TOPICS_FILE) ?? [] };
  }

  /** A mirror's topic as the metadata holds it (a new one, or the same id with new values). */
  put(r: TopicRecord): void {
    const old = this.byName.get(r.name);
    if (old !== undefined && old.id !== r.id) this.delete(r.name);
    this.index(r);
    this.save();
  }

  /** A fresh topic id (KIP-516), from this table's random source. */
  newTopicId(): string {
    return newTopicId(this.random);
  }

  get(name: string): TopicRecord | undefined {
    return this.byName.get(name);
  }
  getById(id: string): TopicRecord | undefined {
    return this.byId.get(id);
  }
  all(): IterableIterator<TopicRecord> {
    return this.byName.values();
  }
  get size(): number {
    return this.byName.size;
  }

  /** Checks a new topic against existing names (TOPIC_ALREADY_EXISTS, '.'/'_' collisions). */
  checkNew(name: string): KafkaError | null {
    const bad = validateTopicName(name);
    if (bad) return bad;
    if (this.byName.has(name)) return kafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
    const other = this.byCollisionKey.get(collisionKey(name));
    if (other !== undefined) {
      return kafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${name}' collides with existing topic: ${other}`);
    }
    return null;
  }

  create(name: string, partitions: number, configs: Record<string, string>): TopicRecord {
    const r: TopicRecord = { name, id: newTopicId(this.random), partitions, configs };
    this.index(r);
    this.save();
    return r;
  }

  delete(name: string): void {
    const r = this.byName.get(name);
    if (!r) return;
    this.byName.delete(name);
    this.byId.delete(r.id);
    this.byCollisionKey.delete(collisionKey(name));
    this.save();
  }

  setPartitions(name: string, partitions: number): void {
    this.byName.get(name)!.partitions = partitions;
    this.save();
  }

  setConfigs(name: string, configs: Record<string, string>): void {
    this.byName.get(name)!.configs = configs;
    this.save();
  }

  private index(r: TopicRecord): void {
    this.byName.set(r.name, r);
    this.byId.set(r.id, r);
    this.byCollisionKey.set(collisionKey(r.name), r.name);
  }

  /**
   * Runs `fn` with the table's file written once at the end rather than after each change: a
   * CreateTopics or DeleteTopics of many topics rewrote the whole file per topic (thousands of
   * topics took minutes, quadratic in the table's size). Nothing is answered before `fn`
   * returns, so a client never hears of a change the file does not hold.
   */
  batch<T>(fn: () => T): T {
    if (this.deferred !== null) return fn();
    this.deferred = false;
    try {
      return fn();
    } finally {
      const changed = this.deferred;
      this.deferred = null;
      if (changed) this.save();
    }
  }

  /** Inside batch(): whether a change waits for the batch's one write; null outside. */
  private deferred: boolean | null = null;

  private save(): void {
    if (this.file === null) return;
    if (this.deferred !== null) {
      this.deferred = true;
      return;
    }
    writeFileAtomic(this.fs, this.file, JSON.stringify({ topics: [...this.byName.values()] }, null, 1));
  }
}

export function newTopicId(random: Random): string {
  for (;;) {
    const id = uuidToString(random.bytes(16), 0);
    // Kafka reserves the zero uuid and ids starting with '-' read badly on command lines.
    if (id !== ZERO_UUID && !id.startsWith('-')) return id;
  }
}
