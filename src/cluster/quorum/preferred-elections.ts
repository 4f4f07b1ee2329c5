// Preferred leader elections carried to the leaders (the `cluster.preferred_elections` RPC):
// ElectLeaders(PREFERRED) reaches any node, and only a partition's Raft leader can hand its
// leadership over (a leadership transfer, dissertation 3.10), so the node a client asked sends
// each leader the groups it leads and answers the client with theirs (Kafka's controller
// answers from its own metadata; here the leaders are the authority on leadership).
//
// Request: count u32 | group id (string) ...
// Answer:  count u32 | group id (string) | errorCode i16 | message (nullable string) ...
// Counts are checked against PREFERRED_ELECTIONS_MAX before anything is read; anything wrong is
// DecodeError.

import { DecodeError, Reader, Writer } from '../../protocol/primitives.ts';
import type { MessageKind } from '../../rpc/index.ts';

export const PREFERRED_ELECTIONS: MessageKind = { type: 7, name: 'cluster.preferred_elections', versions: { min: 1, max: 1 } };

/** Groups in one request (an ElectLeaders naming every partition of a large cluster is cut into several). */
export const PREFERRED_ELECTIONS_MAX = 65_536;

export interface PreferredElectionAnswer {
  readonly group: string;
  readonly errorCode: number;
  readonly message: string | null;
}

/** What a node does with the groups it is asked to elect the preferred leader of (the broker's). */
export type PreferredElectionServer = (groups: readonly string[]) => Promise<PreferredElectionAnswer[]>;

export function encodePreferredElections(w: Writer, groups: readonly string[]): void {
  w.int32(groups.length);
  for (const g of groups) w.string(g);
}

export function decodePreferredElections(body: Uint8Array): string[] {
  const r = new Reader(body);
  const n = checkedCount(r);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.string());
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} bytes after a preferred elections request`);
  return out;
}

export function encodePreferredElectionAnswers(answers: readonly PreferredElectionAnswer[]): Uint8Array {
  const w = new Writer(64 + answers.length * 64);
  w.int32(answers.length);
  for (const a of answers) {
    w.string(a.group);
    w.int16(a.errorCode);
    w.nullableString(a.message);
  }
  return w.bytes().slice();
}

export function decodePreferredElectionAnswers(body: Uint8Array): PreferredElectionAnswer[] {
  const r = new Reader(body);
  const n = checkedCount(r);
  const out: PreferredElectionAnswer[] = [];
  for (let i = 0; i < n; i++) out.push({ group: r.string(), errorCode: r.int16(), message: r.nullableString() });
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} bytes after preferred election answers`);
  return out;
}

function checkedCount(r: Reader): number {
  const n = r.int32();
  if (n < 0 || n > PREFERRED_ELECTIONS_MAX) throw new DecodeError(`${n} groups in a preferred elections message (0..${PREFERRED_ELECTIONS_MAX})`);
  return n;
}
