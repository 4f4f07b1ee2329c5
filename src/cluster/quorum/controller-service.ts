// The controller service: on the controller group's leader, runs an operation against the
// working image, proposes its records as one batch through the group's driver and answers once
// that entry is committed and applied here (KRaft's QuorumController: ControllerWriteEvent,
// its records replayed at once, the answer deferred to the committed offset).
//
// - The working image is the committed image plus every batch proposed since and not yet
//   committed (controller README, "The working image"). It exists only while this node leads
//   and is ready. It is rebuilt from the committed image plus the proposals still in flight
//   when a proposal is refused; when leadership is lost, or an entry this service did not
//   propose commits (another leader's, or a batch proposed around the service), every
//   proposal in flight is answered NOT_CONTROLLER and the image is dropped or rebuilt from
//   what committed (KRaft's revert to the last committed offset).
// - A new leader serves only once it has applied its own LeaderChange entry, so everything
//   committed before its term is in its image (paper 8: a leader's no-op entry; dissertation
//   6.4). Until then every operation is NOT_CONTROLLER and the client retries.
// - Bootstrap: the first ready leader of a cluster whose image has no cluster id proposes
//   `bootstrapCluster` (cluster id, feature levels) before serving anything else.
// - An operation that proposes nothing answers once everything proposed before it has
//   committed here, since its answer (TOPIC_ALREADY_EXISTS) may rest on those records.
// - Each answer carries the index at which its effects are applied; the asking node waits
//   until it has applied that index itself (waitApplied) before answering its client, so a
//   client sees its new topic in the next Metadata from the same node.
// - Waits are bounded: `timeoutMs` for a commit, then REQUEST_TIMED_OUT (retriable).
// - Voter changes (AddRaftVoter, RemoveRaftVoter; KIP-853) propose no records: a membership
//   entry of the controller group itself (one server at a time, as the core allows), answered
//   once it commits; the core's refusals (a change or a transfer in progress, a learner behind)
//   are REQUEST_TIMED_OUT, which the admin client retries.
// - Broker sessions (broker-sessions.ts): a node's registration and heartbeats keep it alive;
//   every SESSION_CHECK_MS the leader fences each registered broker not heard from for
//   broker.session.timeout.ms (never itself), proposing its BrokerRegistrationChangeRecord.
//
// Nothing here reads a clock but the injected one, nor draws randomness but the node's Random.

import type { Clock } from '../../base/clock.ts';
import { logger } from '../../base/log.ts';
import type { Random } from '../../base/random.ts';
import { type Cancel, every, type Scheduler } from '../../base/scheduler.ts';
import type { PropertyValue } from '../../config/properties.ts';
import { ErrorCode, type KafkaError, kafkaError } from '../../protocol/errors.ts';
import type { Encodable } from '../../protocol/schema.ts';
import type { Entry, Index, SoftState, Term } from '../../raft/core/index.ts';
import type { GroupDriver } from '../../raft/group-driver.ts';
import { bootstrapCluster, brokerViewOf, decodeMetadataBatch, encodeMetadataBatch, intProp, type MetadataImage, type MetadataRecord, type NodeId, setBrokerFenced } from '../controller/index.ts';
import { BrokerSessions } from './broker-sessions.ts';
import type { ControllerOp } from './controller-ops.ts';
import { copyImage, type MetadataStateMachine } from './metadata-state-machine.ts';

const log = logger('cluster');

/** Proposals in flight at once on a leader; past it an operation is REQUEST_TIMED_OUT (the client retries). */
export const PROPOSALS_IN_FLIGHT_MAX = 1_024;
/** Local waits for an applied index at once (requests waiting to see their effect here). */
export const APPLY_WAITS_MAX = 4_096;
/** How often the leader looks for brokers whose session expired (a fraction of Kafka's 9 s session). */
export const SESSION_CHECK_MS = 1_000;

export type ServiceAnswer<Res = unknown> =
  | { readonly ok: true; readonly response: Encodable<Res>; readonly appliedIndex: Index }
  | { readonly ok: false; readonly errorCode: number; readonly message: string };

export interface ControllerServiceOptions {
  readonly nodeId: NodeId;
  readonly clusterId: string;
  readonly stateMachine: MetadataStateMachine;
  readonly driver: () => GroupDriver | null;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly random: Random;
  /** This node's static broker properties (--set, the config file): the lowest layer under the image's. */
  readonly staticLayer: ReadonlyMap<string, PropertyValue>;
  /** The finalized feature levels a new cluster starts with. */
  readonly features: ReadonlyMap<string, number>;
  readonly timeoutMs: number;
}

