// What the broker checks on a produced `records` field before appending it, after Kafka's
// ProduceRequest.validateRecords and LogValidator (storage/.../log/LogValidator.java).
//
// Pure: the clock reading (nowMs) and the decompressor are passed in. Errors are values.
// Error codes, in the order the checks run, with Kafka's reasons:
//   no batch / more than one batch (Produce v3+)         INVALID_RECORD
//   magic != 2: Kafka 4 answers Produce v3+ with "only allowed to contain record batches with
//     magic version 2" (KIP-724 removed formats v0/v1)  INVALID_RECORD
//   batch shorter than a header, batchLength past the bytes, bytes after the last batch,
//   CRC mismatch, undecodable compressed payload         CORRUPT_MESSAGE
//   batch larger than max.message.bytes, or decompressing past the decompressed-size limit
//                                                         MESSAGE_TOO_LARGE
//   compression id > 4, zstd before Produce v7           UNSUPPORTED_COMPRESSION_TYPE
//   control batch from a client, producer id without a sequence, transactional without a
//   producer id, recordCount / lastOffsetDelta / inner offsetDeltas inconsistent, malformed
//   record, trailing bytes in the records section, record count of a compressed batch wrong,
//   record without key on a compacted topic              INVALID_RECORD, per record
//   CreateTime record outside message.timestamp.before/after.max.ms   INVALID_TIMESTAMP, per record
//
// Per-record errors (KIP-467) are collected for the whole batch as LogValidator does, one per
// bad record (a missing key wins over the timestamp), and reject the batch with its records'
// indexes and messages: INVALID_TIMESTAMP if any is a timestamp error, else INVALID_RECORD,
// with LogValidator.processRecordErrors' summary as the message. Every other check stops at the
// first problem and names no record.
//
// Kafka trims bytes after the last whole batch silently; we refuse them (no client sends them).
//
// Rewrites, in place, with the CRC recomputed (DefaultRecordBatch.setMaxTimestamp):
//   LogAppendTime topic: timestamp-type bit set, maxTimestamp = nowMs. baseTimestamp is kept,
//     as Kafka keeps it: consumers read every record's timestamp as maxTimestamp when the bit is
//     set, and baseTimestamp still anchors the record deltas.
//   CreateTime topic: the bit cleared and maxTimestamp set to the true maximum of the records
//     when the producer's header disagrees.

import { type KafkaError, ErrorCode, kafkaError } from '../errors.ts';
import { readInt64, writeInt64 } from '../primitives.ts';
import {
  ATTRIBUTES,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  BATCH_HEADER_BYTES,
  BATCH_LENGTH,
  BATCH_LENGTH_PREFIX_BYTES,
  COMPRESSION_MASK,
  CONTROL,
  CRC,
  CURRENT_MAGIC,
  Compression,
  LAST_OFFSET_DELTA,
  MAGIC,
  MAX_TIMESTAMP,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORD_COUNT,
  TIMESTAMP_TYPE_LOG_APPEND,
  TRANSACTIONAL,
} from './batch.ts';
import { crc32c } from './crc32c.ts';
import { type RecordError, RecordErrors } from './record-errors.ts';

export type { RecordError } from './record-errors.ts';

export type TimestampType = 'CreateTime' | 'LogAppendTime';

export interface RecordsValidationConfig {
  /** max.message.bytes: the largest batch accepted, header included. */
  maxMessageBytes: number;
  /** message.timestamp.type */
  timestampType: TimestampType;
  /** message.timestamp.before.max.ms (KIP-937); CreateTime only. Absent = unbounded. */
  messageTimestampBeforeMaxMs?: number;
  /** message.timestamp.after.max.ms (KIP-937); CreateTime only. Absent = unbounded. */
  messageTimestampAfterMaxMs?: number;
  /** cleanup.policy contains compact: every record needs a key. */
  compacted?: boolean;
  /** Refuse compressed batches that inflate beyond this (decompression bombs). */
  maxDecompressedBytes?: number;
}

export interface ValidateOptions {
  /** The Produce version, if the bytes come from a Produce request (enables its rules). */
  produceVersion?: number;
  /** "topic-partition", for the per-record messages (Kafka's TopicPartition.toString). */
  topicPartition?: string;
}

/** Injected: decompress with an output bound; throws on corrupt input or the bound. */
export type DecompressFn = (type: Compression, bytes: Uint8Array, maxOutputBytes: number) => Uint8Array;

