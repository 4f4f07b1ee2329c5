// Sending the controller's snapshots (KIP-630's FetchSnapshot, in the shape of
// KafkaRaftClient.handleFetchSnapshotRequest): a member behind the leader's log start gets the
// core's InstallSnapshot (metadata only). Before the core sees it (`admit`), the bytes of the
// sender's latest snapshot are fetched (`cluster.fetch_snapshot`, snapshot-fetch.ts: chunked,
// by position), checked (CRC, id, records) and written here; only then is the message stepped,
// naming the snapshot fetched, so the core's answer (the follower holds the snapshot) is true.
// A newer leader's InstallSnapshot abandons a transfer in progress; a failed one starts over
// after FETCH_RETRY_MS. On the leader: chunks are served from the file (kept in memory while a
// transfer reads it, so a prune does not cut it short), and a follower sent InstallSnapshot that
// fetches nothing for FETCH_SILENCE_MS gets it again.

import type { Clock } from '../../base/clock.ts';
import { logger } from '../../base/log.ts';
import { type Scheduler, sleep } from '../../base/scheduler.ts';
import { DecodeError } from '../../protocol/primitives.ts';
import type { Index, InstallSnapshot } from '../../raft/core/index.ts';
import type { GroupDriver } from '../../raft/group-driver.ts';
import type { RpcEndpoint } from '../../rpc/index.ts';
import { decodeSnapshotFile, SNAPSHOT_FILE_BYTES_MAX, type SnapshotFile } from '../controller/snapshot-file.ts';
import { imageOf } from './metadata-state-machine.ts';
import { decodeFetchSnapshot, decodeFetchSnapshotAnswer, encodeFetchSnapshot, encodeFetchSnapshotAnswer, FETCH_SNAPSHOT, type FetchSnapshotAnswer, SNAPSHOT_CHUNK_BYTES_MAX } from './snapshot-fetch.ts';
import type { SnapshotId, SnapshotStore } from './snapshot-store.ts';

const log = logger('cluster');

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

export interface SnapshotTransferOptions {
  readonly store: SnapshotStore;
  readonly driver: () => GroupDriver | null;
  readonly rpc: RpcEndpoint;
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  readonly requestTimeoutMs: number;
  /** Bytes of snapshots fetched (stats). */
  readonly fetched: (bytes: number) => void;
}

export class SnapshotTransfer {
  /** The transfer in progress (one at a time); bumped to abandon it. */
  private fetching: { readonly from: number; readonly term: number; readonly index: Index } | null = null;
  private generation = 0;
  /** Leader: when each follower was first seen needing a snapshot, or last fetched a chunk. */
  private readonly installHeardMs = new Map<number, number>();
  /** The file last served, so a transfer's chunks are read from disk once. */
  private served: { readonly id: SnapshotId; readonly bytes: Uint8Array } | null = null;

  constructor(private readonly o: SnapshotTransferOptions) {}

  tick(): void {
    this.retrySilentInstalls();
  }

  close(): void {
    this.generation++;
    this.fetching = null;
  }

  // ---- the follower's side ----

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
      this.o.fetched(a.bytes.length);
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

  // ---- the leader's side ----

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
}
