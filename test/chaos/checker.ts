// The chaos checker: holds a run's history (history.ts) against a full read of every partition
// and names every way they disagree. Pure: values in, violations out.
//
// What must hold (issue 7, "Must be true when done"; Kafka's guarantees for an idempotent
// producer with acks=all, KIP-98):
// - lost: every acknowledged record is in the full read, at the offset it was acknowledged at;
// - duplicated: no value is read twice (every value is sent once; the idempotent producer's
//   retries must be deduplicated by the broker);
// - phantom: no record is read that was never sent;
// - reordered: per producer and partition, acknowledged records are read in acknowledgement
//   order (offsets increase with the acks);
// - consumed_phantom: a consumer was handed only records of the log (value and offset agree
//   with the full read);
// - offset_regressed: a group's committed offset never goes backwards: acknowledged commits
//   increase, one observer's reads increase, and a read asked after a commit was acknowledged
//   shows at least that commit (a commit lost on a crash shows here).
// - readers_disagree (added by the runner, workload.ts compareReads): a second client's full
//   read (kcat) holds other records than the first (kafkajs);
// - stalled (added by the runner): no acknowledgement within a bound after a fault ended.
// Records whose send failed have an unknown outcome: they may be in the log (once) or not.

import { type History, type HistoryEvent, type ReadRecord, recordValue } from './history.ts';

export type ViolationKind = 'lost' | 'duplicated' | 'phantom' | 'reordered' | 'consumed_phantom' | 'offset_regressed' | 'readers_disagree' | 'stalled';

export interface Violation {
  readonly kind: ViolationKind;
  readonly detail: string;
}

export interface CheckReport {
  readonly violations: readonly Violation[];
  readonly sent: number;
  readonly acked: number;
  readonly failed: number;
  /** Records of the full read checked (each against the sends). */
  readonly recordsChecked: number;
  /** Acknowledged or observed commits checked for going backwards. */
  readonly commitsChecked: number;
  readonly consumed: number;
}

/** Violations reported at most (the first ones say enough; the count is exact). */
export const VIOLATIONS_SHOWN_MAX = 50;

type Send = Extract<HistoryEvent, { kind: 'send' }>;
type Ack = Extract<HistoryEvent, { kind: 'ack' }>;

const tpKey = (topic: string, partition: number) => `${topic}/${partition}`;

export function checkHistory(history: History, fullRead: readonly ReadRecord[]): CheckReport {
  const violations: Violation[] = [];
  const sends = new Map<string, Send>();
  const acks: Ack[] = [];
  for (const e of history.events) {
    if (e.kind === 'send') sends.set(e.value, e);
    else if (e.kind === 'ack') acks.push(e);
  }
  const readAt = indexRead(fullRead, sends, violations);
  checkAcks(acks, sends, readAt, violations);
  checkConsumed(history.events, readAt, violations);
  const commitsChecked = checkCommits(history.events, violations);
  return {
    violations,
    sent: sends.size,
    acked: acks.length,
    failed: history.count('send_failed'),
    recordsChecked: fullRead.length,
    commitsChecked,
    consumed: history.count('consume'),
  };
}

/** value -> where it was read; reports phantoms and duplicates on the way. */
function indexRead(fullRead: readonly ReadRecord[], sends: ReadonlyMap<string, Send>, out: Violation[]): Map<string, ReadRecord> {
  const readAt = new Map<string, ReadRecord>();
  for (const r of fullRead) {
    const send = sends.get(r.value);
    if (send === undefined) {
      out.push({ kind: 'phantom', detail: `${tpKey(r.topic, r.partition)}@${r.offset} holds '${r.value}', never sent` });
      continue;
    }
    if (send.topic !== r.topic || send.partition !== r.partition) {
      out.push({ kind: 'phantom', detail: `'${r.value}' sent to ${tpKey(send.topic, send.partition)} is read in ${tpKey(r.topic, r.partition)}@${r.offset}` });
      continue;
    }
    const first = readAt.get(r.value);
    if (first !== undefined) {
      out.push({ kind: 'duplicated', detail: `'${r.value}' read at ${tpKey(r.topic, r.partition)}@${first.offset} and @${r.offset}` });
      continue;
    }
    readAt.set(r.value, r);
  }
  return readAt;
}

