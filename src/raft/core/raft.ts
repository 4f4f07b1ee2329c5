// The state of one Raft node and its role changes. The rules live beside it, one file per
// concern: election.ts (campaigns, votes, PreVote), follower.ts (what a follower does with a
// leader's messages), replication.ts (how a leader sends and commits), leader.ts (a leader's
// step, tick and requests). As in etcd-io/raft each role swaps in its own step function
// instead of switching on the role everywhere.

import { assert } from '../../base/assert.ts';
import type { RaftConfig } from './config.ts';
import { campaign, handleRequestVote, stepCandidate } from './election.ts';
import { stepFollower } from './follower.ts';
import { stepLeader, tickLeader } from './leader.ts';
import { isVoter, MembershipLog } from './membership.ts';
import type { Message } from './messages.ts';
import { RaftLog } from './raft-log.ts';
import { learnerAsksToBeHeard, wake, wakeOnMessage } from './quiescence.ts';
import { broadcastAppend } from './replication.ts';
import type { RaftStorage } from './storage.ts';
import { ProgressTracker } from './tracker.ts';
import type { Entry, Index, NodeId, Role, Term } from './types.ts';
import { UncommittedBytes } from './uncommitted.ts';

export type StepFn = (r: Raft, m: Message) => void;

export class Raft {
  readonly id: NodeId;
  term: Term;
  /** Who this node voted for in `term` (persisted before the vote is sent). */
  vote: NodeId | null;
  leaderId: NodeId | null = null;
  role: Role = 'follower';
  readonly log: RaftLog;
  readonly memberships: MembershipLog;
  readonly tracker: ProgressTracker;
  electionElapsedTicks = 0;
  heartbeatElapsedTicks = 0;
  randomizedElectionTimeoutTicks = 0;
  /** Leadership transfer in progress (dissertation 3.10): its target, and ticks since it began. */
  transferee: NodeId | null = null;
  transferElapsedTicks = 0;
  readonly uncommitted = new UncommittedBytes();
  /** Quiet (quiescence.ts): timers stopped, no per-group heartbeats; the shell's node liveness stands in. */
  quiesced = false;
  /** Leader: consecutive ticks it has been idle (quiescence.ts leaderIdle). */
  idleTicks = 0;
  /** Follower: the shell reported its leader's node silent for an election timeout; the lease is over until it hears the leader. */
  leaderSilent = false;
  /** Messages to send once the Ready that carries them has been persisted. */
  msgs: Message[] = [];
  private stepRole: StepFn = stepFollower;

  constructor(
    readonly cfg: RaftConfig,
    storage: RaftStorage,
  ) {
    this.id = cfg.id;
    const init = storage.initialState();
    const snapshotIndex = storage.snapshot().index;
    // Everything a snapshot covers is committed, even if the hard state was written before it.
    const commit = Math.max(init.hardState.commit, snapshotIndex);
    this.log = new RaftLog(storage, commit, cfg.appliedIndex ?? snapshotIndex);
    this.memberships = new MembershipLog(init.memberships);
    this.tracker = new ProgressTracker(this.memberships.current, cfg);
    this.term = init.hardState.term;
    this.vote = init.hardState.vote;
    this.becomeFollower(this.term, null);
  }

  /**
   * May this node campaign? Voters may, and so may a voter of the committed membership that an
   * uncommitted one leaves out: a leader that removed itself and crashed may be the only node
   * holding that entry, and the others may then be unable to win without it (ScyllaDB's Raft
   * found the same). Its election still counts votes of the latest membership, as any
   * candidate's does, so Election Safety is unchanged. Never while a snapshot is pending.
   */
  promotable(): boolean {
    if (this.log.unstable.snapshot !== null) return false;
    return this.tracker.isVoter(this.id) || isVoter(this.memberships.committed, this.id);
  }

  send(m: Message): void {
    assert(m.from === this.id && m.to !== this.id, `message ${m.type} from ${m.from} to ${m.to} sent by ${this.id}`);
    this.msgs.push(m);
  }

  // ---- driving ----

  tick(): void {
    // A quiet group's timers stand still; the shell's node-level liveness wakes it (quiescence.ts).
    if (this.quiesced) return;
    if (this.role === 'leader') {
      tickLeader(this);
      return;
    }
    this.electionElapsedTicks++;
    if (this.electionElapsedTicks < this.randomizedElectionTimeoutTicks) return;
    if (this.promotable()) {
      this.electionElapsedTicks = 0;
      campaign(this, 'pre_vote');
    } else if (this.cfg.quiescence && this.tracker.membership.learners.includes(this.id)) {
      // A learner cannot campaign, the way a voter's election wakes a quiet leader: it asks
      // instead (quiescence.ts, learnerAsksToBeHeard).
      this.electionElapsedTicks = 0;
      learnerAsksToBeHeard(this);
    }
  }

