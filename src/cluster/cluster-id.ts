// The cluster id of a data directory, kept in `meta.json` (`{"clusterId": "..."}`).
//
// A node that runs alone makes a random one the first time it starts (Kafka's cluster ids are
// random uuids too). A node started with --seeds derives it from the seed list instead: every
// node of a new cluster is given the same list (ids and RPC addresses, in KRaft's
// controller.quorum.voters syntax), so every node computes the same id before it has talked
// to anyone, which the RPC handshake needs before the first connection. KRaft gets the same
// agreement by asking the operator to format every node with one id (`kafka-storage format
// --cluster-id`); here the seed list is that id's source, and a node given a different list
// is in another cluster: its peers refuse it with both ids named.
//
// Once written, meta.json wins: a node keeps its cluster through seed list edits (a seed moved
// to a new address), and a data directory made by a lone node keeps its random id, so it is
// refused by a cluster rather than merged into it unnoticed.

import * as path from 'node:path';
import type { NodeDeps } from '../base/deps.ts';
import type { StorageFs } from '../base/fs.ts';
import type { Random } from '../base/random.ts';
import { formatSeeds, type Seed } from '../config/cluster-config.ts';
import { uuidToString, ZERO_UUID } from '../protocol/primitives.ts';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import { isObject, type MetadataFileSpec, Problem, readMetadataFile } from './metadata-file.ts';
import { newTopicId } from './topic-table.ts';

export const META_FILE_NAME = 'meta.json';

const META_FILE: MetadataFileSpec<string> = {
  holds: 'the cluster id of this node',
  remedy:
    'Restore it from a backup; or delete it and the node makes a new cluster id (clients that remember the old one will treat the node as a new cluster)',
  check: (doc) =>
    isObject(doc) && typeof doc.clusterId === 'string' && doc.clusterId.length > 0 ? doc.clusterId : new Problem('expected {"clusterId": "..."}'),
};

/** The cluster id stored in `dataDir`, or null when there is none yet. Writes nothing. */
export function readClusterId(fs: StorageFs, dataDir: string): string | null {
  return readMetadataFile(fs, path.join(dataDir, META_FILE_NAME), META_FILE);
}

/**
 * The stored cluster id; without one, a new id (derived from `seeds` when given, else random)
 * is written first. The data directory must exist and be this process's (locked).
 */
export function loadOrCreateClusterId(deps: Pick<NodeDeps, 'fs' | 'random'>, dataDir: string, seeds: readonly Seed[] | null): string {
  const stored = readClusterId(deps.fs, dataDir);
  if (stored !== null) return stored;
  const clusterId = newClusterId(deps.random, seeds);
  writeFileAtomic(deps.fs, path.join(dataDir, META_FILE_NAME), JSON.stringify({ clusterId }));
  return clusterId;
}

/** The id a data directory without meta.json gets: derived from the seeds, or random for a lone node. */
export function newClusterId(random: Random, seeds: readonly Seed[] | null): string {
  return seeds === null ? newTopicId(random) : clusterIdFromSeeds(seeds);
}

/**
 * A Kafka uuid (22 characters of base64) from the canonical seed list: FNV-1a over 128 bits.
 * Not a secret and not authentication (the handshake's cluster check guards against
 * misdirected traffic only); any two different lists collide with a chance of 2^-128.
 */
export function clusterIdFromSeeds(seeds: readonly Seed[]): string {
  const canonical = `freshet-cluster:${formatSeeds([...seeds].sort((a, b) => a.nodeId - b.nodeId))}`;
  for (let salt = 0; ; salt++) {
    const id = uuidToString(fnv1a128(salt === 0 ? canonical : `${canonical}#${salt}`), 0);
    // As for topic ids: Kafka reserves the zero uuid, and ids starting with '-' read badly on command lines.
    if (id !== ZERO_UUID && !id.startsWith('-')) return id;
  }
}

const FNV128_OFFSET = 0x6c62272e07bb014262b821756295c58dn;
const FNV128_PRIME = 0x0000000001000000000000000000013bn;
const MASK128 = (1n << 128n) - 1n;

function fnv1a128(text: string): Uint8Array {
  let h = FNV128_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * FNV128_PRIME) & MASK128;
  }
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(h & 0xffn);
    h >>= 8n;
  }
  return out;
}
