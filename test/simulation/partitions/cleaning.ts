// The compacted runs of the partition simulation (params.compacted): every `cleanIntervalMs`
// each live replica's log gets a cleaning pass (storage/compaction.ts with the replica's rules,
// cluster/replica/cleaning.ts), interleaved with Raft's appends, crashes and elections (the pass
// yields a scheduler turn between slices). Each pass is checked (compaction-checker.ts
// checkCleaned: before and after images of the log), and at the end every replica's final log
// is checked against the committed history (checkFinal).

import type { Scheduler } from '../../../src/base/scheduler.ts';
import { compactLog, type ReplicatedCleaning } from '../../../src/storage/compaction.ts';
import { compress, decompress } from '../../../src/compression/index.ts';
import type { Codec } from '../../../src/storage/compaction-records.ts';
import type { ReplicatedPartition } from '../../../src/cluster/replica/replicated-partition.ts';
import type { KeyedRecords } from '../idempotent-producers.ts';
import type { PartitionChecker } from './checker.ts';
import { checkCleaned, checkFinal, imageOf } from './compaction-checker.ts';
import type { PartitionNode } from './partition-node.ts';

const codec: Codec = { compress, decompress: (type, bytes) => decompress(type, bytes, 64 * 1024 * 1024) };
/** Bytes a pass reads between two yields: small, so passes interleave with the replicas' work. */
const SIM_SLICE_BYTES = 1024;
/** Distinct keys of a compacted run: few, so that most records are superseded. */
const SIM_KEYS = 5;

/** One record in this many is a tombstone. */
const SIM_TOMBSTONE_EVERY = 7;
/** delete.retention.ms of a compacted run: short, so tombstones both stay a while and go within a run. */
export const SIM_DELETE_RETENTION_MS = 200;

function producedName(value: string): { producer: number; seq: number } {
  const m = /^p(\d+)s(\d+)$/.exec(value);
  if (m === null) throw new Error(`not a produced value: ${value}`);
  return { producer: Number(m[1]), seq: Number(m[2]) };
}

/** The keys and tombstones of a compacted run's records, from their names `p<id>s<seq>`. */
export const SIM_KEYED: KeyedRecords = {
  keyOf(value) {
    const { producer, seq } = producedName(value);
    return `k${(producer * 3 + seq) % SIM_KEYS}`;
  },
  isTombstone(value) {
    return producedName(value).seq % SIM_TOMBSTONE_EVERY === SIM_TOMBSTONE_EVERY - 1;
  },
};

export interface CleaningStats {
  passes: number;
  recordsCleaned: number;
  tombstonesRemoved: number;
}

export interface SimCleanerOptions {
  readonly scheduler: Scheduler;
  readonly nowMs: () => number;
  readonly report: (e: Error) => void;
  readonly trace: (line: string) => void;
  /** Tests: the rules the cleaner is given instead of the replica's own (a broken cleaner). */
  readonly rulesFor?: (own: ReplicatedCleaning, replica: ReplicatedPartition) => ReplicatedCleaning;
}

export class SimCleaner {
  readonly stats: CleaningStats = { passes: 0, recordsCleaned: 0, tombstonesRemoved: 0 };
  private readonly running = new Set<ReplicatedPartition>();

  constructor(private readonly o: SimCleanerOptions) {}

  /** A pass on every live replica that has none running. */
  cleanAll(nodes: readonly PartitionNode[], partitions: number): void {
    for (const n of nodes) {
      if (!n.alive) continue;
      for (let p = 0; p < partitions; p++) {
        const r = n.replica(p);
        if (r === undefined || r.storageFailure !== null || this.running.has(r)) continue;
        this.running.add(r);
        this.clean(n, p, r)
          .catch((e: unknown) => {
            if (n.alive && n.replica(p) === r) this.o.report(e as Error); // a crash mid-pass closes the log: not a failure
          })
          .finally(() => this.running.delete(r));
      }
    }
  }

  private async clean(n: PartitionNode, p: number, r: ReplicatedPartition): Promise<void> {
    const target = r.cleanerTarget();
    const own = target.replicated!();
    const rules = this.o.rulesFor?.(own, r) ?? own;
    const nowMs = this.o.nowMs();
    const before = imageOf(r.log);
    const result = await compactLog(r.log, target.config, {
      codec,
      nowMs,
      replicated: rules,
      limits: { sliceBytes: SIM_SLICE_BYTES },
      yieldNow: () => new Promise((resolve) => this.o.scheduler.nextTurn(resolve)),
    });
    if (result.outcome !== 'cleaned' || !n.alive || n.replica(p) !== r) return;
    const counts = checkCleaned(before, imageOf(r.log), { cleanableEndOffset: own.cleanableEndOffset, nowMs, deleteRetentionMs: target.config.deleteRetentionMs }, `n${n.id} partition ${p}`);
    this.stats.passes++;
    this.stats.tombstonesRemoved += counts.tombstonesRemoved;
    this.stats.recordsCleaned += result.recordsRemoved;
    this.o.trace(`n${n.id} partition ${p} cleaned below ${result.cleanedUpTo}: ${result.recordsRemoved} records removed, ${result.bytesBefore} -> ${result.bytesAfter} bytes`);
  }

  /** Every replica's final log against the committed history. */
  finalCheck(nodes: readonly PartitionNode[], partitions: number, checker: PartitionChecker): void {
    for (const n of nodes) {
      for (let p = 0; p < partitions; p++) {
        const r = n.replica(p);
        if (r !== undefined) checkFinal(imageOf(r.log), checker.history(p), SIM_KEYED, `n${n.id} partition ${p}`);
      }
    }
  }
}