/** Lost and reordered: each ack against the full read, in acknowledgement order. */
function checkAcks(acks: readonly Ack[], sends: ReadonlyMap<string, Send>, readAt: ReadonlyMap<string, ReadRecord>, out: Violation[]): void {
  const lastOffset = new Map<string, { offset: number; value: string }>(); // producer + partition -> last acked read offset
  for (const ack of acks) {
    const value = recordValue(ack.producer, ack.seq);
    const read = readAt.get(value);
    const where = `${tpKey(ack.topic, ack.partition)}@${ack.offset}`;
    if (!sends.has(value)) {
      out.push({ kind: 'phantom', detail: `an ack for '${value}' (${where}), never sent` });
      continue;
    }
    if (read === undefined) {
      out.push({ kind: 'lost', detail: `'${value}' acknowledged at ${where} is not in the full read` });
      continue;
    }
    if (read.offset !== ack.offset) {
      out.push({ kind: 'lost', detail: `'${value}' acknowledged at ${where} is read at offset ${read.offset}` });
    }
    const key = `${ack.producer} ${tpKey(ack.topic, ack.partition)}`;
    const last = lastOffset.get(key);
    if (last !== undefined && read.offset <= last.offset) {
      out.push({ kind: 'reordered', detail: `${key}: '${value}' acknowledged after '${last.value}' is read at ${read.offset}, not after ${last.offset}` });
    }
    lastOffset.set(key, { offset: read.offset, value });
  }
}

function checkConsumed(events: readonly HistoryEvent[], readAt: ReadonlyMap<string, ReadRecord>, out: Violation[]): void {
  for (const e of events) {
    if (e.kind !== 'consume') continue;
    const read = readAt.get(e.value);
    if (read === undefined || read.topic !== e.topic || read.partition !== e.partition || read.offset !== e.offset) {
      const got = read === undefined ? 'not in the full read' : `in the full read at ${tpKey(read.topic, read.partition)}@${read.offset}`;
      out.push({ kind: 'consumed_phantom', detail: `group ${e.group} consumed '${e.value}' at ${tpKey(e.topic, e.partition)}@${e.offset}, ${got}` });
    }
  }
}

/** Committed offsets never go backwards; returns how many commits were checked. */
function checkCommits(events: readonly HistoryEvent[], out: Violation[]): number {
  const lastAcked = new Map<string, { offset: number; at: number }[]>(); // group + partition -> acked commits in order
  const lastObserved = new Map<string, number>();
  let checked = 0;
  events.forEach((e, at) => {
    if (e.kind !== 'commit_acked' && e.kind !== 'commit_observed') return;
    checked++;
    const key = `group ${e.group} ${tpKey(e.topic, e.partition)}`;
    const acked = lastAcked.get(key) ?? [];
    if (e.kind === 'commit_acked') {
      const prev = acked[acked.length - 1];
      if (prev !== undefined && e.offset < prev.offset) {
        out.push({ kind: 'offset_regressed', detail: `${key}: commit of ${e.offset} acknowledged after one of ${prev.offset}` });
      }
      acked.push({ offset: e.offset, at });
      lastAcked.set(key, acked);
      return;
    }
    const prevObserved = lastObserved.get(key);
    if (prevObserved !== undefined && e.offset < prevObserved) {
      out.push({ kind: 'offset_regressed', detail: `${key}: committed offset read as ${e.offset} after ${prevObserved}` });
    }
    lastObserved.set(key, e.offset);
    const before = highestBefore(acked, e.askedAt);
    if (before !== null && e.offset < before) {
      out.push({ kind: 'offset_regressed', detail: `${key}: committed offset read as ${e.offset}, but ${before} was acknowledged before the read was asked` });
    }
  });
  return checked;
}

function highestBefore(acked: readonly { offset: number; at: number }[], askedAt: number): number | null {
  let best: number | null = null;
  for (const a of acked) if (a.at < askedAt && (best === null || a.offset > best)) best = a.offset;
  return best;
}

/** The report as lines for a person: counts, then the first violations. */
export function describeReport(r: CheckReport): string {
  const lines = [
    `records: ${r.sent} sent, ${r.acked} acknowledged, ${r.failed} failed (outcome unknown), ${r.recordsChecked} read back and checked, ${r.consumed} consumed`,
    `group offsets: ${r.commitsChecked} commits checked`,
    r.violations.length === 0 ? 'checker: no violations' : `checker: ${r.violations.length} VIOLATIONS`,
  ];
  for (const v of r.violations.slice(0, VIOLATIONS_SHOWN_MAX)) lines.push(`  ${v.kind}: ${v.detail}`);
  return lines.join('\n');
}
