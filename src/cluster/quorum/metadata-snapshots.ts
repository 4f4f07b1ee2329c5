// The controller group's snapshots (KIP-630, KRaft's metadata snapshots): written, loaded,
// compacted below and sent, so the metadata log stops growing forever and a restart does not
// replay it from its start.
//
// - Write: every member writes its applied image (MetadataStateMachine.snapshot) as one file
//   (controller/snapshot-file.ts, snapshot-store.ts) once the metadata bytes applied since the
//   last one pass `metadata.log.max.record.bytes.between.snapshots` (Kafka's key, 20 MiB), or
//   `metadata.log.max.snapshot.interval.ms` (1 h; 0 turns it off) has passed with something
//   applied since (KIP-876). As KRaft's SnapshotGenerator does, on every node, voter or learner.
// - Compact: the log is compacted (GroupDriver.compact: the journal's snapshot point first) up
//   to the second-newest snapshot, not the newest: a follower up to one snapshot interval
//   behind still gets entries instead of a whole snapshot (KRaft keeps the log above its latest
//   snapshot for metadata.log.segment.ms / bytes for the same reason). So the log's snapshot
//   point is always a snapshot file this node holds, which is what InstallSnapshot names.
//   Files older than the two newest and below the log's snapshot point are deleted.
// - Load: on start the newest snapshot that reads back whole (a torn or corrupt one skipped
//   with a WARN) at or after the log's snapshot point is the image; the core still hands every
//   committed entry after the point, and the state machine skips those the snapshot holds.
// - Send: a member behind the leader's log start fetches the leader's snapshot before its core
//   sees the InstallSnapshot (snapshot-transfer.ts); the Ready's install then loads the image
//   from that file (`installed`), and the broker is told (a load: topics that vanished are
//   deleted, new ones created; then the sweep).
//
// Methods the simulation's broken nodes replace: `installed`, `compactionTarget`.

import { logger } from '../../base/log.ts';
import type { Clock } from '../../base/clock.ts';
import type { Scheduler } from '../../base/scheduler.ts';
import type { Entry, Index, InstallSnapshot, SnapshotMeta } from '../../raft/core/index.ts';
import type { GroupDriver } from '../../raft/group-driver.ts';
import type { RpcEndpoint } from '../../rpc/index.ts';
import type { MetadataStateMachine } from './metadata-state-machine.ts';
import type { SnapshotId, SnapshotStore } from './snapshot-store.ts';
import { SnapshotTransfer } from './snapshot-transfer.ts';

const log = logger('cluster');

/** Snapshot files kept: the newest, and the one the log is compacted to. */
export const SNAPSHOTS_KEPT = 2;

export interface SnapshotPolicy {
  /** metadata.log.max.record.bytes.between.snapshots */
  readonly maxBytesBetween: number;
  /** metadata.log.max.snapshot.interval.ms (0: no snapshot by time) */
  readonly maxIntervalMs: number;
}

export interface MetadataSnapshotsOptions {
  readonly store: SnapshotStore;
  readonly stateMachine: MetadataStateMachine;
  readonly driver: () => GroupDriver | null;
  readonly rpc: RpcEndpoint;
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  readonly policy: SnapshotPolicy;
  readonly requestTimeoutMs: number;
}

export interface SnapshotStats {
  written: number;
  /** Snapshots fetched from a leader and installed. */
  installed: number;
  compactions: number;
  fetchedBytes: number;
}

