// The history of a chaos run: what the clients did and saw, in the order the runner saw it (one
// process, one event loop, so array order is time order). Producers record every send and its
// outcome; consumers record what they read and what their group committed; an observer records
// the committed offsets it read back. After the run the checker (checker.ts) holds this history
// against a full read of every partition.
//
// A record's value names who sent it and when (`producer:sequence`), so every value is unique
// and a value read back says which send it came from: Jepsen's and Kafka's own system tests
// (kafkatest's VerifiableProducer) identify records the same way.

/** A record as it is sent and read: `<producer>:<sequence>`. */
export function recordValue(producer: string, seq: number): string {
  return `${producer}:${seq}`;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export type HistoryEvent =
  /** A producer handed a record to its client (before any answer). */
  | { readonly kind: 'send'; readonly producer: string; readonly seq: number; readonly topic: string; readonly partition: number; readonly value: string }
  /** The broker acknowledged it (acks=all): it must be read back exactly once, at this offset. */
  | { readonly kind: 'ack'; readonly producer: string; readonly seq: number; readonly topic: string; readonly partition: number; readonly offset: number }
  /** The client gave up on it: its outcome is unknown (it may or may not be in the log, once at most). */
  | { readonly kind: 'send_failed'; readonly producer: string; readonly seq: number; readonly error: string }
  /** A consumer was handed a record. */
  | { readonly kind: 'consume'; readonly group: string; readonly topic: string; readonly partition: number; readonly offset: number; readonly value: string }
  /** A consumer's OffsetCommit was acknowledged: the group's committed offset is now `offset`. */
  | { readonly kind: 'commit_acked'; readonly group: string; readonly topic: string; readonly partition: number; readonly offset: number }
  /**
   * An observer read the group's committed offset (OffsetFetch). `askedAt` is the history's
   * length when the request went out: every commit acknowledged before that must show.
   */
  | { readonly kind: 'commit_observed'; readonly group: string; readonly topic: string; readonly partition: number; readonly offset: number; readonly askedAt: number };

/** One record of the final full read. */
export interface ReadRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
}

/** Events a history holds at most: a runaway workload fails loudly instead of eating memory. */
export const HISTORY_EVENTS_MAX = 2_000_000;

export class History {
  readonly events: HistoryEvent[] = [];

  /** A logical time: the number of events recorded so far. */
  now(): number {
    return this.events.length;
  }

  record(event: HistoryEvent): void {
    if (this.events.length >= HISTORY_EVENTS_MAX) throw new Error(`history: more than ${HISTORY_EVENTS_MAX} events`);
    this.events.push(event);
  }

  count(kind: HistoryEvent['kind']): number {
    let n = 0;
    for (const e of this.events) if (e.kind === kind) n++;
    return n;
  }
}
