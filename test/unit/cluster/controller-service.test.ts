// The controller service on a scripted controller group (a fake driver whose log the test
// commits by hand): a new leader serves nothing before its LeaderChange entry is applied, then
// bootstraps the cluster once; an operation is answered only once its batch committed; a second
// operation sees the first's records in the working image; a refused or overwritten proposal
// leaves no trace in the working image (the same topic can be created again), and its caller
// hears NOT_CONTROLLER; an answer that proposes nothing waits for what came before it.

import { describe, expect, test } from 'bun:test';
import { Prng } from '../../../src/base/prng.ts';
import { SimScheduler } from '../../../src/base/scheduler.ts';
import { encodeMetadataBatch } from '../../../src/cluster/controller/index.ts';
import { ADD_RAFT_VOTER, BROKER_HEARTBEAT, CREATE_TOPICS, REGISTER_BROKER, REMOVE_RAFT_VOTER } from '../../../src/cluster/quorum/controller-ops.ts';
import { ControllerService, type ServiceAnswer } from '../../../src/cluster/quorum/controller-service.ts';
import { MetadataStateMachine } from '../../../src/cluster/quorum/metadata-state-machine.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { ZERO_UUID } from '../../../src/protocol/primitives.ts';
import { BatchHeader } from '../../../src/protocol/records/batch.ts';
import { applyChange, type Entry, membership, type MembershipChange, type Role } from '../../../src/raft/core/index.ts';
import type { GroupDriver } from '../../../src/raft/group-driver.ts';
import { CLUSTER_ID, FEATURES, SUPPORTED } from './controller/harness.ts';

const SELF = 1;

/** The controller group as the service sees it: role, term, and a log the test commits. */
class ScriptedGroup {
  role: Role = 'follower';
  term = 0;
  leaderId: number | null = null;
  refuse: 'not_leader' | 'uncommitted_bytes_max' | null = null;
  readonly log: Entry[] = [];
  readonly raft = { membership: membership([1, 2, 3], [4]) };
  /** The core's answer to the next membership change, when the test says it refuses. */
  refuseChange: 'change_in_progress' | 'learner_behind' | null = null;
  private applied = 0;

  constructor(readonly sm: MetadataStateMachine) {}

  propose(batch: Uint8Array) {
    if (this.refuse !== null) return { ok: false as const, reason: this.refuse };
    const n = new BatchHeader(batch).lastOffsetDelta + 1;
    const firstIndex = this.nextIndex;
    this.log.push({ kind: 'data', firstIndex, lastIndex: firstIndex + n - 1, term: this.term, payload: batch.slice() });
    return { ok: true as const, firstIndex, lastIndex: firstIndex + n - 1, term: this.term };
  }

  proposeMembershipChange(change: MembershipChange) {
    if (this.refuseChange !== null) return { ok: false as const, reason: this.refuseChange };
    const next = applyChange(this.raft.membership, change);
    if (!next.ok) return { ok: false as const, reason: 'invalid' as const, detail: next.reason };
    this.raft.membership = next.membership;
    const index = this.nextIndex;
    this.log.push({ kind: 'control', firstIndex: index, lastIndex: index, term: this.term, control: { type: 'membership', membership: next.membership } });
    return { ok: true as const, index };
  }

  get nextIndex(): number {
    return this.log.length === 0 ? 0 : this.log.at(-1)!.lastIndex + 1;
  }

  /** Commits and applies every entry up to the log's end. */
  commit(): void {
    const entries = this.log.slice(this.applied);
    this.applied += entries.length; // applying may propose more (the bootstrap batch)
    this.sm.apply(entries);
  }

  /** Drops the entries not applied yet (another leader overwrote them). */
  truncateUncommitted(): void {
    this.log.splice(this.applied);
  }

  /** Appends an entry of another leader (a data batch of one record). */
  appendForeign(term: number): void {
    const batch = encodeMetadataBatch([{ type: 'feature_level', name: 'other.version', level: term }], 0);
    this.log.push({ kind: 'data', firstIndex: this.nextIndex, lastIndex: this.nextIndex, term, payload: batch });
  }

  leaderChange(leaderId: number, term: number): void {
    this.log.push({ kind: 'control', firstIndex: this.nextIndex, lastIndex: this.nextIndex, term, control: { type: 'leader_change', leaderId, voters: [1, 2, 3] } });
  }
}