interface Pending {
  readonly firstIndex: Index;
  readonly lastIndex: Index;
  readonly term: Term;
  readonly records: readonly MetadataRecord[];
  readonly settle: (a: ServiceAnswer) => void;
}

interface VoterChangeWait {
  readonly index: Index;
  readonly term: Term;
  readonly settle: (committed: boolean) => void;
}

/** What the admin client hears when the core refuses a voter change now (it retries REQUEST_TIMED_OUT). */
const VOTER_CHANGE_REFUSALS: Readonly<Record<string, string>> = {
  change_in_progress: 'another change of the controller quorum is not committed yet',
  transfer_in_progress: 'the controller leadership is being transferred',
  leader_not_ready: 'the controller leader has not committed an entry of its term yet',
  learner_behind: 'the new voter has not caught up with the controller log yet',
};

interface ApplyWait {
  readonly index: Index;
  readonly settle: (applied: boolean) => void;
}

export class ControllerService {
  /** Committed + proposed, while this node leads and has applied its term's start; else null. */
  private working: MetadataImage | null = null;
  private readyTerm: Term = -1;
  private pending: Pending[] = [];
  /** Operations that proposed nothing, waiting for the proposals before them to commit. */
  private readonly quiet: { after: Index; settle: (committed: boolean) => void }[] = [];
  private readonly applyWaits: ApplyWait[] = [];
  private voterChanges: VoterChangeWait[] = [];
  private readonly sessions = new BrokerSessions();
  private readonly cancelSessionCheck: Cancel;

  constructor(private readonly o: ControllerServiceOptions) {
    o.stateMachine.onApplied((entries, records) => this.applied(entries, records === null));
    this.cancelSessionCheck = every(o.scheduler, SESSION_CHECK_MS, () => this.fenceExpired());
  }

  /** Whether this node leads the controller group and serves operations now. */
  get serving(): boolean {
    return this.working !== null;
  }

  /** Runs `op` on the working image and answers once its batch committed here. Leader only. */
  submit<Req, Res>(op: ControllerOp<Req, Res>, req: Req, apiVersion: number, receivedBy: NodeId): Promise<ServiceAnswer<Res>> {
    const image = this.working;
    const d = this.o.driver();
    if (image === null || d === null || d.role !== 'leader' || d.term !== this.readyTerm) return Promise.resolve(notController('this node is not the active controller'));
    if (this.pending.length >= PROPOSALS_IN_FLIGHT_MAX) return Promise.resolve(refused(ErrorCode.REQUEST_TIMED_OUT, `${PROPOSALS_IN_FLIGHT_MAX} controller operations in flight (PROPOSALS_IN_FLIGHT_MAX)`));
    if (op.voterChange !== undefined) return this.changeVoters(op, req, d);
    const broker = brokerViewOf(image, this.o.nodeId, this.o.staticLayer).view;
    const { records, response } = op.run(image, req, { broker, random: this.o.random, apiVersion, receivedBy, controllerVoters: d.raft.membership.voters });
    const alive = op.heardFrom?.(response, receivedBy) ?? null;
    if (alive !== null) this.sessions.heard(alive, this.o.clock.monotonicMs());
    if (records.length === 0) return this.answerQuietly(response);
    return new Promise((resolve) => this.propose(d, records, (a) => resolve(a.ok ? { ...a, response } : a)));
  }

  /** A voter change (KIP-853): the controller group's membership entry, answered once committed. */
  private changeVoters<Req, Res>(op: ControllerOp<Req, Res>, req: Req, d: GroupDriver): Promise<ServiceAnswer<Res>> {
    const answer = (e: KafkaError): ServiceAnswer<Res> => ({ ok: true, response: op.refuse(req, e), appliedIndex: this.o.stateMachine.appliedIndex });
    const change = op.voterChange!(req, d.raft.membership, this.o.clusterId);
    if (!('type' in change)) return Promise.resolve(answer(change));
    const r = d.proposeMembershipChange(change);
    if (!r.ok) {
      if (r.reason === 'not_leader' || r.reason === 'group_stopped') return Promise.resolve(notController(`the voter change was refused: ${r.reason}`));
      const why = r.reason === 'invalid' ? r.detail : VOTER_CHANGE_REFUSALS[r.reason];
      return Promise.resolve(answer(kafkaError(ErrorCode.REQUEST_TIMED_OUT, why)));
    }
    log.info(`cluster: controller quorum change proposed at ${r.index}: ${change.type} ${change.node}`);
    return new Promise((resolve) => {
      const cancel = this.o.scheduler.after(this.o.timeoutMs, () => settle(false, refused(ErrorCode.REQUEST_TIMED_OUT, `the voter change was not committed within ${this.o.timeoutMs} ms`)));
      let done = false;
      const settle = (committed: boolean, otherwise: ServiceAnswer<Res>) => {
        if (done) return;
        done = true;
        cancel();
        this.voterChanges = this.voterChanges.filter((w) => w !== wait);
        resolve(committed ? { ok: true, response: op.refuse(req, kafkaError(ErrorCode.NONE)), appliedIndex: r.index } : otherwise);
      };
      const wait: VoterChangeWait = { index: r.index, term: d.term, settle: (committed) => settle(committed, notController('the voter change was lost with the leadership')) };
      this.voterChanges.push(wait);
    });
  }