/** Default bound on one batch's decompressed records: 64 MiB, 64x the default max.message.bytes. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

export interface ValidatedBatch {
  /** Offset of the batch within the validated bytes. */
  pos: number;
  sizeBytes: number;
  recordCount: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  /** After any rewrite (LogAppendTime or corrected CreateTime maximum). */
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  isTransactional: boolean;
  isControl: boolean;
  compression: Compression;
}

export type ValidationResult =
  | { ok: true; batches: ValidatedBatch[] }
  | { ok: false; error: KafkaError; recordErrors?: readonly RecordError[] };

/** The part of a batch before magic: baseOffset, batchLength, partitionLeaderEpoch, magic. */
const HEADER_BYTES_UP_TO_MAGIC = MAGIC + 1;
const MAX_COMPRESSION_ID = Compression.Zstd;
/** Produce v7 added zstd (KIP-110). */
const PRODUCE_VERSION_ZSTD = 7;

class InvalidRecords extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly recordErrors?: readonly RecordError[],
  ) {
    super(message);
  }
}

type Failure = { ok: false; error: KafkaError; recordErrors?: readonly RecordError[] };

function fail(code: number, message: string, recordErrors?: readonly RecordError[]): Failure {
  return recordErrors === undefined ? { ok: false, error: kafkaError(code, message) } : { ok: false, error: kafkaError(code, message), recordErrors };
}

/** Validates (and, for timestamps, rewrites in place) the batches in `bytes`. */
export function validateRecords(
  bytes: Uint8Array,
  config: RecordsValidationConfig,
  nowMs: number,
  decompress: DecompressFn,
  options: ValidateOptions = {},
): ValidationResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const batches: ValidatedBatch[] = [];
  const v = options.produceVersion;
  let pos = 0;
  while (pos < bytes.length) {
    if (v !== undefined && batches.length === 1) {
      return fail(ErrorCode.INVALID_RECORD, `Produce requests with version ${v} are only allowed to contain exactly one record batch per partition`);
    }
    const r = validateBatch(bytes, view, pos, config, nowMs, decompress, options);
    if ('error' in r) return r;
    batches.push(r);
    pos += r.sizeBytes;
  }
  if (batches.length === 0) {
    return fail(ErrorCode.INVALID_RECORD, `Produce requests must have at least one record batch per partition`);
  }
  return { ok: true, batches };
}

