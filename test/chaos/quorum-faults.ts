// The controller quorum side of a chaos run: watching who leads (every node's log, and
// DescribeQuorum asked of each node in turn), and doing one fault with the observations around it
// that quorum-watch.ts checks (leader and term before and after, convergence, and for a cut-off
// leader its step-down and the others' new leader). A fault on a data partition's leader finds
// it by Metadata (what the nodes publish) and, when killed or cut off, waits for another
// replica to be named its leader in a higher epoch.
//
// DescribeQuorum goes to exactly the node named, on a connection of its own: `freshet cluster
// info --brokers N` would not do, as its client sends DescribeQuorum to the first broker of the
// Metadata answer (node 1) rather than to N, so with node 1 cut off it reports node 1's view
// ("no leader now") whichever node it was pointed at.

import { leadershipTakenMs, waitFor } from '../helpers/cluster.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { DescribeQuorum } from '../../src/protocol/messages/55-describe-quorum.ts';
import { Metadata } from '../../src/protocol/messages/03-metadata.ts';
import { METADATA_TOPIC } from '../../src/client/quorum.ts';
import { cutOutbound, type PlannedFault, victimOf, victimPartition } from './faults.ts';
import { ClaimLog, claimsInLog, type FaultOutcome, type PartitionLeader, steppedDownInLog } from './quorum-watch.ts';
import type { ChaosTarget } from './targets.ts';

/** Liveness bounds (generous for a loaded 2-core machine; the times taken are printed). */
export const SETTLE_MS_MAX = 30_000;
export const NEW_LEADER_MS_MAX = 20_000;
/** Pause between two DescribeQuorum observations. */
const OBSERVE_PAUSE_MS = 250;
/** A DescribeQuorum unanswered this long (a paused node) counts as no answer. */
const DESCRIBE_TIMEOUT_MS = 3_000;
const DESCRIBE_QUORUM_VERSION = 2;
const METADATA_VERSION = 12;

export interface QuorumView {
  readonly leaderId: number;
  readonly term: number;
  readonly voters: readonly number[];
  /** Every voter's log end offset equals the leader's. */
  readonly caughtUp: boolean;
}

/** DescribeQuorum asked of the node on `port` alone; null when it has no leader, fails or does not answer in time. */
export async function describeQuorumVia(port: number): Promise<QuorumView | null> {
  let client: RawClient | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    client = await RawClient.connect(port);
    const request = client.send(DescribeQuorum, DESCRIBE_QUORUM_VERSION, { topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: 0 }] }] });
    const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), DESCRIBE_TIMEOUT_MS)));
    const res = await Promise.race([request, timeout]);
    const p = res?.topics[0]?.partitions[0];
    if (res === null || res.errorCode !== 0 || p === undefined || p.errorCode !== 0 || p.leaderId < 0) return null;
    const leaderEnd = p.currentVoters.find((v) => v.replicaId === p.leaderId)?.logEndOffset;
    return {
      leaderId: p.leaderId,
      term: p.leaderEpoch,
      voters: p.currentVoters.map((v) => v.replicaId).sort((a, b) => a - b),
      caughtUp: leaderEnd !== undefined && p.currentVoters.every((v) => Number(v.logEndOffset) === Number(leaderEnd)),
    };
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
    client?.close();
  }
}

/** The data partition's leader as the node on `port` publishes it (Metadata); null when it names none, fails or does not answer in time. */
export async function partitionLeaderVia(port: number, topic: string, partition: number): Promise<PartitionLeader | null> {
  let client: RawClient | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    client = await RawClient.connect(port);
    const request = client.send(Metadata, METADATA_VERSION, { topics: [{ name: topic }], allowAutoTopicCreation: false });
    const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), DESCRIBE_TIMEOUT_MS)));
    const res = await Promise.race([request, timeout]);
    const p = res?.topics[0]?.partitions.find((x) => x.partitionIndex === partition);
    if (p === undefined || p.errorCode !== 0 || p.leaderId < 0) return null;
    return { partition, leaderId: p.leaderId, leaderEpoch: p.leaderEpoch };
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
    client?.close();
  }
}

export class QuorumWatch {
  readonly claims = new ClaimLog();
  readonly outcomes: FaultOutcome[] = [];
  /** Times from the end of a fault to a settled quorum; from cutting the leader off to the others' new leader. */
  readonly settleMs: number[] = [];
  readonly failoverMs: number[] = [];
  /** Times from kill -9 of the leader to the others' new leader (seen by DescribeQuorum). */
  readonly killFailoverMs: number[] = [];
  /** Times from kill -9 or isolation of a data partition's leader to another leader of it (Metadata). */
  readonly partitionFailoverMs: number[] = [];
  /** The workload's topic and partition count, for `partition_leader` faults (null: no workload). */
  dataTopic: { readonly name: string; readonly partitions: number } | null = null;
  private running = true;
  private loop: Promise<void> | null = null;
  private calls = 0;