export class MetadataSnapshots {
  readonly stats: SnapshotStats = { written: 0, installed: 0, compactions: 0, fetchedBytes: 0 };
  /** The snapshot loaded at start, if any. */
  loadedAtOpen: SnapshotId | null = null;
  /**
   * Called by `sweepIfDue` once the image is at least as new as anything on this node's disk
   * after a snapshot load: the broker sweeps its topic directories.
   */
  onSweep: (() => void) | null = null;
  private bytesSince = 0;
  private lastIndex: Index = -1;
  private lastAtMs: number;
  private compacting = false;
  /** A snapshot was written, loaded or installed: the log may be compacted further (tried on each tick until it is). */
  private wantCompaction = false;
  private sweepAt: Index | null = null;
  /** Start-up: the log's end at open, until the image reaches it (then logged once, with the time it took). */
  private replay: { readonly to: Index; readonly fromSnapshot: Index | null; readonly startMs: number } | null = null;
  /** Fetching a leader's snapshot before the core sees its InstallSnapshot, and serving ours (snapshot-transfer.ts). */
  private readonly transfer: SnapshotTransfer;

  constructor(private readonly o: MetadataSnapshotsOptions) {
    this.lastAtMs = o.clock.monotonicMs();
    this.transfer = new SnapshotTransfer({ ...o, fetched: (bytes) => (this.stats.fetchedBytes += bytes) });
    o.stateMachine.onApplied((entries, records) => {
      if (records !== null) this.applied(entries);
    });
  }

  /** Loads the newest sound snapshot at or after the log's snapshot point; throws when the log needs one and none reads back. */
  loadAtOpen(point: SnapshotMeta, logLastIndex: Index): void {
    const sm = this.o.stateMachine;
    const startMs = this.o.clock.monotonicMs();
    const s = this.o.store.newestValid(point.index, (f) => sm.load(f, f.index));
    this.replay = { to: logLastIndex, fromSnapshot: s?.index ?? null, startMs };
    if (s === null) {
      if (point.index >= 0) {
        throw new Error(`the controller log starts after offset ${point.index} but no snapshot at or after it reads back whole in ${this.o.store.dir}: remove the node's raft directory to rejoin from the leader`);
      }
      sm.load(null, point.index);
      this.replayed();
      return;
    }
    this.loadedAtOpen = { index: s.index, term: s.term };
    this.lastIndex = s.index;
    this.wantCompaction = true;
    // Deletions this node applied before the snapshot are in it; its disk is swept once the
    // image also holds everything its log held (topics created after the snapshot are there).
    this.sweepAt = Math.max(s.index, logLastIndex);
    log.info(`cluster: loaded the controller snapshot at offset ${s.index} (term ${s.term}, ${s.state.length} bytes) in ${Math.round(this.o.clock.monotonicMs() - startMs)} ms; the log is replayed after it`);
    this.replayed();
  }

  /** Logs once that the image holds everything the log held at start (a restart's cost: bench/controller-restart.ts reads it). */
  private replayed(): void {
    const r = this.replay;
    if (r === null || this.o.stateMachine.appliedIndex < r.to) return;
    this.replay = null;
    const from = r.fromSnapshot === null ? 'the log from its start' : `the snapshot at offset ${r.fromSnapshot} and the log after it`;
    log.info(`cluster: metadata caught up with the log's end at start (offset ${r.to}) from ${from} in ${Math.round(this.o.clock.monotonicMs() - r.startMs)} ms`);
  }


  tick(): void {
    const { policy, clock } = this.o;
    if (policy.maxIntervalMs > 0 && this.o.stateMachine.appliedIndex > this.lastIndex && clock.monotonicMs() - this.lastAtMs >= policy.maxIntervalMs) this.write('time');
    if (this.wantCompaction && !this.compacting) this.compact();
    this.transfer.tick();
  }


  close(): void {
    this.transfer.close();
  }

  /** Whether the core may see this InstallSnapshot now; false while its snapshot is being fetched. */
  admit(m: InstallSnapshot): boolean {
    return this.transfer.admit(m);
  }

  /** Serves a chunk of one of this node's snapshot files (the `cluster.fetch_snapshot` request). */
  serve(from: number, body: Uint8Array): Uint8Array {
    return this.transfer.serve(from, body);
  }

  /** Where the log may be compacted to: the second-newest snapshot this node holds (-1: nowhere). */
  compactionTarget(): Index {
    const ids = this.o.store.list();
    return ids.length >= SNAPSHOTS_KEPT ? ids[ids.length - SNAPSHOTS_KEPT].index : -1;
  }