function validateBatch(
  bytes: Uint8Array,
  view: DataView,
  pos: number,
  config: RecordsValidationConfig,
  nowMs: number,
  decompress: DecompressFn,
  options: ValidateOptions,
): ValidatedBatch | Failure {
  const produceVersion = options.produceVersion;
  const remaining = bytes.length - pos;
  if (remaining < HEADER_BYTES_UP_TO_MAGIC) {
    return fail(ErrorCode.CORRUPT_MESSAGE, `${remaining} bytes after the last batch, less than a batch header`);
  }
  const magic = view.getInt8(pos + MAGIC);
  if (magic !== CURRENT_MAGIC) {
    return fail(ErrorCode.INVALID_RECORD, `only record batches with magic version 2 are allowed, got magic ${magic}`);
  }
  const batchLength = view.getInt32(pos + BATCH_LENGTH);
  if (batchLength < BATCH_HEADER_BYTES - BATCH_LENGTH_PREFIX_BYTES) {
    return fail(ErrorCode.CORRUPT_MESSAGE, `batch length ${batchLength} is less than the minimum header size`);
  }
  const sizeBytes = BATCH_LENGTH_PREFIX_BYTES + batchLength;
  if (sizeBytes > remaining) {
    return fail(ErrorCode.CORRUPT_MESSAGE, `batch length ${batchLength} runs past the ${remaining} bytes given`);
  }
  if (sizeBytes > config.maxMessageBytes) {
    return fail(ErrorCode.MESSAGE_TOO_LARGE, `batch of ${sizeBytes} bytes exceeds max.message.bytes ${config.maxMessageBytes}`);
  }
  const end = pos + sizeBytes;
  const storedCrc = view.getUint32(pos + CRC);
  const crc = crc32c(bytes, pos + ATTRIBUTES, end);
  if (crc !== storedCrc) {
    return fail(ErrorCode.CORRUPT_MESSAGE, `record batch is corrupt (stored crc = ${storedCrc}, computed crc = ${crc})`);
  }
  const attributes = view.getInt16(pos + ATTRIBUTES);
  const compression = (attributes & COMPRESSION_MASK) as Compression;
  if (compression > MAX_COMPRESSION_ID) {
    return fail(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `unknown compression type id ${compression}`);
  }
  if (compression === Compression.Zstd && produceVersion !== undefined && produceVersion < PRODUCE_VERSION_ZSTD) {
    return fail(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `Produce requests with version ${produceVersion} are not allowed to use ZStandard compression`);
  }
  if ((attributes & CONTROL) !== 0) {
    return fail(ErrorCode.INVALID_RECORD, 'clients are not allowed to write control records');
  }
  const producerId = readInt64(view, pos + PRODUCER_ID);
  const baseSequence = view.getInt32(pos + BASE_SEQUENCE);
  const isTransactional = (attributes & TRANSACTIONAL) !== 0;
  if (producerId >= 0 && baseSequence < 0) {
    return fail(ErrorCode.INVALID_RECORD, `invalid sequence number ${baseSequence} for producer id ${producerId}`);
  }
  if (isTransactional && producerId < 0) {
    return fail(ErrorCode.INVALID_RECORD, 'transactional batch without a producer id');
  }
  const recordCount = view.getInt32(pos + RECORD_COUNT);
  const lastOffsetDelta = view.getInt32(pos + LAST_OFFSET_DELTA);
  if (recordCount <= 0) return fail(ErrorCode.INVALID_RECORD, `invalid record count ${recordCount}`);
  if (lastOffsetDelta + 1 !== recordCount) {
    return fail(ErrorCode.INVALID_RECORD, `inconsistent batch offset range (lastOffsetDelta ${lastOffsetDelta}) and record count ${recordCount}`);
  }

  const baseTimestamp = readInt64(view, pos + BASE_TIMESTAMP);
  const logAppendTime = config.timestampType === 'LogAppendTime';
  let maxTimestamp: number;
  try {
    const where = { baseOffset: readInt64(view, pos), topicPartition: options.topicPartition };
    const maxDelta = walkPayload(bytes, pos + BATCH_HEADER_BYTES, end, compression, recordCount, baseTimestamp, config, nowMs, decompress, where);
    maxTimestamp = logAppendTime ? nowMs : baseTimestamp + maxDelta;
  } catch (e) {
    if (e instanceof InvalidRecords) return fail(e.code, e.message, e.recordErrors);
    throw e;
  }

  // Rewrite the timestamp type and maxTimestamp if they differ from what the topic says.
  const wantAttributes = logAppendTime ? attributes | TIMESTAMP_TYPE_LOG_APPEND : attributes & ~TIMESTAMP_TYPE_LOG_APPEND;
  if (wantAttributes !== attributes || readInt64(view, pos + MAX_TIMESTAMP) !== maxTimestamp) {
    view.setInt16(pos + ATTRIBUTES, wantAttributes);
    writeInt64(view, pos + MAX_TIMESTAMP, maxTimestamp);
    view.setUint32(pos + CRC, crc32c(bytes, pos + ATTRIBUTES, end));
  }
  return {
    pos,
    sizeBytes,
    recordCount,
    lastOffsetDelta,
    baseTimestamp,
    maxTimestamp,
    producerId,
    producerEpoch: view.getInt16(pos + PRODUCER_EPOCH),
    baseSequence,
    isTransactional,
    isControl: false,
    compression,
  };
}

/** What per-record messages name: the batch's base offset as sent and the partition. */
interface RecordLocation {
  baseOffset: number;
  topicPartition: string | undefined;
}

/**
 * Walks the (decompressed) records; returns the largest timestampDelta. Throws InvalidRecords:
 * at once for a malformed record, after the last record for per-record errors.
 */