  constructor(
    private readonly target: ChaosTarget,
    private readonly log: (line: string) => void,
  ) {}

  /** Waits for the quorum to form, then watches in the background until stop(). */
  async start(): Promise<void> {
    await this.settled(SETTLE_MS_MAX, null);
    this.loop = this.observeLoop();
  }

  /** Stops watching (again: a no-op) and takes the nodes' last log lines. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.scrapeLogs();
  }

  /** DescribeQuorum requests made so far. */
  get describeCalls(): number {
    return this.calls;
  }

  private viaPort(nodeId: number): number {
    return this.target.broker(nodeId).port;
  }

  /** Every node's log lines naming a leader, into the claims (a killed node's, before it is restarted). */
  scrapeLogs(): void {
    for (const id of this.target.nodeIds) for (const c of claimsInLog(id, this.target.broker(id).logs())) this.claims.add(c);
  }

  /** Does one fault, observing the quorum around it. */
  async faultStep(f: PlannedFault): Promise<void> {
    const before = await this.settled(SETTLE_MS_MAX, null);
    if (before === null) {
      this.outcomes.push({ kind: f.kind, nodeId: -1, before: { leaderId: -1, term: -1 }, after: null });
      return;
    }
    const partitionBefore = f.victim === 'partition_leader' ? await this.partitionLeader(f) : undefined;
    if (partitionBefore === null) {
      this.outcomes.push({ kind: f.kind, nodeId: -1, before, after: before, partitionBefore });
      this.log(`chaos:   NO leader of the data partition known`);
      return;
    }
    const nodeId = victimOf(f, before.leaderId, this.target.nodeIds, partitionBefore?.leaderId);
    this.scrapeLogs();
    const startedMs = performance.now();
    const startedWallMs = Date.now(); // to compare with the nodes' log stamps (a figure only)
    const cut = f.kind === 'cut' ? this.cutLink(f, nodeId, before.leaderId) : null;
    if (cut === null) await this.target.inject(f.kind, nodeId);
    else this.target.proxy!.cut(cut.from, cut.to);
    const watched: { -readonly [K in 'replacement' | 'steppedDown' | 'partitionBefore' | 'partitionReplacement']?: FaultOutcome[K] } = { partitionBefore };
    if (partitionBefore !== undefined && (f.kind === 'kill9' || f.kind === 'isolate')) {
      watched.partitionReplacement = await this.partitionReplacement(partitionBefore, startedMs);
    }
    if (nodeId === before.leaderId && (f.kind === 'kill9' || f.kind === 'isolate')) {
      // A short pause may end before any election timeout: only a kill or a cut must bring another leader.
      watched.replacement = await this.replacement(nodeId, before.term, startedMs, startedWallMs, f.kind);
    }
    if (nodeId === before.leaderId && f.kind === 'isolate') {
      watched.steppedDown = await waitFor(async () => (steppedDownInLog(this.target.broker(nodeId).logs()) ? true : null), NEW_LEADER_MS_MAX, `node ${nodeId} stepping down`).catch(() => false);
    }
    await Bun.sleep(Math.max(0, startedMs + f.holdMs - performance.now()));
    this.scrapeLogs();
    if (cut === null) await this.target.end(f.kind, nodeId);
    else this.target.proxy!.heal();
    const endedMs = performance.now();
    const after = await this.settled(SETTLE_MS_MAX, nodeId);
    if (after !== null) this.settleMs.push(Math.round(performance.now() - endedMs));
    this.outcomes.push({ kind: f.kind, nodeId, before, after, ...watched });
    this.log(`chaos:   node ${nodeId}${cut === null ? '' : ` (${cut.from} -> ${cut.to} cut)`}; before: leader ${before.leaderId}, term ${before.term}${describeWatched(watched)}; after: ${after === null ? 'did NOT settle' : `settled in ${Math.round(performance.now() - endedMs)} ms: leader ${after.leaderId}, term ${after.term}`}`);
  }

  /** The leader of the data partition the fault names, asked of each node in turn until one names it (null: none within SETTLE_MS_MAX). */
  private async partitionLeader(f: PlannedFault): Promise<PartitionLeader | null> {
    const data = this.dataTopic;
    if (data === null) throw new Error('a partition_leader fault without a workload topic');
    const partition = victimPartition(f, data.partitions);
    return await waitFor(() => partitionLeaderVia(this.viaPort(this.target.nodeIds[this.calls++ % this.target.nodeIds.length]), data.name, partition), SETTLE_MS_MAX, `a leader of partition ${partition}`).catch(() => null);
  }

