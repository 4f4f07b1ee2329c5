// Pure: the Produce request bench/produce-ceiling.ts sends again and again, and the reading of
// its answers. The frame is encoded once with the project's own codecs (src/protocol: the
// Produce definition, request header v1 or v2) and holds one valid v2 record batch per
// partition; acks=1 and no idempotence (producer id -1, sequence -1) mean the broker accepts
// the same bytes any number of times, so only the correlation id changes between sends, and
// it is written into the header bytes in place.

import { errorName } from '../src/protocol/errors.ts';
import { encodeRequestHeader, skipTaggedFields } from '../src/protocol/header.ts';
import { Produce } from '../src/protocol/messages/00-produce.ts';
import { Reader, Writer } from '../src/protocol/primitives.ts';
import { Compression } from '../src/protocol/records/batch.ts';
import { buildBatch, type CompressFn } from '../src/protocol/records/records.ts';
import { decoderFor, encoderFor, inRange, type ResponseOf } from '../src/protocol/schema.ts';

/** Size prefix (4), apiKey (2), apiVersion (2): the correlation id follows (request header v1 and v2). */
export const CORRELATION_ID_OFFSET = 8;
/** Largest answer the sender accepts (a named limit, as a client's receive.message.max.bytes). */
export const ANSWER_BYTES_MAX = 1 << 20;
/** Bytes of the pool of xorshift bytes that `random` and `mixed` records are windows into:
 *  larger than a batch, so no two records of a batch are the same (as rdkafka-bench.c does). */
const RANDOM_POOL_BYTES = 1 << 20;
/** Step between the windows of consecutive records, prime so windows rarely line up. */
const RANDOM_WINDOW_STEP = 4099;

/** alphabet: every record the same a..z (a codec's best case, as rdkafka-bench.c's default);
 *  random: incompressible (a codec's full cost for nothing); mixed: each record half random,
 *  half a..z, so a codec halves it (closer to real data than either). */
export type Payload = 'alphabet' | 'random' | 'mixed';
export const PAYLOADS: readonly Payload[] = ['alphabet', 'random', 'mixed'];

export type FrameSpec = {
  topic: string;
  partitions: number;
  /** Produce version: 3-8 send request header v1, 9-12 header v2 (flexible, KIP-482). */
  version: number;
  recordBytes: number;
  recordsPerBatch: number;
  compression: Compression;
  payload: Payload;
  /** CreateTime of every record (ms). */
  timestampMs: number;
  clientId: string;
  /** acks for the request: 1 (leader only) or -1 (all in-sync replicas). */
  acks: 1 | -1;
  timeoutMs: number;
};

export type ProduceFrame = {
  /** The whole request, size prefix included, correlation id 0. */
  bytes: Uint8Array;
  /** Record bytes (values, uncompressed) the request carries: what a user produced. */
  recordBytes: number;
  /** Records the request carries. */
  records: number;
  /** Whether the request (and so its answer) uses the flexible encoding. */
  flexible: boolean;
};

function xorshiftPool(bytes: number): Uint8Array {
  const pool = new Uint8Array(bytes);
  let x = 0x9e3779b9;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    pool[i] = x & 0xff;
  }
  return pool;
}

function alphabet(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = 0x61 + (i % 26);
  return out;
}

/** The value of record `index` of partition `partition`'s batch. */
function recordValue(spec: FrameSpec, pool: Uint8Array | null, partition: number, index: number): Uint8Array {
  const n = spec.recordBytes;
  if (spec.payload === 'alphabet') return alphabet(n);
  const at = ((partition * spec.recordsPerBatch + index) * RANDOM_WINDOW_STEP) % (RANDOM_POOL_BYTES - n);
  const random = pool!.subarray(at, at + n);
  if (spec.payload === 'random') return random;
  const half = Math.floor(n / 2);
  const out = alphabet(n);
  out.set(random.subarray(0, half));
  return out;
}

/** One v2 record batch for each partition 0..partitions-1 (what buildProduceFrame sends). */
export function buildPartitionBatches(spec: FrameSpec, compress: CompressFn): Uint8Array[] {
  if (spec.recordBytes > RANDOM_POOL_BYTES / 2) throw new Error(`records of ${spec.recordBytes} bytes: at most ${RANDOM_POOL_BYTES / 2}`);
  const pool = spec.payload === 'alphabet' ? null : xorshiftPool(RANDOM_POOL_BYTES);
  const batches: Uint8Array[] = [];
  for (let p = 0; p < spec.partitions; p++) {
    const records = [];
    for (let i = 0; i < spec.recordsPerBatch; i++) records.push({ value: recordValue(spec, pool, p, i), timestamp: spec.timestampMs });
    batches.push(buildBatch({ records, compression: spec.compression }, compress));
  }
  return batches;
}