function setup() {
  const sm = new MetadataStateMachine();
  sm.load(null, -1);
  const group = new ScriptedGroup(sm);
  const scheduler = new SimScheduler();
  const service = new ControllerService({
    nodeId: SELF,
    clusterId: CLUSTER_ID,
    stateMachine: sm,
    driver: () => group as unknown as GroupDriver,
    clock: scheduler.clock,
    scheduler,
    random: new Prng(1),
    staticLayer: new Map(),
    features: FEATURES,
    timeoutMs: 5_000,
  });
  /** This node wins `term`: a leader that has not applied its LeaderChange entry yet. */
  const elect = (term: number) => {
    group.role = 'leader';
    group.term = term;
    group.leaderId = SELF;
    service.roleChanged({ role: 'leader', leaderId: SELF }, term);
    group.leaderChange(SELF, term);
  };
  const lose = (term: number, leaderId: number) => {
    group.role = 'follower';
    group.term = term;
    group.leaderId = leaderId;
    service.roleChanged({ role: 'follower', leaderId }, term);
  };
  return { sm, group, service, scheduler, elect, lose };
}

const register = { clusterId: CLUSTER_ID, incarnationId: 'AAAAAAAAAAAAAAAAAAAAAQ', kafkaHost: 'n1', kafkaPort: 9092, rpcHost: 'n1', rpcPort: 33145, features: SUPPORTED };
const create = (name: string) => ({ topics: [{ name, numPartitions: 2, replicationFactor: -1, assignments: [], configs: [] }], timeoutMs: 0, validateOnly: false });

/** Resolves pending promise callbacks. */
const settle = () => new Promise((r) => setTimeout(r, 0));

async function track<T>(p: Promise<T>): Promise<{ value: T | undefined }> {
  const box: { value: T | undefined } = { value: undefined };
  void p.then((v) => (box.value = v));
  await settle();
  return box;
}

/** A leader serving, bootstrapped and with itself registered. */
async function serving() {
  const s = setup();
  s.elect(2);
  s.group.commit(); // the LeaderChange entry, then the bootstrap batch proposed on it
  s.group.commit();
  const reg = await track(s.service.submit(REGISTER_BROKER, register, 0, SELF));
  s.group.commit();
  await settle();
  expect(reg.value).toMatchObject({ ok: true, response: { errorCode: ErrorCode.NONE } });
  return s;
}

