// RecordBatch v2 header: field offsets and a view over them.
// https://kafka.apache.org/documentation/#recordbatch
//
//   baseOffset: int64            @0
//   batchLength: int32           @8   bytes after this field
//   partitionLeaderEpoch: int32  @12  the Raft term, patched in by the leader
//   magic: int8                  @16  (2)
//   crc: uint32                  @17  CRC32C of everything from attributes to the end
//   attributes: int16            @21
//   lastOffsetDelta: int32       @23
//   baseTimestamp: int64         @27
//   maxTimestamp: int64          @35
//   producerId: int64            @43
//   producerEpoch: int16         @51
//   baseSequence: int32          @53
//   recordCount: int32           @57
//   records                      @61
//
// The leader patches baseOffset and partitionLeaderEpoch in place: the CRC does not cover them,
// so a produced batch is stored byte for byte as the client sent it otherwise.

import { readInt64, writeInt64 } from '../primitives.ts';

export const BASE_OFFSET = 0;
export const BATCH_LENGTH = 8;
export const PARTITION_LEADER_EPOCH = 12;
export const MAGIC = 16;
export const CRC = 17;
export const ATTRIBUTES = 21;
export const LAST_OFFSET_DELTA = 23;
export const BASE_TIMESTAMP = 27;
export const MAX_TIMESTAMP = 35;
export const PRODUCER_ID = 43;
export const PRODUCER_EPOCH = 51;
export const BASE_SEQUENCE = 53;
export const RECORD_COUNT = 57;
/** Size of the v2 batch header; the first record starts here. */
export const BATCH_HEADER_BYTES = 61;
/** baseOffset + batchLength: the batch length counts the bytes after these. */
export const BATCH_LENGTH_PREFIX_BYTES = 12;
/** Magic values before 2 are the legacy MessageSet formats (v0, v1). */
export const CURRENT_MAGIC = 2;

// Attribute bits.
export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_LOG_APPEND = 0x08;
export const TRANSACTIONAL = 0x10;
export const CONTROL = 0x20;
export const DELETE_HORIZON = 0x40;

export const enum Compression {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

export const NO_PRODUCER_ID = -1;
export const NO_SEQUENCE = -1;

/** Reads header fields of the batch starting at `pos` in `buf`. No validation here. */
export class BatchHeader {
  readonly view: DataView;
  constructor(
    readonly buf: Uint8Array,
    readonly pos = 0,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  get baseOffset(): number {
    return readInt64(this.view, this.pos + BASE_OFFSET);
  }
  set baseOffset(v: number) {
    writeInt64(this.view, this.pos + BASE_OFFSET, v);
  }
  get batchLength(): number {
    return this.view.getInt32(this.pos + BATCH_LENGTH);
  }
  /** Total bytes of this batch, header included. */
  get sizeBytes(): number {
    return BATCH_LENGTH_PREFIX_BYTES + this.batchLength;
  }
  get partitionLeaderEpoch(): number {
    return this.view.getInt32(this.pos + PARTITION_LEADER_EPOCH);
  }
  set partitionLeaderEpoch(v: number) {
    this.view.setInt32(this.pos + PARTITION_LEADER_EPOCH, v);
  }
  get magic(): number {
    return this.view.getInt8(this.pos + MAGIC);
  }
  get crc(): number {
    return this.view.getUint32(this.pos + CRC);
  }
  get attributes(): number {
    return this.view.getInt16(this.pos + ATTRIBUTES);
  }
  get compression(): Compression {
    return this.attributes & COMPRESSION_MASK;
  }
  get isTransactional(): boolean {
    return (this.attributes & TRANSACTIONAL) !== 0;
  }
  get isControl(): boolean {
    return (this.attributes & CONTROL) !== 0;
  }
  get lastOffsetDelta(): number {
    return this.view.getInt32(this.pos + LAST_OFFSET_DELTA);
  }
  get lastOffset(): number {
    return this.baseOffset + this.lastOffsetDelta;
  }
  get baseTimestamp(): number {
    return readInt64(this.view, this.pos + BASE_TIMESTAMP);
  }
  get maxTimestamp(): number {
    return readInt64(this.view, this.pos + MAX_TIMESTAMP);
  }
  get producerId(): number {
    return readInt64(this.view, this.pos + PRODUCER_ID);
  }
  get producerEpoch(): number {
    return this.view.getInt16(this.pos + PRODUCER_EPOCH);
  }
  get baseSequence(): number {
    return this.view.getInt32(this.pos + BASE_SEQUENCE);
  }
  get recordCount(): number {
    return this.view.getInt32(this.pos + RECORD_COUNT);
  }
}
