// One-line descriptions of messages and entries, for transcripts and debug logs.

import type { Message } from './messages.ts';
import type { Entry, Membership } from './types.ts';

export function describeMembership(m: Membership): string {
  return m.learners.length === 0 ? `{${m.voters.join(',')}}` : `{${m.voters.join(',')} +learners ${m.learners.join(',')}}`;
}

export function describeEntry(e: Entry): string {
  const range = e.firstIndex === e.lastIndex ? `${e.firstIndex}` : `${e.firstIndex}..${e.lastIndex}`;
  if (e.kind === 'data') return `${range}@t${e.term}(${e.payload.byteLength}B)`;
  const c = e.control;
  return c.type === 'leader_change' ? `${range}@t${e.term}(leader ${c.leaderId})` : `${range}@t${e.term}(membership ${describeMembership(c.membership)})`;
}

export function describeEntries(es: readonly Entry[]): string {
  if (es.length <= 4) return `[${es.map(describeEntry).join(' ')}]`;
  return `[${describeEntry(es[0])} ... ${describeEntry(es[es.length - 1])}, ${es.length} entries]`;
}

export function describeMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} t${m.term}`;
  switch (m.type) {
    case 'append_entries':
      return `${head} prev=${m.prevIndex}@t${m.prevTerm} ${describeEntries(m.entries)} commit=${m.commit}`;
    case 'append_entries_response':
      return m.reject ? `${head} REJECT prev=${m.rejectedIndex} hint=${m.hintIndex}@t${m.hintTerm}` : `${head} match=${m.matchIndex}`;
    case 'heartbeat':
      return `${head} commit=${m.commit}${m.quiesce === true ? ' quiesce' : ''}`;
    case 'request_vote':
      return `${head}${m.preVote ? ' pre' : ''}${m.transfer ? ' transfer' : ''} last=${m.lastIndex}@t${m.lastTerm}`;
    case 'request_vote_response':
      return `${head}${m.preVote ? ' pre' : ''} ${m.granted ? 'granted' : 'refused'}`;
    case 'install_snapshot':
      return `${head} snapshot=${m.snapshot.index}@t${m.snapshot.term} ${describeMembership(m.snapshot.membership)}`;
    case 'heartbeat_response':
      return m.wake === true ? `${head} wake` : head;
    case 'timeout_now':
      return head;
  }
}
