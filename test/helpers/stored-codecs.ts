// What compression the batches stored in a partition carry, read with a raw Fetch: librdkafka
// silently falls back to no compression when it believes the broker lacks a codec (it enables
// lz4 only when ApiVersions lists FindCoordinator), so a read-back of the values alone cannot
// tell whether the codec was exercised.

import { expect } from 'bun:test';
import { Fetch } from '../../src/protocol/messages/index.ts';
import { BatchHeader, BATCH_HEADER_BYTES, Compression } from '../../src/protocol/records/batch.ts';
import { RawClient } from './raw-client.ts';

export const CODEC_IDS: Readonly<Record<string, Compression>> = {
  none: Compression.None,
  gzip: Compression.Gzip,
  snappy: Compression.Snappy,
  lz4: Compression.Lz4,
  zstd: Compression.Zstd,
};

/** The compression ids of the batches from the start of the partition (first MiB). */
export async function storedCodecs(port: number, topic: string, partition: number): Promise<Set<number>> {
  const client = await RawClient.connect(port);
  try {
    const r = await client.send(Fetch, 11, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    });
    const records = r.responses[0].partitions[0].records ?? new Uint8Array(0);
    const codecs = new Set<number>();
    for (let pos = 0; pos + BATCH_HEADER_BYTES <= records.length; ) {
      const h = new BatchHeader(records, pos);
      codecs.add(h.compression);
      pos += h.sizeBytes;
    }
    return codecs;
  } finally {
    client.close();
  }
}

/**
 * The stored batches use `codec`: at least one batch carries it and none carries another.
 * librdkafka sends a batch uncompressed when compressing would not shrink it (a lone small
 * record, say), so uncompressed batches may sit beside the compressed ones.
 */
export async function expectStoredCodec(port: number, topic: string, partition: number, codec: string): Promise<void> {
  const id = CODEC_IDS[codec];
  const found = await storedCodecs(port, topic, partition);
  expect(found.has(id)).toBe(true);
  for (const c of found) expect([id, Compression.None]).toContain(c);
}