describe('ControllerService', () => {
  test('a new leader serves nothing before its LeaderChange entry is applied, then bootstraps the cluster once', async () => {
    const { sm, group, service, elect } = setup();
    elect(2);
    const early = await track(service.submit(CREATE_TOPICS, create('a'), 7, SELF));
    expect(early.value).toMatchObject({ ok: false, errorCode: ErrorCode.NOT_CONTROLLER });
    expect(service.serving).toBe(false);
    expect(group.log.length).toBe(1); // only the LeaderChange: nothing proposed
    group.commit();
    expect(service.serving).toBe(true);
    expect(group.log.length).toBe(2); // the bootstrap batch
    group.commit();
    expect(sm.image.clusterId).toBe(CLUSTER_ID);
    expect(sm.image.featureLevel('metadata.version')).toBe(25);
  });

  test('an operation is answered once its batch is committed, with the index to wait for; the next sees its records', async () => {
    const { sm, group, service } = await serving();
    const first = await track(service.submit(CREATE_TOPICS, create('orders'), 7, SELF));
    expect(first.value).toBeUndefined(); // proposed, not committed
    expect(sm.image.topic('orders')).toBeUndefined();
    // The same name again while the first is in flight: the working image has it already, and
    // the answer (nothing to propose) waits for the first to commit.
    const again = await track(service.submit(CREATE_TOPICS, create('orders'), 7, SELF));
    expect(again.value).toBeUndefined();
    group.commit();
    await settle();
    const a = first.value as Extract<ServiceAnswer, { ok: true }>;
    expect(a.ok).toBe(true);
    expect(a.appliedIndex).toBe(group.log.at(-1)!.lastIndex);
    expect((a.response as { topics: Array<{ errorCode: number }> }).topics[0].errorCode).toBe(ErrorCode.NONE);
    expect(sm.image.topic('orders')!.partitions.length).toBe(2);
    expect(again.value).toMatchObject({ ok: true, response: { topics: [{ errorCode: ErrorCode.TOPIC_ALREADY_EXISTS }] } });
  });

  test('leadership lost before commit: NOT_CONTROLLER, and the next term rebuilds the working image from what committed', async () => {
    const { sm, group, service, elect, lose } = await serving();
    const lost = await track(service.submit(CREATE_TOPICS, create('lost'), 7, SELF));
    const waiting = await track(service.submit(CREATE_TOPICS, create('lost'), 7, SELF)); // rests on the first
    lose(3, 2);
    await settle();
    expect(lost.value).toMatchObject({ ok: false, errorCode: ErrorCode.NOT_CONTROLLER });
    expect(waiting.value).toMatchObject({ ok: false, errorCode: ErrorCode.NOT_CONTROLLER });
    // Node 2 led term 3 and overwrote the proposal; this node leads again in term 4.
    group.truncateUncommitted();
    group.leaderChange(2, 3);
    group.appendForeign(3);
    group.commit();
    elect(4);
    group.commit();
    expect(service.serving).toBe(true);
    expect(sm.image.topic('lost')).toBeUndefined();
    const retry = await track(service.submit(CREATE_TOPICS, create('lost'), 7, SELF));
    group.commit();
    await settle();
    expect(retry.value).toMatchObject({ ok: true, response: { topics: [{ errorCode: ErrorCode.NONE }] } });
    expect(sm.image.topic('lost')).toBeDefined();
  });

  test('a refused proposal leaves nothing in the working image: the same topic can be created right after', async () => {
    const { sm, group, service } = await serving();
    group.refuse = 'uncommitted_bytes_max';
    const refused = await track(service.submit(CREATE_TOPICS, create('t'), 7, SELF));
    expect(refused.value).toMatchObject({ ok: false, errorCode: ErrorCode.REQUEST_TIMED_OUT });
    group.refuse = null;
    const ok = await track(service.submit(CREATE_TOPICS, create('t'), 7, SELF));
    group.commit();
    await settle();
    expect(ok.value).toMatchObject({ ok: true, response: { topics: [{ errorCode: ErrorCode.NONE }] } });
    expect(sm.image.topic('t')).toBeDefined();
  });

  test('an entry of another term committed where a proposal stood: that proposal and those after it are NOT_CONTROLLER', async () => {
    const { group, service } = await serving();
    const a = await track(service.submit(CREATE_TOPICS, create('a'), 7, SELF));
    const b = await track(service.submit(CREATE_TOPICS, create('b'), 7, SELF));
    group.truncateUncommitted();
    group.appendForeign(3);
    group.commit();
    await settle();
    expect(a.value).toMatchObject({ ok: false, errorCode: ErrorCode.NOT_CONTROLLER });
    expect(b.value).toMatchObject({ ok: false, errorCode: ErrorCode.NOT_CONTROLLER });
  });

  test('waitApplied resolves once the index is applied here, false after the timeout', async () => {
    const { group, service, scheduler } = await serving();
    const at = group.nextIndex;
    const applied = await track(service.waitApplied(at));
    const never = await track(service.waitApplied(at + 1_000));
    void service.submit(CREATE_TOPICS, create('w'), 7, SELF);
    group.commit();
    await settle();
    expect(applied.value).toBe(true);
    scheduler.advance(5_000);
    await settle();
    expect(never.value).toBe(false);
  });
});

describe('broker sessions', () => {
  /** A leader serving with node 2 registered too; returns node 2's broker epoch. */
  async function withSecondBroker() {
    const s = await serving();
    const reg = await track(s.service.submit(REGISTER_BROKER, { ...register, incarnationId: 'AAAAAAAAAAAAAAAAAAAAAg', kafkaHost: 'n2', rpcHost: 'n2' }, 0, 2));
    s.group.commit();
    await settle();
    const epoch = (reg.value as { response: { brokerEpoch: number } }).response.brokerEpoch;
    const heartbeat = async (brokerEpoch = epoch) => {
      const a = await track(s.service.submit(BROKER_HEARTBEAT, { brokerEpoch }, 0, 2));
      s.group.commit();
      await settle();
      return a.value as { ok: true; response: { errorCode: number; errorMessage: string | null; isFenced: boolean } };
    };
    return { ...s, epoch, heartbeat };
  }

  test('a broker not heard from for broker.session.timeout.ms is fenced (the leader never is); its next heartbeat unfences it', async () => {
    const { sm, group, scheduler, heartbeat } = await withSecondBroker();
    const logLength = group.log.length;
    scheduler.advance(8_000);
    expect(group.log.length).toBe(logLength); // within the 9 s session: nothing proposed
    expect((await heartbeat()).response).toEqual({ errorCode: ErrorCode.NONE, errorMessage: null, isFenced: false });
    scheduler.advance(8_500);
    group.commit();
    expect(sm.image.broker(2)!.fenced).toBe(false); // heard 8.5 s ago
    scheduler.advance(2_000);
    group.commit();
    expect(sm.image.broker(2)!.fenced).toBe(true);
    expect(sm.image.broker(SELF)!.fenced).toBe(false); // not heard from either, but it is the controller
    expect((await heartbeat()).response).toEqual({ errorCode: ErrorCode.NONE, errorMessage: null, isFenced: false });
    expect(sm.image.broker(2)!.fenced).toBe(false);
  });

  test('a heartbeat from another registration of the node is STALE_BROKER_EPOCH, and does not keep the session alive', async () => {
    const { sm, group, scheduler, epoch, heartbeat } = await withSecondBroker();
    scheduler.advance(5_000);
    expect((await heartbeat(epoch + 100)).response).toMatchObject({ errorCode: ErrorCode.STALE_BROKER_EPOCH, isFenced: true });
    scheduler.advance(5_000);
    group.commit();
    expect(sm.image.broker(2)!.fenced).toBe(true);
  });

  test('a new leader starts every session afresh: a broker is fenced only a whole session after the leadership change', async () => {
    const { sm, group, scheduler, elect, lose } = await withSecondBroker();
    scheduler.advance(8_000);
    lose(3, 3);
    elect(4);
    group.commit(); // the new LeaderChange
    scheduler.advance(8_000);
    group.commit();
    expect(sm.image.broker(2)!.fenced).toBe(false); // 16 s since heard, 8 s into this leader's session
    scheduler.advance(2_000);
    group.commit();
    expect(sm.image.broker(2)!.fenced).toBe(true);
  });
});

