import { expect, test } from 'bun:test';
import { ManualClock } from '../../../src/base/clock.ts';
import { systemScheduler } from '../../../src/base/scheduler.ts';
import { Partition } from '../../../src/cluster/partition.ts';
import { effectiveTopicConfig } from '../../../src/config/topic-config.ts';
import { crc32c } from '../../../src/protocol/records/crc32c.ts';
import { buildBatch } from '../../../src/protocol/records/records.ts';
import { PartitionLog } from '../../../src/storage/partition-log.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { ProducerState } from '../../../src/transactions/producer-state.ts';

function durablePartition(fs: SimStorageFs): Partition {
  const clock = new ManualClock();
  const log = PartitionLog.open('/data/kafka/t/0', {}, { fs, clock, crc32c });
  const topic = { name: 't', id: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: 1, configs: {} };
  return new Partition(topic, 0, log, effectiveTopicConfig({}, new Map()), true, new ProducerState({ clock }), { clock, scheduler: systemScheduler });
}

function appended(p: Partition, b: Uint8Array): { baseOffset: number; lastOffset: number } {
  const r = p.append(b);
  if (!r.ok) throw new Error(`append refused: ${r.error.message}`);
  return r;
}

const batch = (n: number) => buildBatch({ records: Array.from({ length: n }, (_, i) => ({ value: `v${i}`, timestamp: 1 })) });

test('an append and its acks=all wait cost one fsync, and the high watermark follows it', async () => {
  const fs = new SimStorageFs();
  const p = durablePartition(fs);
  const before = fs.fsyncCalls;
  const r = appended(p, batch(3));
  expect(p.highWatermark).toBe(0); // nothing is visible before it is durable
  await p.waitDurable(r.lastOffset + 1);
  expect(fs.fsyncCalls - before).toBe(1);
  expect(p.highWatermark).toBe(3);
});

test('appends of one turn share a flush; a failed flush rejects the waits', async () => {
  const fs = new SimStorageFs();
  const p = durablePartition(fs);
  const before = fs.fsyncCalls;
  const waits = [1, 2, 3].map(() => p.waitDurable(appended(p, batch(1)).lastOffset + 1));
  await Promise.all(waits);
  expect(fs.fsyncCalls - before).toBe(1);

  fs.failFsyncs = 1;
  const failed = p.waitDurable(appended(p, batch(1)).lastOffset + 1);
  await expect(failed).rejects.toThrow();
  expect(p.highWatermark).toBe(3);
});

function partitionWithRetry(fs: SimStorageFs, retryMs: number): Partition {
  const clock = new ManualClock();
  const log = PartitionLog.open('/data/kafka/t/0', {}, { fs, clock, crc32c });
  const topic = { name: 't', id: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: 1, configs: {} };
  return new Partition(topic, 0, log, effectiveTopicConfig({}, new Map()), true, new ProducerState({ clock }), { clock, scheduler: systemScheduler }, retryMs);
}

test('a write the disk refuses is KAFKA_STORAGE_ERROR as a value; the next one goes through', () => {
  const fs = new SimStorageFs();
  const p = partitionWithRetry(fs, 5);
  fs.failAppends = 1;
  const r = p.append(batch(2));
  expect(r).toEqual({ ok: false, error: { code: ErrorCode.KAFKA_STORAGE_ERROR, message: 't-0: the disk is full' } });
  expect(appended(p, batch(2)).baseOffset).toBe(0);
});

test('after a failed fsync the partition repairs its log by itself and the high watermark moves on', async () => {
  const fs = new SimStorageFs();
  const p = partitionWithRetry(fs, 5);
  fs.failFsyncs = 3; // the first flush and the first repair attempts fail
  const first = appended(p, batch(2));
  await expect(p.waitDurable(first.lastOffset + 1)).rejects.toThrow();
  const refused = p.append(batch(1));
  expect(refused.ok).toBe(false);
  let woken = 0;
  p.onProgress(() => woken++);
  for (let i = 0; i < 200 && p.highWatermark < 2; i++) await Bun.sleep(5);
  expect(p.highWatermark).toBe(2); // the batch appended before the failure, written again
  expect(woken).toBeGreaterThan(0);
  expect(appended(p, batch(1)).baseOffset).toBe(2);
  p.close();
});