  /** Who leads the data partition while its leader is killed or cut off, asked of the others (null: nobody within NEW_LEADER_MS_MAX); the time is kept. */
  private async partitionReplacement(before: PartitionLeader, startedMs: number): Promise<PartitionLeader | null> {
    const data = this.dataTopic!;
    const others = this.target.nodeIds.filter((id) => id !== before.leaderId);
    const found = await waitFor(
      async () => {
        const p = await partitionLeaderVia(this.viaPort(others[this.calls++ % others.length]), data.name, before.partition);
        return p !== null && p.leaderId !== before.leaderId && p.leaderEpoch > before.leaderEpoch ? p : null;
      },
      NEW_LEADER_MS_MAX,
      `a new leader of partition ${before.partition}`,
    ).catch(() => null);
    if (found !== null) this.partitionFailoverMs.push(Math.round(performance.now() - startedMs));
    return found;
  }

  /** The directed link a `cut` drops: between the victim and the leader, or a follower when the victim leads. */
  private cutLink(f: PlannedFault, nodeId: number, leaderId: number): { from: number; to: number } {
    const peer = nodeId === leaderId ? victimOf({ ...f, victim: 'follower' }, leaderId, this.target.nodeIds) : leaderId;
    return cutOutbound(f) ? { from: nodeId, to: peer } : { from: peer, to: nodeId };
  }

  /** Who the others elect while the leader `nodeId` is killed or cut off (null: nobody within the bound); the time taken is kept. */
  private async replacement(nodeId: number, termBefore: number, startedMs: number, startedWallMs: number, kind: PlannedFault['kind']): Promise<{ leaderId: number; term: number } | null> {
    const others = this.target.nodeIds.filter((id) => id !== nodeId);
    const found = await waitFor(
      async () => {
        const q = await describeQuorumVia(this.viaPort(others[this.calls++ % others.length]));
        return q !== null && q.leaderId !== nodeId && q.term > termBefore ? { leaderId: q.leaderId, term: q.term } : null;
      },
      NEW_LEADER_MS_MAX,
      `a new leader while node ${nodeId} is down or cut off`,
    ).catch(() => null);
    if (found !== null) (kind === 'kill9' ? this.killFailoverMs : this.failoverMs).push(this.tookOverMs(others, termBefore, startedWallMs) ?? Math.round(performance.now() - startedMs));
    return found;
  }

  /**
   * From the fault to the first "controller leader is this node" line of a term above
   * `termBefore` in the others' logs (their wall-clock stamps, as bench/cluster.ts measures
   * failover): DescribeQuorum alone would round it up, as a node still following the old
   * leader forwards the question to it and waits out the forward's timeout.
   */
  private tookOverMs(others: readonly number[], termBefore: number, startedWallMs: number): number | null {
    const taken = others.map((id) => leadershipTakenMs(this.target.broker(id).logs(), termBefore)?.atMs).filter((t): t is number => t !== undefined);
    return taken.length === 0 ? null : Math.max(0, Math.min(...taken) - startedWallMs);
  }

  /** The leader and term once the quorum is settled, asked through a node other than `avoid`; null after `timeoutMs`. */
  private async settled(timeoutMs: number, avoid: number | null): Promise<{ leaderId: number; term: number } | null> {
    const vias = this.target.nodeIds.filter((id) => id !== avoid);
    const all = [...this.target.nodeIds].sort((a, b) => a - b).join(',');
    const settled = async () => {
      const via = vias[this.calls++ % vias.length];
      const q = await describeQuorumVia(this.viaPort(via));
      if (q !== null) this.claims.add({ observer: `DescribeQuorum via ${via}`, term: q.term, leaderId: q.leaderId });
      return q !== null && q.caughtUp && q.voters.join(',') === all ? q : null;
    };
    const q = await waitFor(settled, timeoutMs, 'a settled quorum').catch(() => null);
    return q === null ? null : { leaderId: q.leaderId, term: q.term };
  }

  private async observeLoop(): Promise<void> {
    while (this.running) {
      this.scrapeLogs();
      const via = this.target.nodeIds[this.calls++ % this.target.nodeIds.length];
      const q = await describeQuorumVia(this.viaPort(via));
      if (q !== null) this.claims.add({ observer: `DescribeQuorum via ${via}`, term: q.term, leaderId: q.leaderId });
      await Bun.sleep(OBSERVE_PAUSE_MS);
    }
  }
}

function describeWatched(w: Pick<FaultOutcome, 'replacement' | 'steppedDown' | 'partitionBefore' | 'partitionReplacement'>): string {
  let out = '';
  const p = w.partitionBefore;
  if (p) out += `; partition ${p.partition} led by it (epoch ${p.leaderEpoch})`;
  if (p && w.partitionReplacement !== undefined) out += w.partitionReplacement === null ? '; NOBODY else led the partition meanwhile' : `; node ${w.partitionReplacement.leaderId} (epoch ${w.partitionReplacement.leaderEpoch}) led it meanwhile`;
  if (w.steppedDown !== undefined) out += `; cut off, it ${w.steppedDown ? 'stepped down' : 'did NOT step down'}`;
  if (w.replacement !== undefined) out += `; ${w.replacement === null ? 'NOBODY' : `node ${w.replacement.leaderId} (term ${w.replacement.term})`} led the others meanwhile`;
  return out;
}
