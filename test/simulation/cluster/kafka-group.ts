// The consumer's group offsets in the cluster simulation: it commits its positions with
// OffsetCommit and reads them back with OffsetFetch, both through the group's coordinator
// (FindCoordinator: the leader of the group's __consumer_offsets partition, a Raft group of
// three replicas here), as a consumer using commitSync without group membership does
// (generation -1, Kafka's "simple" consumer). It checks that a committed offset never goes
// back: an OffsetFetch answers at least the newest offset a commit was acknowledged with
// before the fetch was sent (acknowledged commits survive coordinator failovers: the
// coordinator answers once its __consumer_offsets batch commits), and never more than the
// newest one sent.

import { ErrorCode } from '../../../src/protocol/errors.ts';
import { OffsetFetch } from '../../../src/protocol/messages/09-offset-fetch.ts';
import { InvariantViolation } from '../raft-core/checker.ts';
import type { ClusterSim } from './cluster-sim.ts';
import type { ClientProcess } from './kafka-routes.ts';

export const CLIENT_GROUP = 'orders-readers';

export interface GroupStats {
  commitsAcknowledged: number;
  offsetFetches: number;
  /** Answers of the reads sent straight to every node (fetchFromEveryNode) from a node that coordinates the group. */
  directReads: number;
}

export class GroupOffsets {
  readonly stats: GroupStats = { commitsAcknowledged: 0, offsetFetches: 0, directReads: 0 };
  /** The newest offset a commit was acknowledged with, by partition. */
  private readonly acknowledged = new Map<number, number>();
  /** The newest offset a commit was sent with, by partition. */
  private readonly sent = new Map<number, number>();
  private committing = false;
  private fetching = false;

  constructor(
    private readonly sim: ClusterSim,
    private readonly consumer: ClientProcess,
    private readonly topic: string,
  ) {}

  /** No commit or fetch on its way. */
  get settled(): boolean {
    return !this.committing && !this.fetching;
  }

  /** Commits `partition` at `offset` (the consumer's position), one commit at a time. */
  commit(partition: number, offset: number): void {
    if (this.committing || offset <= (this.sent.get(partition) ?? -1)) return;
    this.committing = true;
    this.sent.set(partition, offset);
    this.consumer.client.offsetCommit(CLIENT_GROUP, [{ topic: this.topic, partition, offset }]).then(
      (r) => {
        this.committing = false;
        if (r.length !== 1 || r[0].error !== null) return; // refused: its outcome is not known to be applied
        this.stats.commitsAcknowledged++;
        this.acknowledged.set(partition, Math.max(this.acknowledged.get(partition) ?? -1, offset));
      },
      () => {
        this.committing = false; // no answer: it may or may not be applied
      },
    );
  }

  /** Reads every committed offset of the group back (one fetch at a time) and checks them. */
  fetch(partitions: number): Promise<void> | null {
    if (this.fetching) return null;
    this.fetching = true;
    this.stats.offsetFetches++;
    const floor = new Map(this.acknowledged);
    this.fetchFromEveryNode(partitions, floor);
    return this.consumer.client.offsetFetch(CLIENT_GROUP, [{ topic: this.topic, partitions: Array.from({ length: partitions }, (_, i) => i) }]).then(
      (r) => {
        this.fetching = false;
        if (r.error !== null) return;
        for (const o of r.offsets) {
          if (o.error !== null || o.topic !== this.topic) continue;
          this.check(o.partition, o.offset, floor.get(o.partition) ?? -1);
        }
      },
      () => {
        this.fetching = false;
      },
    );
  }

  /**
   * The same read sent straight to every node, as a client whose cached coordinator is that
   * node sends it (Kafka's clients keep the coordinator they found until it answers
   * NOT_COORDINATOR or the connection fails; kafkajs's admin too). A node that is not the
   * coordinator answers a group error and is skipped; one that answers must not be stale: a
   * coordinator cut off from the others, still leading in its own eyes while a new leader
   * acknowledges commits, must not answer from its old state (Raft dissertation 6.4).
   */
  private fetchFromEveryNode(partitions: number, floor: ReadonlyMap<number, number>): void {
    const wanted = [{ name: this.topic, partitionIndexes: Array.from({ length: partitions }, (_, i) => i) }];
    for (const n of this.sim.nodes) {
      void (async () => {
        const conn = await this.consumer.node(n.id);
        const res = await conn.request(OffsetFetch, { groupId: CLIENT_GROUP, topics: wanted, groups: [{ groupId: CLIENT_GROUP, topics: wanted }], requireStable: false });
        const g = res.groups.length > 0 ? res.groups[0] : { topics: res.topics, errorCode: res.errorCode };
        if (g.errorCode !== ErrorCode.NONE) return;
        this.stats.directReads++;
        for (const t of g.topics) {
          if (t.name !== this.topic) continue;
          for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) this.check(p.partitionIndex, p.committedOffset, floor.get(p.partitionIndex) ?? -1, `n${n.id}`);
        }
      })().catch(() => {}); // no answer (a node down or cut off): nothing read
    }
  }

  /** At the end: every acknowledged commit is what the coordinator answers (no commit is in flight). */
  async finalCheck(partitions: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const floor = new Map(this.acknowledged);
      const r = await this.sim.world.loop.run(this.consumer.client.offsetFetch(CLIENT_GROUP, [{ topic: this.topic, partitions: Array.from({ length: partitions }, (_, i) => i) }]), 10_000, 'the final OffsetFetch');
      if (r.error !== null && attempt < FINAL_FETCH_TRIES) continue;
      if (r.error !== null) throw new InvariantViolation(`the final OffsetFetch of group ${CLIENT_GROUP}: ${r.error.name}`);
      for (const o of r.offsets) {
        if (o.error !== null) throw new InvariantViolation(`the final OffsetFetch of group ${CLIENT_GROUP}, partition ${o.partition}: ${o.error.name}`);
        this.check(o.partition, o.offset, floor.get(o.partition) ?? -1);
      }
      this.sim.trace(`clients: group ${CLIENT_GROUP} committed ${r.offsets.map((o) => `${o.partition}@${o.offset}`).join(' ')} (${this.stats.commitsAcknowledged} commits acknowledged, ${this.stats.offsetFetches} fetches, ${this.stats.directReads} answered by a node asked directly)`);
      return;
    }
  }

  private check(partition: number, offset: number, floor: number, from = 'its coordinator'): void {
    const sent = this.sent.get(partition) ?? -1;
    if (offset < floor) this.sim.fail(new InvariantViolation(`group ${CLIENT_GROUP}'s committed offset of partition ${partition} went back: ${offset}, after a commit of ${floor} was acknowledged (read from ${from})`));
    if (offset > sent) this.sim.fail(new InvariantViolation(`group ${CLIENT_GROUP}'s committed offset of partition ${partition} is ${offset}, never sent (newest sent ${sent})`));
  }
}

/** OffsetFetch answers with a group error (a coordinator still loading after a failover) tried again this often at the end. */
const FINAL_FETCH_TRIES = 5;