function walkPayload(
  bytes: Uint8Array,
  start: number,
  end: number,
  compression: Compression,
  recordCount: number,
  baseTimestamp: number,
  config: RecordsValidationConfig,
  nowMs: number,
  decompress: DecompressFn,
  where: RecordLocation,
): number {
  let buf = bytes;
  if (compression !== Compression.None) {
    const limit = config.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
    try {
      buf = decompress(compression, bytes.subarray(start, end), limit);
    } catch (e) {
      const kind = (e as { kind?: string }).kind;
      const message = e instanceof Error ? e.message : String(e);
      if (kind === 'limit') throw new InvalidRecords(ErrorCode.MESSAGE_TOO_LARGE, message);
      if (kind === 'unsupported') throw new InvalidRecords(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, message);
      throw new InvalidRecords(ErrorCode.CORRUPT_MESSAGE, `cannot decompress batch: ${message}`);
    }
    start = 0;
    end = buf.length;
  }
  // Each record takes at least 7 bytes; a count above the bytes is malformed before we loop.
  if (recordCount > end - start) {
    throw new InvalidRecords(ErrorCode.INVALID_RECORD, `record count ${recordCount} exceeds the ${end - start} bytes of records`);
  }
  const minTs = config.messageTimestampBeforeMaxMs === undefined ? -Infinity : nowMs - config.messageTimestampBeforeMaxMs;
  const maxTs = config.messageTimestampAfterMaxMs === undefined ? Infinity : nowMs + config.messageTimestampAfterMaxMs;
  const checkTs = config.timestampType === 'CreateTime' && (minTs !== -Infinity || maxTs !== Infinity);
  const needKey = config.compacted === true;
  const errors = new RecordErrors(where.topicPartition);
  let maxDelta = -Infinity;
  let p = start;
  for (let i = 0; i < recordCount; i++) {
    const r = walkRecord(buf, p, end, i);
    if (r < 0) throw new InvalidRecords(ErrorCode.INVALID_RECORD, walkError);
    p = r;
    if (walkTimestampDelta > maxDelta) maxDelta = walkTimestampDelta;
    if (needKey && walkKeyLength < 0) {
      errors.missingKey(i);
      continue;
    }
    if (checkTs) {
      const ts = baseTimestamp + walkTimestampDelta;
      if (ts < minTs || ts > maxTs) errors.timestamp(i, ts, where.baseOffset + i, minTs, maxTs);
    }
  }
  if (p !== end) {
    throw new InvalidRecords(ErrorCode.INVALID_RECORD, `${end - p} bytes after the last of ${recordCount} records`);
  }
  const rejected = errors.rejection();
  if (rejected !== null) throw new InvalidRecords(rejected.code, rejected.message, rejected.recordErrors);
  return maxDelta;
}

// The walker reports through these instead of allocating a result per record.
let walkPos = 0;
let walkEnd = 0;
let walkTimestampDelta = 0;
/** The last record's key length; -1 is a null key. */
let walkKeyLength = 0;
let walkError = '';

/** Zig-zag varint at walkPos (bounded by walkEnd), or NaN if it runs past or overflows. */
function varint(buf: Uint8Array, maxBytes: number): number {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < maxBytes; i++) {
    if (walkPos >= walkEnd) return NaN;
    const b = buf[walkPos++];
    result += (b & 0x7f) * mul;
    if (b < 0x80) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
    mul *= 128;
  }
  return NaN;
}

/** Skips a varint-length-prefixed byte field; minLength -1 allows null. Returns length or NaN. */
function skipField(buf: Uint8Array, minLength: number): number {
  const n = varint(buf, 5);
  if (!(n >= minLength) || n > walkEnd - walkPos) return NaN;
  if (n > 0) walkPos += n;
  return n;
}

/**
 * Checks one record at p without allocating; returns the position after it, or -1 with
 * walkError set. Sets walkTimestampDelta and walkKeyLength.
 */
function walkRecord(buf: Uint8Array, p: number, sectionEnd: number, index: number): number {
  walkPos = p;
  walkEnd = sectionEnd;
  const length = varint(buf, 5);
  if (!(length >= 1) || length > sectionEnd - walkPos) {
    walkError = `record ${index}: invalid record length ${length}`;
    return -1;
  }
  const recordEnd = walkPos + length;
  walkEnd = recordEnd;
  walkPos++; // attributes
  const tsDelta = varint(buf, 10);
  const offsetDelta = varint(buf, 5);
  if (Number.isNaN(tsDelta) || Number.isNaN(offsetDelta)) {
    walkError = `record ${index}: truncated header`;
    return -1;
  }
  if (offsetDelta !== index) {
    walkError = `record ${index} has offsetDelta ${offsetDelta}; inner offsets must be consecutive from 0`;
    return -1;
  }
  const keyLength = skipField(buf, -1);
  if (Number.isNaN(keyLength) || Number.isNaN(skipField(buf, -1))) {
    walkError = `record ${index}: invalid key or value length`;
    return -1;
  }
  const headers = varint(buf, 5);
  if (!(headers >= 0) || headers > recordEnd - walkPos) {
    walkError = `record ${index}: invalid header count ${headers}`;
    return -1;
  }
  for (let h = 0; h < headers; h++) {
    if (Number.isNaN(skipField(buf, 0)) || Number.isNaN(skipField(buf, -1))) {
      walkError = `record ${index}: invalid header ${h}`;
      return -1;
    }
  }
  if (walkPos !== recordEnd) {
    walkError = `record ${index}: declares ${length} bytes but its fields take ${walkPos - (recordEnd - length)}`;
    return -1;
  }
  walkTimestampDelta = tsDelta;
  walkKeyLength = keyLength;
  return recordEnd;
}