  /** Resolves true once this node has applied `index`, false after timeoutMs or when too many wait. */
  waitApplied(index: Index): Promise<boolean> {
    if (this.o.stateMachine.appliedIndex >= index) return Promise.resolve(true);
    if (this.applyWaits.length >= APPLY_WAITS_MAX) return Promise.resolve(false);
    return new Promise((resolve) => {
      let done = false;
      const settle = (applied: boolean) => {
        if (done) return;
        done = true;
        cancel();
        resolve(applied);
      };
      const cancel = this.o.scheduler.after(this.o.timeoutMs, () => {
        const i = this.applyWaits.findIndex((w) => w.settle === settle);
        if (i >= 0) this.applyWaits.splice(i, 1);
        settle(false);
      });
      this.applyWaits.push({ index, settle });
    });
  }

  /** The controller group's role or leader changed: a lost leadership drops the working image. */
  roleChanged(soft: SoftState, term: Term): void {
    if (soft.role === 'leader' && soft.leaderId === this.o.nodeId && term === this.readyTerm) return;
    if (this.working !== null) log.info(`cluster: this node stops serving controller operations (term ${term}, ${soft.role})`);
    this.working = null;
    this.readyTerm = -1;
    this.failPending('the controller leader changed');
  }

  /** Stops: everything waiting is answered (the node is closing). */
  close(): void {
    this.cancelSessionCheck();
    this.working = null;
    this.failPending('this node is stopping');
    for (const w of [...this.voterChanges]) w.settle(false);
    for (const w of this.applyWaits.splice(0)) w.settle(false);
  }

  // ---- internals ----

  /** Fences every registered, unfenced broker whose session expired (one batch); leader only. */
  private fenceExpired(): void {
    const image = this.working;
    const d = this.o.driver();
    if (image === null || d === null || d.role !== 'leader' || d.term !== this.readyTerm) return;
    if (this.pending.length >= PROPOSALS_IN_FLIGHT_MAX) return;
    const timeoutMs = intProp(brokerViewOf(image, this.o.nodeId, this.o.staticLayer).view, 'broker.session.timeout.ms');
    const now = this.o.clock.monotonicMs();
    const records: MetadataRecord[] = [];
    for (const b of image.brokers()) {
      if (!b.registered || b.fenced || b.nodeId === this.o.nodeId || !this.sessions.expired(b.nodeId, now, timeoutMs)) continue;
      records.push(...setBrokerFenced(image, b.nodeId, b.brokerEpoch, true).records);
      log.warn(`cluster: broker ${b.nodeId} fenced: not heard from for ${timeoutMs} ms (broker.session.timeout.ms)`);
    }
    if (records.length > 0) this.propose(d, records, () => {}); // refused or lost: the next check proposes again
  }

  private propose(d: GroupDriver, records: readonly MetadataRecord[], settle: (a: ServiceAnswer) => void): void {
    const r = d.propose(encodeMetadataBatch(records, this.o.clock.nowMs()));
    if (!r.ok) {
      // Its records are in the working image: rebuild it without them.
      this.rebuild();
      settle(r.reason === 'not_leader' ? notController(`the proposal was refused: ${r.reason}`) : refused(ErrorCode.REQUEST_TIMED_OUT, `the proposal was refused: ${r.reason}`));
      return;
    }
    // Still in flight after the timeout: it may yet commit. The client hears it timed out and
    // retries; a retry finds what committed (TOPIC_ALREADY_EXISTS), as with Kafka's controller.
    let answered = false;
    const cancel = this.o.scheduler.after(this.o.timeoutMs, () => once(refused(ErrorCode.REQUEST_TIMED_OUT, `not committed within ${this.o.timeoutMs} ms`)));
    const once = (a: ServiceAnswer) => {
      if (answered) return;
      answered = true;
      cancel();
      settle(a);
    };
    this.pending.push({ firstIndex: r.firstIndex, lastIndex: r.firstIndex + records.length - 1, term: r.term, records, settle: once });
  }

