// Clustering settings of `freshet start`: --seeds, --rpc-addr, --advertise-rpc-addr.
//
// --seeds ID@HOST:PORT,... names the initial voters of the controller Raft group with their
// internal RPC addresses, in the syntax of KRaft's controller.quorum.voters (KIP-595). The ids
// are in the list because a seed must know the whole voter set before any other seed answers:
// the controller group's first membership is bootstrapped from this list alone, so that every
// seed starts from the same voters and a majority of them can elect a leader without asking
// anyone (Raft needs the voter set to count votes, paper 5.2). With addresses alone, the voter
// set would depend on which seeds answered first, and two halves of a partitioned start could
// each bootstrap a different one. Every node of a cluster is given the same list; a node whose
// id is not in it joins the running cluster as a learner (KRaft's observers).
//
// Without --seeds a node runs alone, exactly as before clustering existed: no RPC listener, no
// Raft. --rpc-addr and --advertise-rpc-addr without --seeds are refused (they would do nothing).

import { advertisableHost, ConfigError, formatHostPort, type HostPort, parseHostPort, scalar, type Setting } from './values.ts';

/** The internal RPC port (DESIGN.md section 1: Redpanda's 33145). */
export const DEFAULT_RPC_PORT = 33145;
export const DEFAULT_RPC_ADDR = `127.0.0.1:${DEFAULT_RPC_PORT}`;

/**
 * Seeds (initial voters) at most. Every voter takes part in each commit, and Raft clusters are
 * run with 3 or 5 voters (etcd advises against more than 7); 15 leaves room without inviting a
 * quorum that no write can get through quickly.
 */
export const SEEDS_MAX = 15;

export interface Seed {
  readonly nodeId: number;
  /** Where the other nodes dial it (its advertised RPC address). */
  readonly address: HostPort;
}

export interface ClusterConfig {
  /** The internal RPC listener (--rpc-addr). */
  readonly rpcAddr: HostPort;
  /** The RPC address other nodes dial to reach this one (--advertise-rpc-addr). */
  readonly advertiseRpcAddr: HostPort;
  /** The initial voters of the controller group (--seeds), sorted by node id. */
  readonly seeds: readonly Seed[];
  /** Whether this node is one of the seeds (a voter), or joins as a learner. */
  readonly isSeed: boolean;
}

/** The clustering settings from the merged layers, or null for a node that runs alone. */
export function clusterConfigOf(get: (name: string) => Setting | undefined, nodeId: number): ClusterConfig | null {
  const seedsSetting = get('seeds');
  const rpc = get('rpc-addr');
  const adv = get('advertise-rpc-addr');
  if (seedsSetting === undefined) {
    const lone = rpc ?? adv;
    if (lone !== undefined) {
      throw new ConfigError(`${lone.origin}: needs --seeds: a node started without seeds runs alone and has no peers to listen for`);
    }
    return null;
  }
  const seeds = parseSeeds(seedsSetting);
  const own = seeds.find((s) => s.nodeId === nodeId);
  const rpcAddr = rpc !== undefined ? parseHostPort(scalar(rpc), rpc.origin) : (own?.address ?? parseHostPort(DEFAULT_RPC_ADDR, '--rpc-addr'));
  let advertiseRpcAddr: HostPort;
  if (adv !== undefined) {
    advertiseRpcAddr = parseHostPort(scalar(adv), adv.origin);
    if (own !== undefined && formatHostPort(own.address) !== formatHostPort(advertiseRpcAddr)) {
      throw new ConfigError(
        `${adv.origin}: ${formatHostPort(advertiseRpcAddr)} differs from this node's entry in ${seedsSetting.origin} ` +
          `(${nodeId}@${formatHostPort(own.address)}): the other seeds dial that one`,
      );
    }
  } else {
    advertiseRpcAddr = own?.address ?? { host: advertisableHost(rpcAddr.host), port: rpcAddr.port };
  }
  return { rpcAddr, advertiseRpcAddr, seeds, isSeed: own !== undefined };
}

/**
 * `1@h1:33145,2@h2:33145,3@h3:33145` (a YAML list of such entries in the file), sorted by id.
 * Ids and addresses must be unique.
 */
export function parseSeeds(s: Setting): Seed[] {
  const entries = seedEntries(s);
  if (entries.length === 0) throw new ConfigError(`${s.origin}: no seeds given (expected ID@HOST:PORT,...)`);
  if (entries.length > SEEDS_MAX) throw new ConfigError(`${s.origin}: ${entries.length} seeds, more than ${SEEDS_MAX}`);
  const seeds: Seed[] = [];
  for (const entry of entries) {
    const m = /^(\d{1,10})@(.+)$/.exec(entry);
    if (m === null) throw new ConfigError(`${s.origin}: expected ID@HOST:PORT (as KRaft's controller.quorum.voters), got '${entry}'`);
    const nodeId = Number(m[1]);
    if (nodeId > 2147483647) throw new ConfigError(`${s.origin}: node id ${m[1]} is out of range`);
    const address = parseHostPort(m[2], `${s.origin} '${entry}'`);
    const twin = seeds.find((x) => x.nodeId === nodeId || formatHostPort(x.address) === formatHostPort(address));
    if (twin !== undefined) {
      const what = twin.nodeId === nodeId ? `node id ${nodeId}` : `address ${formatHostPort(address)}`;
      throw new ConfigError(`${s.origin}: ${what} is listed twice`);
    }
    seeds.push({ nodeId, address });
  }
  return seeds.sort((a, b) => a.nodeId - b.nodeId);
}

/** The seeds as --seeds takes them, in id order: the canonical text of the voter set. */
export function formatSeeds(seeds: readonly Seed[]): string {
  return seeds.map((s) => `${s.nodeId}@${formatHostPort(s.address)}`).join(',');
}

function seedEntries(s: Setting): string[] {
  const parts = Array.isArray(s.value) ? s.value.map((v) => scalar({ value: v, origin: s.origin })) : scalar(s).split(',');
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}
