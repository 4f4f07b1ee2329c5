// The partition simulation's checker: Kafka's guarantees for a replicated partition, checked
// after every step from what the replicas and the clients report (the Raft-level properties are
// the shell simulation's). Per partition it keeps the committed log as the replicas revealed it
// (every offset below some replica's high watermark), and throws InvariantViolation on:
//
// - divergence: two replicas hold different batches below their high watermarks at one offset
//   (so an acknowledged record was lost, or a consumer saw a record that then vanished);
// - a record committed twice (duplicated), or a producer's records committed out of sequence
//   (reordered, or a gap: the producers here send batch n+1 only once n is acknowledged);
// - an acknowledged record lost: its offset holds something else in the committed log (checked
//   when the committed log reaches it: an acknowledgement given before the commit, the bug the
//   checker is shown catching, is judged by what the log then holds);
// - a record a consumer read that then vanished: the committed log holds something else at its
//   offset (judged, like acknowledgements, once the committed log reaches it, or at the end);
// - a leader's high watermark going backwards within one life and term;
// - at the end: an acknowledged record missing from the converged log.

import { InvariantViolation } from '../raft-core/checker.ts';

/** One record as the checker sees it: its value names its producer and sequence (`p<id>s<seq>`), or a control batch. */
export interface SeenRecord {
  readonly offset: number;
  /** `p<producerId>s<sequence>` for produced records; `control@<epoch>` for a control batch. */
  readonly value: string;
}

const PRODUCED = /^p(\d+)s(\d+)$/;

interface PartitionState {
  /** offset -> value, contiguous from 0. */
  readonly committed: Map<number, string>;
  readonly offsetOf: Map<string, number>;
  /** The last committed sequence of each producer. */
  readonly lastSequence: Map<number, number>;
  readonly acknowledged: Map<string, number>;
  /** Acknowledged offsets the committed log has not reached yet: offset -> value. */
  readonly pendingAcks: Map<number, string>;
  /** Offsets consumers read that the committed log has not reached yet: offset -> value and reader. */
  readonly pendingReads: Map<number, { value: string; who: string }>;
}

export class PartitionChecker {
  private readonly partitions = new Map<number, PartitionState>();
  /** `node/life/term/partition` -> the last high watermark that leader showed. */
  private readonly leaderHighWatermarks = new Map<string, number>();
  acknowledgedRecords = 0;
  consumedRecords = 0;

  private state(p: number): PartitionState {
    let s = this.partitions.get(p);
    if (s === undefined) {
      s = { committed: new Map(), offsetOf: new Map(), lastSequence: new Map(), acknowledged: new Map(), pendingAcks: new Map(), pendingReads: new Map() };
      this.partitions.set(p, s);
    }
    return s;
  }

  /** The committed log revealed so far: offset -> `p<id>s<seq>` or `control@<term>`, contiguous from 0. */
  history(p: number): ReadonlyMap<number, string> {
    return this.state(p).committed;
  }

  /** The committed length revealed so far: the replicas only need to report past it. */
  committedEnd(p: number): number {
    return this.state(p).committed.size;
  }

  /** A replica's records below its high watermark, in offset order, starting at or below committedEnd. */
  committed(p: number, who: string, records: readonly SeenRecord[]): void {
    const s = this.state(p);
    for (const r of records) {
      const known = s.committed.get(r.offset);
      if (known !== undefined) {
        if (known !== r.value) fail(`divergence: partition ${p} offset ${r.offset} is ${known} on an earlier replica and ${r.value} on ${who}`);
        continue;
      }
      if (r.offset !== s.committed.size) fail(`partition ${p}: ${who} committed offset ${r.offset} past the committed end ${s.committed.size}`);
      s.committed.set(r.offset, r.value);
      const acked = s.pendingAcks.get(r.offset);
      if (acked !== undefined && acked !== r.value) fail(`acknowledged record lost: ${acked} was acknowledged at ${r.offset} of partition ${p}, the committed log holds ${r.value} there (seen on ${who})`);
      s.pendingAcks.delete(r.offset);
      const read = s.pendingReads.get(r.offset);
      if (read !== undefined && read.value !== r.value) fail(`a record a consumer read vanished: ${read.value} at ${r.offset} of partition ${p} (read from ${read.who}); the committed log holds ${r.value} there (seen on ${who})`);
      s.pendingReads.delete(r.offset);
      const m = PRODUCED.exec(r.value);
      if (m === null) continue;
      const at = s.offsetOf.get(r.value);
      if (at !== undefined) fail(`duplicate: partition ${p} record ${r.value} committed at ${at} and at ${r.offset} (seen on ${who})`);
      s.offsetOf.set(r.value, r.offset);
      const producer = Number(m[1]);
      const seq = Number(m[2]);
      const last = s.lastSequence.get(producer) ?? -1;
      if (seq !== last + 1) fail(`out of sequence: partition ${p} producer ${producer} committed sequence ${seq} at ${r.offset} after ${last} (seen on ${who})`);
      s.lastSequence.set(producer, seq);
    }
  }

  /** A producer's acknowledgement: these values at these offsets. */
  acknowledged(p: number, who: string, values: readonly string[], baseOffset: number): void {
    const s = this.state(p);
    values.forEach((v, i) => {
      const at = s.committed.get(baseOffset + i);
      if (at === undefined) s.pendingAcks.set(baseOffset + i, v);
      else if (at !== v) fail(`acknowledged record lost: ${v} acknowledged at ${baseOffset + i} of partition ${p} by ${who}, the committed log holds ${at} there`);
      s.acknowledged.set(v, baseOffset + i);
      this.acknowledgedRecords++;
    });
  }

  consumed(p: number, who: string, records: readonly SeenRecord[]): void {
    const s = this.state(p);
    for (const r of records) {
      const at = s.committed.get(r.offset);
      if (at === undefined) s.pendingReads.set(r.offset, { value: r.value, who });
      else if (at !== r.value) fail(`a record a consumer read vanished: ${r.value} at ${r.offset} of partition ${p} (read from ${who}); the committed log holds ${at} there`);
      this.consumedRecords++;
    }
  }

  /** A leader's high watermark, by life and term: it never goes back. */
  leaderHighWatermark(p: number, node: number, life: number, term: number, highWatermark: number): void {
    const key = `${node}/${life}/${term}/${p}`;
    const before = this.leaderHighWatermarks.get(key) ?? -1;
    if (highWatermark < before) fail(`the high watermark of partition ${p} went back from ${before} to ${highWatermark} on its leader n${node} (life ${life}, term ${term})`);
    this.leaderHighWatermarks.set(key, highWatermark);
  }

  /** The end: every acknowledged record, and every record a consumer read, is in the converged log at its offset. */
  finalCheck(p: number, convergedEnd: number): void {
    const s = this.state(p);
    for (const [offset, read] of s.pendingReads) fail(`a record a consumer read vanished: ${read.value} at ${offset} of partition ${p} (read from ${read.who}) is not in the converged log (end ${convergedEnd})`);
    for (const [v, offset] of s.acknowledged) {
      if (offset >= convergedEnd || s.committed.get(offset) !== v) fail(`acknowledged record lost: ${v} at ${offset} of partition ${p} is not in the converged log (end ${convergedEnd})`);
    }
  }
}

function fail(message: string): never {
  throw new InvariantViolation(message);
}
