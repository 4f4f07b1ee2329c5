// Committed offsets in memory: group -> topic -> partition. Shared by every group type. The
// coordinator changes it only from StateWriter apply callbacks, i.e. in __consumer_offsets log
// order and only once durable, so it always equals "the log replayed, last write wins".

export interface CommittedOffset {
  offset: number;
  /** -1 when the client did not say (OffsetCommit before v6). */
  leaderEpoch: number;
  metadata: string;
  commitTimestampMs: number;
}

export interface OffsetRef {
  topic: string;
  partition: number;
}

export class OffsetStore {
  private readonly byGroup = new Map<string, Map<string, Map<number, CommittedOffset>>>();

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.byGroup.get(group)?.get(topic)?.get(partition);
  }

  set(group: string, topic: string, partition: number, v: CommittedOffset): void {
    let topics = this.byGroup.get(group);
    if (!topics) this.byGroup.set(group, (topics = new Map()));
    let parts = topics.get(topic);
    if (!parts) topics.set(topic, (parts = new Map()));
    parts.set(partition, v);
  }

  delete(group: string, topic: string, partition: number): void {
    const topics = this.byGroup.get(group);
    const parts = topics?.get(topic);
    if (!topics || !parts) return;
    parts.delete(partition);
    if (parts.size === 0) topics.delete(topic);
    if (topics.size === 0) this.byGroup.delete(group);
  }

  deleteGroup(group: string): void {
    this.byGroup.delete(group);
  }

  hasOffsets(group: string): boolean {
    return this.byGroup.has(group);
  }

  groups(): IterableIterator<string> {
    return this.byGroup.keys();
  }

  /** Topics with committed offsets, sorted by name, partitions ascending. */
  topicsOf(group: string): Array<{ topic: string; partitions: Array<[number, CommittedOffset]> }> {
    const topics = this.byGroup.get(group);
    if (!topics) return [];
    return [...topics.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([topic, parts]) => ({ topic, partitions: [...parts.entries()].sort(([a], [b]) => a - b) }));
  }

  count(group: string): number {
    let n = 0;
    for (const parts of this.byGroup.get(group)?.values() ?? []) n += parts.size;
    return n;
  }

  /** Every committed partition of a group (tombstones on delete, retention). */
  refsOf(group: string): OffsetRef[] {
    const out: OffsetRef[] = [];
    for (const { topic, partitions } of this.topicsOf(group)) for (const [partition] of partitions) out.push({ topic, partition });
    return out;
  }
}
