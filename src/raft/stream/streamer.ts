// The follower side of segment streaming (stream/README.md): a group whose leader's commit is
// far past its log end pulls the committed batches after it from the leader's segment files, a
// chunk at a time, instead of waiting for them entry by entry through the core's appends. Each
// chunk is checked (chunk.ts), written in one write at the log end hidden from the core, and
// shown to the core once a flush made it durable (GroupDriver.appendStreamed), so the follower
// acknowledges only what is on its disk. A session ends when the log is near the leader's commit
// (the normal path finishes: uncommitted entries and membership entries only ever go that way),
// or at the first thing that does not fit: a lost request, a refusal, a chunk that fails its
// check, a log that moved meanwhile, a role change. Raft's normal path repairs anything a
// session leaves (it only ever adds committed entries at the log end).

import { assert } from '../../base/assert.ts';
import { logger } from '../../base/log.ts';
import type { Index, NodeId, Term } from '../core/index.ts';
import type { GroupDriver } from '../group-driver.ts';
import type { GroupId, RaftTransport } from '../transport.ts';
import { checkChunk } from './chunk.ts';
import { RANGE_BYTES_MAX, type RangeAnswer, type RangeRequest, sessionContinues, STREAM_LAG_OFFSETS_MIN } from './protocol.ts';

const log = logger('raft');

/** Bytes asked for per request: one segment read on the serving node, one write here. */
export const STREAM_CHUNK_BYTES = 4 * 1024 * 1024;
/** Chunks written and not yet durable, per group: the next request overlaps the last flush. */
export const STREAM_CHUNKS_UNFLUSHED_MAX = 2;
/** Times a session asks again because Raft's normal path moved the log end meanwhile, before it gives up. */
export const STREAM_MOVES_MAX = 8;
/** Groups streaming at once on a node, so catch-up cannot crowd out the others' heartbeats. */
export const STREAM_SESSIONS_MAX = 4;

export interface StreamStats {
  sessions: number;
  chunks: number;
  bytes: number;
  /** Chunks that failed their check (chunk.ts): the session ended, nothing was written. */
  chunksRefused: number;
  /** Requests lost or answered with an error. */
  requestsLost: number;
}

type StreamPoint = { readonly from: Index; readonly prevTerm: Term };
type Fetch = (to: NodeId, request: RangeRequest) => Promise<RangeAnswer | null>;

/** When a session starts and how much it asks for at a time (the defaults above; simulations make them small). */
export interface StreamOptions {
  readonly lagOffsetsMin: number;
  readonly chunkBytes: number;
}

export const STREAM_DEFAULTS: StreamOptions = { lagOffsetsMin: STREAM_LAG_OFFSETS_MIN, chunkBytes: STREAM_CHUNK_BYTES };

export class SegmentStreamer {
  readonly stats: StreamStats = { sessions: 0, chunks: 0, bytes: 0, chunksRefused: 0, requestsLost: 0 };
  private readonly active = new Set<GroupId>();

  constructor(
    private readonly nodeId: NodeId,
    private readonly fetch: Fetch,
    private readonly options: StreamOptions = STREAM_DEFAULTS,
  ) {
    assert(options.lagOffsetsMin >= 1 && options.chunkBytes >= 1 && options.chunkBytes <= RANGE_BYTES_MAX, 'stream options');
  }

  /** The node's streamer, when its transport carries range requests and streaming is not turned off (null options). */
  static over(nodeId: NodeId, transport: RaftTransport, options: StreamOptions | null = STREAM_DEFAULTS): SegmentStreamer | null {
    const fetch = transport.fetchRange?.bind(transport);
    return fetch === undefined || options === null ? null : new SegmentStreamer(nodeId, fetch, options);
  }

  /** `leader` sent an append saying its commit is `commit`: start a session if far behind. */
  consider(d: GroupDriver, leader: NodeId, commit: Index): void {
    if (this.active.has(d.group) || this.active.size >= STREAM_SESSIONS_MAX || d.stopped || d.role !== 'follower') return;
    if (commit - d.storage.streamPoint().from + 1 < this.options.lagOffsetsMin) return;
    this.active.add(d.group);
    this.stats.sessions++;
    log.info(`raft: group ${d.group} on node ${this.nodeId} streams segments from node ${leader} (its commit ${commit}, the log ends at ${d.storage.streamPoint().from})`);
    void this.run(d, leader)
      .catch((e) => log.error(`raft: group ${d.group}: streaming failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => this.active.delete(d.group));
  }

  private async run(d: GroupDriver, leader: NodeId): Promise<void> {
    const unflushed: Promise<boolean>[] = [];
    const session = { chunks: 0, bytes: 0, from: d.storage.streamPoint().from, to: leader };
    const ask = (point: StreamPoint) => {
      session.to = d.leaderId ?? leader;
      return { point, answer: this.fetch(session.to, { group: d.group, from: point.from, prevTerm: point.prevTerm, bytesMax: this.options.chunkBytes }) };
    };
    let moves = 0;
    try {
      let pending = ask(d.storage.streamPoint());
      for (;;) {
        const answer = await pending.answer;
        const { from, prevTerm } = pending.point;
        if (answer === null) {
          this.stats.requestsLost++;
          break;
        }
        if (answer.status !== 'ok' || d.stopped || d.role !== 'follower') break;
        // After the await: the log may have moved (Raft's normal path wrote appends sent before
        // the leader saw the stream, a snapshot was installed): ask again from where it ends.
        const now = d.storage.streamPoint();
        if (now.from !== from || now.prevTerm !== prevTerm) {
          if (++moves > STREAM_MOVES_MAX) break;
          pending = ask(now);
          continue;
        }
        const check = checkChunk(answer.bytes, { firstIndex: from, prevTerm, termMax: d.term, bytesMax: RANGE_BYTES_MAX });
        if (!check.ok) {
          this.stats.chunksRefused++;
          log.warn(`raft: group ${d.group}: node ${session.to} streamed a chunk at ${from} this node refuses (${check.reason})`);
          break;
        }
        // The next chunk is asked for before this one is written, so the server's read and the
        // transfer overlap this node's write and fsync.
        const more = sessionContinues(answer.end, check.lastIndex);
        if (more) pending = ask({ from: check.lastIndex + 1, prevTerm: check.lastTerm });
        unflushed.push(d.appendStreamed(answer.bytes, from));
        this.stats.chunks++;
        this.stats.bytes += answer.bytes.length;
        session.chunks++;
        session.bytes += answer.bytes.length;
        if (unflushed.length >= STREAM_CHUNKS_UNFLUSHED_MAX && !(await unflushed.shift()!)) break;
        if (!more) break;
      }
    } finally {
      await Promise.all(unflushed);
      // One line per session that moved something: how an operator (and the bench) sees the path used.
      if (session.chunks > 0) {
        log.info(`raft: group ${d.group} on node ${this.nodeId} streamed ${session.chunks} chunks, ${session.bytes} bytes of segments from node ${session.to} (offsets ${session.from} to ${d.storage.streamPoint().from - 1})`);
      }
    }
  }
}
