// Clusters of real dist/freshet processes on 127.0.0.1: each node a broker from broker.ts with
// its own Kafka port, RPC port and data directory, all given the same --seeds. The RPC ports are
// chosen before any node starts (the seed list names them); `freshet cluster info --format json`
// reads the controller quorum the way an operator does.

import { type Broker, FRESHET_BIN, startBroker } from './broker.ts';
import { kafkaFor } from './kafkajs.ts';
import type { ReadRecord } from '../chaos/history.ts';
import { freePort } from './ports.ts';
import { run } from './process.ts';

export interface ClusterNodeProc {
  readonly id: number;
  readonly rpcPort: number;
  readonly broker: Broker;
}

export interface QuorumMember {
  nodeId: number;
  kafka: string | null;
  role: 'leader' | 'voter' | 'learner' | null;
  logEndOffset: number | null;
  lag: number | null;
  lastFetchAgoMs: number | null;
}

export interface ClusterInfo {
  clusterId: string;
  controllerId: number;
  quorum: { leaderId: number; term: number; highWatermark: number } | null;
  error: { name: string; message: string | null } | null;
  members: QuorumMember[];
}

const POLL_MS = 50;

/** RPC ports for node ids, and the --seeds list naming them. */
export async function seedsFor(ids: readonly number[]): Promise<{ ports: Map<number, number>; seeds: string }> {
  const ports = new Map<number, number>();
  for (const id of ids) ports.set(id, await freePort());
  return { ports, seeds: ids.map((id) => `${id}@127.0.0.1:${ports.get(id)}`).join(',') };
}

/** Starts node `id` with --seeds (and --rpc-addr on `rpcPort`); resolves once it serves. */
export async function startClusterNode(id: number, rpcPort: number, seeds: string, extraArgs: readonly string[] = [], options: { registry?: boolean; proxy?: boolean; admin?: boolean } = {}): Promise<ClusterNodeProc> {
  const broker = await startBroker({
    dev: false,
    nodeId: id,
    registry: options.registry,
    proxy: options.proxy,
    admin: options.admin,
    extraArgs: ['--seeds', seeds, '--rpc-addr', `127.0.0.1:${rpcPort}`, ...extraArgs],
  });
  return { id, rpcPort, broker };
}

/**
 * Starts every seed at once; resolves once all serve. Each start is awaited, so one that fails
 * leaves none of the others running (its error is thrown).
 */
export async function startClusterNodes(
  ids: readonly number[],
  rpcPorts: ReadonlyMap<number, number>,
  seeds: string,
  extraArgs: readonly string[] = [],
  options: { registry?: boolean; proxy?: boolean; admin?: boolean } = {},
): Promise<ClusterNodeProc[]> {
  const outcomes = await Promise.allSettled(ids.map((id) => startClusterNode(id, rpcPorts.get(id)!, seeds, extraArgs, options)));
  const started = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const failed = outcomes.find((o) => o.status === 'rejected');
  if (failed === undefined) return started;
  await Promise.all(started.map((n) => n.broker.dispose()));
  throw failed.reason;
}

/** A partition as a node's Metadata shows it through kafkajs. */
export interface PartitionView {
  partitionId: number;
  leader: number;
  /** The assignment, preferred replica first. */
  replicas: number[];
  /** Sorted. */
  isr: number[];
}

/**
 * `topic`'s partitions as the node at `bootstrap` shows them through kafkajs, by partition id;
 * null while it does not list `count` partitions each with a leader, or cannot be asked.
 */
export async function partitionsVia(bootstrap: string, topic: string, count: number): Promise<PartitionView[] | null> {
  const admin = kafkaFor(bootstrap).admin();
  await admin.connect();
  try {
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    const ps = md.topics[0].partitions.sort((a, b) => a.partitionId - b.partitionId);
    if (ps.length !== count || ps.some((p) => p.leader < 0)) return null;
    return ps.map((p) => ({ partitionId: p.partitionId, leader: p.leader, replicas: p.replicas, isr: [...p.isr].sort() }));
  } catch {
    return null;
  } finally {
    await admin.disconnect();
  }
}

/** `freshet cluster info --format json` against `bootstrap`: the document, or null when it exited non-zero. */
export async function clusterInfo(bootstrap: string): Promise<ClusterInfo | null> {
  const r = await run([FRESHET_BIN, 'cluster', 'info', '--brokers', bootstrap, '--format', 'json'], { timeoutMs: 15_000 });
  if (r.exitCode !== 0) return null;
  return JSON.parse(r.stdout) as ClusterInfo;
}

/** Polls `probe` until it returns non-null; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | null>, timeoutMs: number, what: string): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown = null;
  while (performance.now() < deadline) {
    try {
      const v = await probe();
      if (v !== null) return v;
    } catch (e) {
      last = e;
    }
    await Bun.sleep(POLL_MS);
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms${last === null ? '' : ` (last error: ${last})`}`);
}

/**
 * When a node's log says it became the controller leader in a term above `afterTerm`, as wall
 * time in ms (the log line's stamp); null while none has.
 */
export function leadershipTakenMs(logs: string, afterTerm: number): { atMs: number; term: number } | null {
  const re = /^(\S+) INFO {2}cluster: controller leader is this node \(term (\d+)\)$/gm;
  for (const m of logs.matchAll(re)) {
    const term = Number(m[2]);
    if (term > afterTerm) return { atMs: Date.parse(m[1]), term };
  }
  return null;
}

export async function stopAll(nodes: ReadonlyArray<ClusterNodeProc | undefined>): Promise<void> {
  await Promise.all(nodes.map((n) => n?.broker.dispose()));
}

/**
 * A full read of `topic` from the beginning by a kafkajs group member (`groupId`), until every
 * value in `acked` was read (or `timeoutMs`): the records for test/chaos's checker.
 */
export async function readUntilAcked(bootstrap: string, topic: string, groupId: string, acked: readonly string[], timeoutMs: number): Promise<ReadRecord[]> {
  const fullRead: ReadRecord[] = [];
  const consumer = kafkaFor(bootstrap).consumer({ groupId });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ partition, message }) => void fullRead.push({ topic, partition, offset: Number(message.offset), value: message.value!.toString() }) });
    const ackedSet = new Set(acked);
    await waitFor(async () => (fullRead.filter((r) => ackedSet.has(r.value)).length >= acked.length ? true : null), timeoutMs, 'every acknowledged record read');
  } finally {
    await consumer.disconnect();
  }
  return fullRead;
}