  // ---- write ----

  private applied(entries: readonly Entry[]): void {
    for (const e of entries) if (e.kind === 'data') this.bytesSince += e.payload.length;
    if (this.bytesSince >= this.o.policy.maxBytesBetween) this.write('bytes');
    this.replayed();
  }

  private write(why: 'bytes' | 'time'): void {
    const d = this.o.driver();
    const sm = this.o.stateMachine;
    const index = sm.appliedIndex;
    if (d === null || d.stopped || index <= this.lastIndex) return;
    const term = d.raft.termAt(index);
    if (term === null) return;
    const since = this.bytesSince;
    this.bytesSince = 0;
    this.lastAtMs = this.o.clock.monotonicMs();
    const snap = sm.snapshot(term);
    try {
      this.o.store.write({ index, term, membership: d.storage.membershipAt(index), state: snap.state });
    } catch (e) {
      // A full disk or an I/O error: the log keeps growing until the next attempt works.
      log.error(`cluster: writing the controller snapshot at offset ${index} failed: ${e instanceof Error ? e.message : e}`);
      return;
    }
    this.lastIndex = index;
    this.stats.written++;
    this.wantCompaction = true;
    log.info(`cluster: wrote the controller snapshot at offset ${index} (term ${term}, ${snap.state.length} bytes; ${why === 'bytes' ? `${since} metadata bytes applied since the last` : 'metadata.log.max.snapshot.interval.ms passed'})`);
    this.compact();
  }

  private compact(): void {
    const d = this.o.driver();
    const target = this.compactionTarget();
    if (d === null || this.compacting) return;
    if (target <= d.storage.snapshot().index) {
      this.wantCompaction = false;
      this.prune();
      return;
    }
    this.compacting = true;
    void d.compact(target).then((ok) => {
      this.compacting = false;
      if (!ok) return; // not applied or flushed that far yet: the next tick tries again
      this.wantCompaction = false;
      this.stats.compactions++;
      log.info(`cluster: controller log compacted: it now starts at offset ${target + 1}`);
      this.prune();
    });
  }

  /** Deletes snapshots beyond the newest SNAPSHOTS_KEPT that are below the log's snapshot point (never the one it names). */
  private prune(): void {
    const d = this.o.driver();
    if (d === null) return;
    const point = d.storage.snapshot().index;
    const ids = this.o.store.list();
    for (const id of ids.slice(0, Math.max(0, ids.length - SNAPSHOTS_KEPT))) {
      if (id.index >= point) continue;
      this.o.store.remove(id);
    }
  }

  /**
   * Runs the sweep when one is due: the broker calls it after it has reconciled each apply and
   * load (a deletion must be reconciled before the sweep looks at what the broker still holds).
   */
  sweepIfDue(): void {
    if (this.sweepAt === null || this.onSweep === null || this.o.stateMachine.appliedIndex < this.sweepAt) return;
    this.sweepAt = null;
    this.onSweep();
  }

  /** The Ready installed a snapshot from the leader: the image becomes that file's (admit fetched it). */
  installed(meta: SnapshotMeta): void {
    const id = this.o.store.find(meta.index);
    const s = id === null ? { error: 'missing' } : this.o.store.read(id);
    if ('error' in s) throw new Error(`the installed controller snapshot at offset ${meta.index} cannot be read: ${s.error}`);
    // Nothing on this node's disk is newer than the leader's snapshot: the broker sweeps once it
    // has reconciled the load.
    this.sweepAt = s.index;
    this.o.stateMachine.load(s, s.index);
    this.lastIndex = s.index;
    this.bytesSince = 0;
    this.stats.installed++;
    this.wantCompaction = true;
    log.info(`cluster: installed the controller snapshot at offset ${s.index} (term ${s.term}) from the leader`);
    this.prune();
  }
}
