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
// - Send: a member behind the leader's log start gets the core's InstallSnapshot (metadata
//   only). Before the core sees it (`admit`), the snapshot's bytes are fetched from the sender
//   (`cluster.fetch_snapshot`, snapshot-fetch.ts: chunked, by position), checked (CRC, id,
//   membership, records) and written here; only then is the message stepped, so the core's
//   answer (the follower now holds the snapshot) is true, and the Ready's install loads the
//   image from that file (`installed`). A newer leader's InstallSnapshot abandons a transfer
//   in progress and starts the new one; a failed chunk starts over after FETCH_RETRY_MS.
//
// Methods the simulation's broken nodes replace: `installed`, `compactionTarget`.

import { log } from '../../base/log.ts';
import type { Clock } from '../../base/clock.ts';
import { type Scheduler, sleep } from '../../base/scheduler.ts';
import { DecodeError } from '../../protocol/primitives.ts';
import type { Entry, Index, InstallSnapshot, SnapshotMeta } from '../../raft/core/index.ts';
import type { GroupDriver } from '../../raft/group-driver.ts';
import type { RpcEndpoint } from '../../rpc/index.ts';
import { decodeSnapshotFile, SNAPSHOT_FILE_BYTES_MAX, type SnapshotFile } from '../controller/snapshot-file.ts';
import { imageOf, type MetadataStateMachine } from './metadata-state-machine.ts';
import { decodeFetchSnapshot, decodeFetchSnapshotAnswer, encodeFetchSnapshot, encodeFetchSnapshotAnswer, FETCH_SNAPSHOT, type FetchSnapshotAnswer, SNAPSHOT_CHUNK_BYTES_MAX } from './snapshot-fetch.ts';
import type { SnapshotId, SnapshotStore } from './snapshot-store.ts';

/** Snapshot files kept: the newest, and the one the log is compacted to. */
export const SNAPSHOTS_KEPT = 2;
/** A failed transfer starts over after this (the leader would resend only after snapshotTimeoutTicks). */
export const FETCH_RETRY_MS = 500;
/** Attempts of one transfer before it waits for the leader's next InstallSnapshot. */
export const FETCH_ATTEMPTS_MAX = 20;
/**
 * A leader whose follower has been sent InstallSnapshot and has fetched nothing for this long
 * takes the message as lost (the follower was down, or gave up) and probes it again, which
 * sends a new InstallSnapshot: etcd's ReportSnapshot(failure), without waiting the core's
 * snapshotTimeoutTicks (10 s). Above the request timeout (2 s), so a chunk in flight on a slow
 * link is not taken for silence.
 */
