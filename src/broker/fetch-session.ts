// Incremental fetch sessions (KIP-227).
//
// A client opens a session with sessionId 0 / epoch 0 and the full partition list; the broker
// answers with a session id. Later requests carry (id, epoch + 1) and only the partitions that
// changed (plus forgotten ones); the broker answers only partitions with news: records, a moved
// high watermark / log start offset, or an error. Epoch -1 is a full, sessionless fetch (and
// closes the session named). A full cache answers with session id 0: the client then keeps
// sending full requests, which is always correct.

export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;
/** Sessions idle longer than this may be evicted to make room (Kafka: 2 minutes of privilege). */
export const SESSION_EVICTABLE_AFTER_MS = 120_000;

export interface SessionPartition {
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
  /** What the client last heard: -1 before the first answer, so the first always includes it. */
  sentHighWatermark: number;
  sentLogStartOffset: number;
}

export interface FetchSession {
  readonly id: number;
  /** The epoch the next request must carry (bumped as each answer goes out). */
  nextEpoch: number;
  readonly partitions: Map<string, SessionPartition>;
  lastUsedMs: number;
  /** Whether the session keys partitions by topic id (Fetch v13+) or by name. */
  readonly byId: boolean;
}

export function partitionKey(topicOrId: string, partition: number): string {
  return `${topicOrId}\u0000${partition}`;
}

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  private nextId = 1;

  constructor(private readonly maxSlots: number) {}

  get size(): number {
    return this.sessions.size;
  }

  get(id: number): FetchSession | undefined {
    return this.sessions.get(id);
  }

  /** Opens a session, evicting an idle one if the cache is full; null when there is no room. */
  create(nowMs: number, byId: boolean): FetchSession | null {
    if (this.maxSlots === 0) return null;
    if (this.sessions.size >= this.maxSlots && !this.evictIdle(nowMs)) return null;
    let id = this.nextId;
    while (id === 0 || this.sessions.has(id)) id = (id % 0x7fffffff) + 1;
    this.nextId = (id % 0x7fffffff) + 1;
    const s: FetchSession = { id, nextEpoch: INITIAL_EPOCH, partitions: new Map(), lastUsedMs: nowMs, byId };
    this.sessions.set(id, s);
    return s;
  }

  remove(id: number): void {
    this.sessions.delete(id);
  }

  /** Forgets every session entry for a deleted topic, so it is reported afresh if recreated. */
  forgetTopic(topic: string): void {
    for (const s of this.sessions.values()) {
      for (const [k, p] of s.partitions) if (p.topic === topic) s.partitions.delete(k);
    }
  }

  private evictIdle(nowMs: number): boolean {
    let oldest: FetchSession | null = null;
    for (const s of this.sessions.values()) if (!oldest || s.lastUsedMs < oldest.lastUsedMs) oldest = s;
    if (oldest && nowMs - oldest.lastUsedMs >= SESSION_EVICTABLE_AFTER_MS) {
      this.sessions.delete(oldest.id);
      return true;
    }
    return false;
  }
}