  private answerQuietly<Res>(response: Encodable<Res>): Promise<ServiceAnswer<Res>> {
    const last = this.pending.at(-1);
    if (last === undefined) return Promise.resolve({ ok: true, response, appliedIndex: this.o.stateMachine.appliedIndex });
    return new Promise((resolve) =>
      this.quiet.push({
        after: last.lastIndex,
        settle: (committed) => resolve(committed ? { ok: true, response, appliedIndex: last.lastIndex } : notController('the proposals this answer rests on were lost')),
      }),
    );
  }

  /** Committed entries applied here: settle the proposals they carry, detect foreign ones. */
  private applied(entries: readonly Entry[], loaded: boolean): void {
    const applied = this.o.stateMachine.appliedIndex;
    // A load replaced the image (entries empty), or an entry came that this service did not
    // propose: the working image is rebuilt once, after every entry here settled its proposal.
    let rebuild = loaded;
    for (const e of entries) rebuild = this.committed(e) || rebuild;
    if (rebuild) this.rebuild();
    while (this.quiet.length > 0 && this.quiet[0].after <= applied) this.quiet.shift()!.settle(true);
    for (let i = this.applyWaits.length - 1; i >= 0; i--) {
      const w = this.applyWaits[i];
      if (w.index <= applied) {
        this.applyWaits.splice(i, 1);
        w.settle(true);
      }
    }
  }

  /** Settles the proposal `e` carries; true when `e` is not one (the working image must be rebuilt). */
  private committed(e: Entry): boolean {
    if (e.kind === 'control') {
      if (e.control.type === 'leader_change') this.leaderChangeApplied(e.control.leaderId, e.term);
      // A voter change waiting here commits, or another entry took its place.
      for (const w of this.voterChanges.filter((v) => v.index >= e.firstIndex && v.index <= e.lastIndex)) w.settle(w.term === e.term);
      return false;
    }
    for (const w of this.voterChanges.filter((v) => v.index >= e.firstIndex && v.index <= e.lastIndex)) w.settle(false);
    const p = this.pending[0];
    if (p !== undefined && p.firstIndex === e.firstIndex && p.term === e.term) {
      this.pending.shift();
      p.settle({ ok: true, response: null as never, appliedIndex: p.lastIndex });
      return false;
    }
    if (this.working === null) return false;
    // Not proposed by this service. With nothing in flight the working image is the committed
    // one: the entry's records go on top of it as they did on the committed image. Before its
    // proposals (a batch proposed around it on this leader: the simulation's raw writer) the
    // image is rebuilt; at or past one, that proposal was overwritten and none after it can be
    // trusted to commit.
    if (p === undefined) {
      this.working.applyAll(decodeMetadataBatch(e.payload)!.records);
      return false;
    }
    if (e.lastIndex >= p.firstIndex) this.failPending(`entry ${e.firstIndex} of term ${e.term} committed in place of this leader's proposal`);
    return true;
  }

  /** This leader's LeaderChange entry applied: everything before its term is in the image. */
  private leaderChangeApplied(leaderId: NodeId, term: Term): void {
    const d = this.o.driver();
    if (leaderId !== this.o.nodeId || d === null || d.role !== 'leader' || d.term !== term) return;
    // Proposals of an earlier term of this node's still waiting (its leadership lapsed between
    // two role reports) cannot be trusted to commit.
    this.failPending(`this node leads term ${term} now`);
    this.readyTerm = term;
    this.working = copyImage(this.o.stateMachine.image);
    this.sessions.restart(this.o.clock.monotonicMs());
    log.info(`cluster: this node serves controller operations (term ${term}, metadata applied to ${this.o.stateMachine.appliedIndex})`);
    const boot = bootstrapCluster(this.working, this.o.clusterId, this.o.features);
    if (boot.records.length > 0) this.propose(d, boot.records, (a) => {
      if (!a.ok) log.warn(`cluster: bootstrap records not committed: ${a.message}`);
    });
  }

  /** The working image anew: the committed image plus the proposals still in flight. */
  private rebuild(): void {
    if (this.working === null) return;
    const image = copyImage(this.o.stateMachine.image);
    for (const p of this.pending) image.applyAll(p.records);
    this.working = image;
  }

  private failPending(why: string): void {
    for (const p of this.pending.splice(0)) p.settle(notController(why));
    for (const q of this.quiet.splice(0)) q.settle(false);
    // Voter changes are not failed with the leadership: a leader that removed itself steps down
    // as its change commits, before the entry is applied here. Each waits for what is applied
    // at its index (its entry, or another that replaced it), or its timeout.
  }
}

function notController(message: string): ServiceAnswer<never> {
  return { ok: false, errorCode: ErrorCode.NOT_CONTROLLER, message };
}

function refused(errorCode: number, message: string): ServiceAnswer<never> {
  return { ok: false, errorCode, message };
}