describe('voter changes (KIP-853)', () => {
  const add = (voterId: number, clusterId: string | null = CLUSTER_ID) => ({ clusterId, timeoutMs: 30_000, voterId, voterDirectoryId: ZERO_UUID, listeners: [{ name: 'RPC', host: 'n4', port: 33145 }] });
  const remove = (voterId: number) => ({ clusterId: CLUSTER_ID, voterId, voterDirectoryId: ZERO_UUID });

  test('a learner becomes a voter: a membership entry of the controller group, answered once it commits', async () => {
    const { group, service } = await serving();
    const added = await track(service.submit(ADD_RAFT_VOTER, add(4), 0, 2));
    expect(added.value).toBeUndefined(); // proposed, not committed
    expect(group.log.at(-1)).toMatchObject({ kind: 'control', control: { type: 'membership', membership: { voters: [1, 2, 3, 4], learners: [] } } });
    group.commit();
    await settle();
    expect(added.value).toMatchObject({ ok: true, response: { errorCode: ErrorCode.NONE, errorMessage: null }, appliedIndex: group.log.at(-1)!.lastIndex });
  });

  test("Kafka's refusals: a voter already, not a voter, another cluster; the core's refusals are REQUEST_TIMED_OUT (retried)", async () => {
    const { group, service } = await serving();
    const answer = async (p: Promise<unknown>) => ((await p) as { response: { errorCode: number; errorMessage: string } }).response;
    expect(await answer(service.submit(ADD_RAFT_VOTER, add(2), 0, 2))).toMatchObject({ errorCode: ErrorCode.DUPLICATE_VOTER });
    expect(await answer(service.submit(ADD_RAFT_VOTER, add(9), 0, 2))).toMatchObject({ errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: expect.stringContaining('not an observer') });
    expect(await answer(service.submit(REMOVE_RAFT_VOTER, remove(4), 0, 2))).toMatchObject({ errorCode: ErrorCode.VOTER_NOT_FOUND });
    expect(await answer(service.submit(ADD_RAFT_VOTER, add(4, 'another-cluster'), 0, 2))).toMatchObject({ errorCode: ErrorCode.INCONSISTENT_CLUSTER_ID });
    group.refuseChange = 'learner_behind';
    expect(await answer(service.submit(ADD_RAFT_VOTER, add(4), 0, 2))).toMatchObject({ errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: expect.stringContaining('caught up') });
    expect(group.log.some((e) => e.kind === 'control' && e.control.type === 'membership')).toBe(false);
  });

  test('a leader that removes itself steps down as the entry commits: the change is still answered once applied', async () => {
    const { group, service, lose } = await serving();
    const removed = await track(service.submit(REMOVE_RAFT_VOTER, remove(SELF), 0, 2));
    lose(2, 2); // the core steps down in the turn its removal commits, before the Ready applies it
    group.commit();
    await settle();
    expect(removed.value).toMatchObject({ ok: true, response: { errorCode: ErrorCode.NONE } });
  });

  test('a change overwritten by another leader\'s entry is not answered as done', async () => {
    const { group, service, lose } = await serving();
    const added = await track(service.submit(ADD_RAFT_VOTER, add(4), 0, 2));
    lose(3, 2);
    group.truncateUncommitted();
    group.appendForeign(3);
    group.commit();
    await settle();
    expect(added.value).toMatchObject({ ok: false, errorCode: ErrorCode.NOT_CONTROLLER });
  });
});