export const FETCH_SILENCE_MS = 3_000;

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
  /** The transfer in progress (one at a time); bumped to abandon it. */
  private fetching: { readonly from: number; readonly term: number; readonly index: Index } | null = null;
  private generation = 0;
  /** Leader: when each follower was first seen needing a snapshot, or last fetched a chunk. */
  private readonly installHeardMs = new Map<number, number>();
  /** The file last served, so a transfer's chunks are read from disk once. */
  private served: { readonly id: SnapshotId; readonly bytes: Uint8Array } | null = null;

  constructor(private readonly o: MetadataSnapshotsOptions) {
    this.lastAtMs = o.clock.monotonicMs();
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
    this.retrySilentInstalls();
  }

  /** Leader: a follower sent InstallSnapshot that fetches nothing for FETCH_SILENCE_MS is probed again. */
  private retrySilentInstalls(): void {
    const d = this.o.driver();
    if (d === null || d.role !== 'leader') {
      this.installHeardMs.clear();
      return;
    }
    const now = this.o.clock.monotonicMs();
    for (const [id, p] of d.status().progress ?? []) {
      if (p.state !== 'snapshot') {
        this.installHeardMs.delete(id);
        continue;
      }
      const heard = this.installHeardMs.get(id);
      if (heard === undefined) this.installHeardMs.set(id, now);
      else if (now - heard >= FETCH_SILENCE_MS) {
        log.info(`cluster: node ${id} fetched nothing of the controller snapshot for ${FETCH_SILENCE_MS} ms: sending InstallSnapshot again`);
        d.raft.reportSnapshotFailed(id);
        this.installHeardMs.delete(id);
      }
    }
  }

  close(): void {
    this.generation++;
    this.fetching = null;
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

  // ---- send: the follower's side ----

  /** Whether the core may see this InstallSnapshot now; false while its snapshot is being fetched. */
  admit(m: InstallSnapshot): boolean {
    const d = this.o.driver();
    if (d === null || m.term < d.term) return true; // the core refuses a stale leader's message itself
    const s = m.snapshot;
    // Our log holds or commits the point already: the core only acknowledges, nothing is replaced.
    if (s.index <= d.raft.commit || d.raft.termAt(s.index) === s.term) return true;
    const held = this.o.store.find(s.index);
    if (held !== null && held.term === s.term && !('error' in this.o.store.read(held))) return true;
    // A transfer from this leader is under way (it fetches the latest snapshot, whatever this one names).
    const f = this.fetching;
    if (f !== null && f.from === m.from && f.term === m.term) return false;
    const generation = ++this.generation;
    this.fetching = { from: m.from, term: m.term, index: s.index };
    void this.fetch(m, generation);
    return false;
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

  private async fetch(m: InstallSnapshot, generation: number): Promise<void> {
    const { index, term } = m.snapshot;
    for (let attempt = 1; attempt <= FETCH_ATTEMPTS_MAX; attempt++) {
      const got = await this.fetchOnce(m, generation);
      if (generation !== this.generation) return;
      if (typeof got !== 'string') {
        log.info(`cluster: fetched the controller snapshot at offset ${got.index} (term ${got.term}, ${got.state.length} bytes of state) from node ${m.from}, asked for offset ${index} (term ${term})`);
        this.fetching = null;
        const d = this.o.driver();
        // Only now does the core see the InstallSnapshot (and answer it), unless a newer term
        // came. It names the snapshot fetched: the sender's log start may have moved past the
        // one its message named (both are its committed state; the answer's match covers either).
        if (d !== null && !d.stopped && d.term <= m.term) d.step({ ...m, snapshot: { index: got.index, term: got.term, membership: got.membership } });
        return;
      }
      log.warn(`cluster: fetching the controller snapshot from node ${m.from} failed (attempt ${attempt}): ${got}`);
      await sleep(this.o.scheduler, FETCH_RETRY_MS);
      if (generation !== this.generation) return;
    }
    this.fetching = null;
  }

  /**
   * One whole transfer of the snapshot the sender's log starts after (the first answer names
   * it): the file fetched, checked and written; else why not.
   */
  private async fetchOnce(m: InstallSnapshot, generation: number): Promise<SnapshotFile | string> {
    let id: SnapshotId = { index: -1, term: -1 };
    let buf: Uint8Array | null = null;
    let position = 0;
    while (buf === null || position < buf.length) {
      const q = { index: id.index, term: id.term, position, maxBytes: SNAPSHOT_CHUNK_BYTES_MAX };
      const res = await this.o.rpc.request(m.from, FETCH_SNAPSHOT, (w) => encodeFetchSnapshot(w, q), this.o.requestTimeoutMs);
      if (generation !== this.generation) return 'abandoned';
      if (!res.ok) return `${res.error}: ${res.message}`;
      let a: FetchSnapshotAnswer;
      try {
        a = decodeFetchSnapshotAnswer(res.body);
      } catch (e) {
        return `a bad answer: ${e instanceof Error ? e.message : e}`;
      }
      if (a.error !== 'none') return a.error;
      if (buf === null) {
        buf = new Uint8Array(a.size);
        id = { index: a.index, term: a.term };
      }
      if (a.index !== id.index || a.term !== id.term || a.size !== buf.length || position + a.bytes.length > a.size || (a.bytes.length === 0 && position < a.size)) return `a chunk of ${a.bytes.length} bytes at ${position} of ${a.size}`;
      buf.set(a.bytes, position);
      position += a.bytes.length;
      this.stats.fetchedBytes += a.bytes.length;
    }
    let s: SnapshotFile;
    try {
      s = decodeSnapshotFile(buf);
      imageOf(s.state);
    } catch (e) {
      if (e instanceof DecodeError) return `the snapshot does not read back: ${e.message}`;
      throw e;
    }
    if (s.index !== id.index || s.term !== id.term) return `the snapshot named ${id.index}-${id.term} holds ${s.index}-${s.term}`;
    this.o.store.writeBytes(id, buf);
    return s;
  }

  // ---- send: the leader's side ----

  /** Serves a chunk of one of this node's snapshot files (the `cluster.fetch_snapshot` request). */
  serve(from: number, body: Uint8Array): Uint8Array {
    const q = decodeFetchSnapshot(body);
    if (this.installHeardMs.has(from)) this.installHeardMs.set(from, this.o.clock.monotonicMs());
    const point = this.o.driver()?.storage.snapshot();
    // No snapshot named: the one the log starts after (the file there is never pruned).
    const want: SnapshotId | null = q.index >= 0 ? { index: q.index, term: q.term } : point !== undefined && point.index >= 0 ? { index: point.index, term: point.term } : null;
    if (want === null) return encodeFetchSnapshotAnswer({ error: 'snapshot_not_found' });
    let bytes: Uint8Array | null = null;
    // A transfer in progress keeps being served from memory even once its file is pruned.
    if (this.served !== null && this.served.id.index === want.index && this.served.id.term === want.term) bytes = this.served.bytes;
    else {
      const id = this.o.store.find(want.index);
      bytes = id !== null && id.term === want.term ? this.o.store.readBytes(id) : null;
      if (bytes !== null && bytes.length <= SNAPSHOT_FILE_BYTES_MAX) this.served = { id: want, bytes };
    }
    if (bytes === null || bytes.length > SNAPSHOT_FILE_BYTES_MAX) return encodeFetchSnapshotAnswer({ error: 'snapshot_not_found' });
    if (q.position > bytes.length) return encodeFetchSnapshotAnswer({ error: 'position_out_of_range' });
    return encodeFetchSnapshotAnswer({ error: 'none', ...want, size: bytes.length, bytes: bytes.subarray(q.position, q.position + q.maxBytes) });
  }
}