/** One v2 record batch per partition 0..partitions-1, in one Produce request. */
export function buildProduceFrame(spec: FrameSpec, compress: CompressFn): ProduceFrame {
  if (!inRange(Produce.versions, spec.version) || spec.version > 12) {
    throw new Error(`Produce v${spec.version}: the frame names topics, so v3-12 (v13 names them by id, KIP-516)`);
  }
  const flexible = inRange(Produce.flexible, spec.version);
  const partitionData = buildPartitionBatches(spec, compress).map((records, index) => ({ index, records }));
  const w = new Writer(1 << 16);
  w.int32(0);
  encodeRequestHeader(w, { apiKey: Produce.apiKey, apiVersion: spec.version, correlationId: 0, clientId: spec.clientId }, flexible);
  encoderFor(Produce.request, spec.version, flexible)(w, {
    transactionalId: null,
    acks: spec.acks,
    timeoutMs: spec.timeoutMs,
    topicData: [{ name: spec.topic, partitionData }],
  });
  w.view.setInt32(0, w.pos - 4);
  const records = spec.partitions * spec.recordsPerBatch;
  return { bytes: w.bytes(), recordBytes: records * spec.recordBytes, records, flexible };
}

/** Writes `id` as the request's correlation id, in place. */
export function setCorrelationId(frame: Uint8Array, id: number): void {
  new DataView(frame.buffer, frame.byteOffset, frame.byteLength).setInt32(CORRELATION_ID_OFFSET, id);
}

/**
 * Counts whole answers in a stream of chunks, reading only each answer's 4-byte size and its
 * correlation id, which must follow `firstId` one by one (a connection answers in order). Keeps
 * the body of the answer whose correlation id is `keepId`, for a full decode.
 */
export class AnswerScanner {
  /** Bytes of the current answer still to skip. */
  private skip = 0;
  /** Size prefix and correlation id of the next answer, as they arrive. */
  private readonly head = new Uint8Array(8);
  private headFilled = 0;
  private keeping: { body: Uint8Array; filled: number } | null = null;
  private nextId: number;
  answers = 0;
  kept: Uint8Array | null = null;

  constructor(firstId: number, private readonly keepId: number) {
    this.nextId = firstId;
  }

  /** Reads `chunk`; returns the answers it completed, or an error text. */
  push(chunk: Uint8Array): number | string {
    const before = this.answers;
    let at = 0;
    while (at < chunk.length) {
      if (this.skip === 0) {
        const k = Math.min(8 - this.headFilled, chunk.length - at);
        this.head.set(chunk.subarray(at, at + k), this.headFilled);
        this.headFilled += k;
        at += k;
        if (this.headFilled < 8) break;
        this.headFilled = 0;
        const view = new DataView(this.head.buffer);
        const size = view.getInt32(0);
        const id = view.getInt32(4);
        if (size < 4 || size > ANSWER_BYTES_MAX) return `answer of ${size} bytes (limit ${ANSWER_BYTES_MAX})`;
        if (id !== this.nextId) return `correlation id ${id}, expected ${this.nextId}`;
        this.nextId = (this.nextId + 1) & 0x7fffffff;
        this.skip = size - 4;
        if (id === this.keepId) {
          this.keeping = { body: new Uint8Array(size), filled: 4 };
          this.keeping.body.set(this.head.subarray(4), 0);
        }
        if (this.skip === 0) this.finishAnswer();
        continue;
      }
      const k = Math.min(this.skip, chunk.length - at);
      if (this.keeping !== null) {
        this.keeping.body.set(chunk.subarray(at, at + k), this.keeping.filled);
        this.keeping.filled += k;
      }
      this.skip -= k;
      at += k;
      if (this.skip === 0) this.finishAnswer();
    }
    return this.answers - before;
  }

  private finishAnswer(): void {
    this.answers++;
    if (this.keeping !== null) {
      this.kept = this.keeping.body;
      this.keeping = null;
    }
  }
}

/**
 * Decodes one Produce answer (its body after the size prefix: response header, then the
 * response) and lists what is wrong with it: a partition missing, or one answering an error.
 * An empty list means every partition took its batch.
 */
export function checkProduceAnswer(body: Uint8Array, version: number, topic: string, partitions: number): string[] {
  const flexible = inRange(Produce.flexible, version);
  const r = new Reader(body);
  r.int32(); // correlation id
  if (flexible) skipTaggedFields(r); // response header v1
  const res: ResponseOf<typeof Produce> = decoderFor(Produce.response, version, flexible)(r);
  const problems: string[] = [];
  const seen = new Set<number>();
  for (const t of res.responses) {
    for (const p of t.partitionResponses) {
      seen.add(p.index);
      if (t.name !== topic) problems.push(`answer for topic ${t.name}`);
      else if (p.errorCode !== 0) problems.push(`partition ${p.index}: ${errorName(p.errorCode)}${p.errorMessage ? ` (${p.errorMessage})` : ''}`);
    }
  }
  for (let p = 0; p < partitions; p++) if (!seen.has(p)) problems.push(`partition ${p}: no answer`);
  return problems;
}