  /** Term rules common to every role (paper 5.1, dissertation 4.2.3 and 9.6), then the role's step. */
  step(m: Message): void {
    assert(m.to === this.id, `message for ${m.to} stepped into ${this.id}`);
    // Before the lease check: a vote request a quiet node refuses must still wake it, so that
    // its leader heartbeats the campaigning member back into line (quiescence.ts).
    if (this.quiesced) wakeOnMessage(this, m);
    if (m.term > this.term) {
      if (m.type === 'request_vote') {
        // A node that heard from a leader within the minimum election timeout ignores vote
        // requests (dissertation 4.2.3): a removed or cut-off server must not depose a healthy
        // leader. Leadership transfer is the exception: the leader asked for this election.
        // A vote request from the leader itself (a leader that stepped down, or restarted) ends
        // the lease: the leader it stood for has given up. Granting a vote is always safe (paper
        // 5.2); the lease only keeps others from disrupting a live leader. Quiescence relies on
        // this: a quiet follower's lease lasts while the leader's node is heard (quiescence.ts).
        const inLease =
          this.leaderId !== null && this.leaderId !== m.from && !this.leaderSilent && this.electionElapsedTicks < this.cfg.electionTimeoutTicks;
        if (inLease && !m.transfer) return;
        // A pre-vote never changes anyone's term (dissertation 9.6).
        if (!m.preVote) this.becomeFollower(m.term, null);
      } else if (m.type === 'request_vote_response' && m.preVote && m.granted) {
        // A granted pre-vote carries the term we would campaign in: not a newer term.
      } else {
        const fromLeader = m.type === 'append_entries' || m.type === 'heartbeat' || m.type === 'install_snapshot';
        this.becomeFollower(m.term, fromLeader ? m.from : null);
      }
    } else if (m.term < this.term) {
      this.answerStaleTerm(m);
      return;
    }
    if (m.type === 'request_vote') handleRequestVote(this, m);
    else this.stepRole(this, m);
  }

  /**
   * A message from an older term is dropped, except that a stale leader and a stale
   * pre-candidate are told the current term: with PreVote a node that was cut off does not
   * raise its term, so it must learn the term from the answer (etcd does the same).
   */
  private answerStaleTerm(m: Message): void {
    if (m.type === 'append_entries' || m.type === 'heartbeat' || m.type === 'install_snapshot') {
      this.send({ type: 'heartbeat_response', from: this.id, to: m.from, term: this.term });
    } else if (m.type === 'request_vote' && m.preVote) {
      this.send({ type: 'request_vote_response', from: this.id, to: m.from, term: this.term, preVote: true, granted: false });
    }
  }

  // ---- role changes ----

  private reset(term: Term): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.leaderId = null;
    this.electionElapsedTicks = 0;
    this.heartbeatElapsedTicks = 0;
    this.resetRandomizedElectionTimeout();
    this.transferee = null;
    this.transferElapsedTicks = 0;
    this.tracker.resetVotes();
    this.leaderSilent = false;
    wake(this);
  }

  /** Paper 5.2: a timeout drawn from [T, 2T) so that split votes are rare and resolve. */
  private resetRandomizedElectionTimeout(): void {
    const t = this.cfg.electionTimeoutTicks;
    this.randomizedElectionTimeoutTicks = this.cfg.random.int(t, 2 * t - 1);
  }

  becomeFollower(term: Term, leaderId: NodeId | null): void {
    this.stepRole = stepFollower;
    this.reset(term);
    this.leaderId = leaderId;
    this.role = 'follower';
  }

  becomePreCandidate(): void {
    assert(this.role !== 'leader', 'a leader cannot become a pre-candidate');
    // Term and vote stay: a pre-election changes no state that must be persisted.
    this.stepRole = stepCandidate;
    this.tracker.resetVotes();
    wake(this);
    this.leaderId = null;
    this.resetRandomizedElectionTimeout();
    this.role = 'pre_candidate';
  }

  becomeCandidate(): void {
    assert(this.role !== 'leader', 'a leader cannot become a candidate');
    this.stepRole = stepCandidate;
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  becomeLeader(): void {
    assert(this.role === 'candidate', `${this.role} cannot become leader`);
    this.stepRole = stepLeader;
    this.reset(this.term);
    this.leaderId = this.id;
    this.role = 'leader';
    const last = this.log.lastIndex();
    this.tracker.resetProgress(last + 1, this.id, this.log.stableLastIndex() ?? -1);
    this.uncommitted.reset();
    // Paper 5.4.2 / dissertation 6.4: entries of earlier terms are committed only by an entry of
    // this term. The leader writes one at once (KRaft's LeaderChangeMessage), so they commit
    // without waiting for a client, and membership changes may start (dissertation 4.1 fix).
    const first: Entry = {
      kind: 'control',
      firstIndex: last + 1,
      lastIndex: last + 1,
      term: this.term,
      control: { type: 'leader_change', leaderId: this.id, voters: this.tracker.membership.voters },
    };
    this.appendToLog([first]);
    broadcastAppend(this);
  }

  // ---- log changes that move membership ----

  /** Appends (cutting a divergent suffix first); memberships follow the log (dissertation 4.1). */
  appendToLog(ents: readonly Entry[]): void {
    if (ents.length === 0) return;
    const first = ents[0].firstIndex;
    const truncating = first <= this.log.lastIndex();
    this.log.append(ents);
    const undone = truncating && this.memberships.truncatedFrom(first);
    const added = this.memberships.appended(ents);
    if (undone || added) this.membershipChanged();
  }

  membershipChanged(): void {
    this.tracker.setMembership(this.memberships.current, this.log.lastIndex() + 1, this.id, this.role === 'leader');
    if (this.transferee !== null && !this.tracker.isVoter(this.transferee)) this.transferee = null;
  }

  /**
   * Paper 5.4.2: counting replicas commits only an entry of the current term. A method, so
   * the simulation's checker test can break it (count any term) and watch the checker fail.
   */
  mayCommitByCounting(index: Index): boolean {
    return this.log.term(index) === this.term;
  }

  commitTo(index: Index): void {
    this.log.commitTo(index);
    this.memberships.committedTo(this.log.commit);
  }
}
