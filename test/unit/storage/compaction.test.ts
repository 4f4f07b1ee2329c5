import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { ManualClock } from '../../../src/base/clock.ts';
import { systemScheduler } from '../../../src/base/scheduler.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';
import { compactLog, type CompactionConfig, planCompaction } from '../../../src/storage/compaction.ts';
import { LogCleaner } from '../../../src/storage/cleaner.ts';
import type { PartitionLog } from '../../../src/storage/partition-log.ts';
import type { SwapStep } from '../../../src/storage/compaction-swap.ts';
import { BatchHeader, Compression, CONTROL, DELETE_HORIZON, TRANSACTIONAL } from '../../../src/protocol/records/batch.ts';
import { batchesIn } from '../../../src/storage/batch-scan.ts';
import { openLog, prng } from './helpers.ts';
import { codec, isDataBatch, keyed, latestByKey, NO_LAG, readBack, type ReadRecord, records } from './compaction-helpers.ts';

const DIR = '/data/kafka/t/0';

/** Record counts of the batches in `bytes`. */
function readBackBytes(bytes: Uint8Array): number[] {
  return batchesIn(bytes).map((b) => new BatchHeader(bytes, b.position).recordCount);
}
const SEGMENT_BYTES = 400;

/** A log of `updates` single-record batches cycling over `keys` keys, in small segments. */
function updatesLog(updates: number, keys: number, opts: { fs?: SimStorageFs; clock?: ManualClock; ts?: (i: number) => number } = {}) {
  const fs = opts.fs ?? new SimStorageFs();
  const clock = opts.clock ?? new ManualClock();
  const log = openLog(fs, DIR, { segmentBytes: SEGMENT_BYTES }, clock);
  for (let i = 0; i < updates; i++) log.append(keyed([[`k${i % keys}`, `v${i}`]], { ts: opts.ts?.(i) ?? clock.nowMs() }), 1);
  return { fs, clock, log };
}

function clean(log: PartitionLog, clock: ManualClock, config: CompactionConfig = NO_LAG, extra: Parameters<typeof compactLog>[2] extends infer D ? Partial<D> : never = {}) {
  return compactLog(log, config, { codec, nowMs: clock.nowMs(), ...extra });
}

/**
 * What compaction promises: every record left was there before at the same offset; below
 * `cleanedUpTo` each key appears at most once, and only as its latest record below that point;
 * the latest record of every key survives (tombstones aside, which the caller checks).
 */
function expectCompacted(before: ReadRecord[], after: ReadRecord[], cleanedUpTo: number): void {
  const byOffset = new Map(before.map((r) => [r.offset, r]));
  for (const r of after) expect(byOffset.get(r.offset)).toEqual(r);
  const latestBelow = latestByKey(before.filter((r) => r.offset < cleanedUpTo));
  const seen = new Set<string>();
  for (const r of after.filter((r) => r.offset < cleanedUpTo)) {
    expect(seen.has(r.key!)).toBe(false);
    seen.add(r.key!);
    expect(latestBelow.get(r.key!)!.offset).toBe(r.offset);
  }
  const afterLatest = latestByKey(after);
  for (const [key, latest] of latestByKey(before)) {
    if (latest.value !== null) expect(afterLatest.get(key)).toEqual(latest);
  }
}

describe('compaction keeps the latest record per key', () => {
  test('duplicates below the active segment go; offsets, log end and latest values stay', async () => {
    const { log, clock } = updatesLog(120, 5);
    const before = records(log);
    const segmentsBefore = log.segmentCount;
    const activeBase = log.compactionView().segments.at(-1)!.baseOffset;
    const r = await clean(log, clock);
    expect(r.outcome).toBe('cleaned');
    expect(r.cleanedUpTo).toBe(activeBase);
    const after = records(log);
    expectCompacted(before, after, r.cleanedUpTo);
    expect(after.filter((x) => x.offset < activeBase).length).toBe(5);
    expect(log.logEndOffset).toBe(120);
    // Groups left without records continue into the next group: no segment of only empty batches.
    expect(log.segmentCount).toBeLessThan(segmentsBefore / 2);
    await clean(log, clock);
    expect(records(log)).toEqual(after);
    for (const s of log.compactionView().segments) expect(s.sizeBytes).toBeLessThanOrEqual(SEGMENT_BYTES);
    // Appends continue after the cleaned segments.
    expect(log.append(keyed([['k0', 'new']]), 1).baseOffset).toBe(120);
  });

  test('each cleaned segment ends with the last batch of the segments it replaced; no segment holds only empty batches', async () => {
    const { log, clock } = updatesLog(60, 1);
    await clean(log, clock);
    const segs = log.compactionView().segments;
    for (let i = 0; i + 1 < segs.length; i++) expect(segs[i].nextOffset).toBe(segs[i + 1].baseOffset);
    const batches = readBack(log);
    const empty = batches.filter((b) => b.records.length === 0);
    for (const b of empty) expect(b.lastOffset + 1).toBe(segs.find((s) => s.nextOffset === b.lastOffset + 1)!.nextOffset);
    // A consumer reading from the start gets records in every answer (one segment per read).
    for (let at = 0; at < log.logEndOffset; ) {
      const r = log.read(at, 1_000_000, { minOneBatch: true });
      expect(readBackBytes(r.bytes).some((n) => n > 0)).toBe(true);
      at = r.nextOffset;
    }
  });

  test('a second pass maps only the new dirty section and keeps what the first kept', async () => {
    const { log, clock } = updatesLog(80, 4);
    await clean(log, clock);
    for (let i = 80; i < 160; i++) log.append(keyed([[`k${i % 6}`, `v${i}`]]), 1);
    const before = records(log);
    const r = await clean(log, clock);
    expect(r.cleanedUpTo).toBe(log.compactionView().segments.at(-1)!.baseOffset);
    expectCompacted(before, records(log), r.cleanedUpTo);
  });

  test('reopening a compacted log recovers it, also when every segment is rescanned (gaps inside segments)', async () => {
    const { fs, log, clock } = updatesLog(100, 3);
    await clean(log, clock);
    const after = records(log);
    await log.close();
    const reopened = openLog(fs, DIR, { segmentBytes: SEGMENT_BYTES }, clock);
    expect(records(reopened)).toEqual(after);
    await reopened.close();
    fs.unlink(join(DIR, 'leader-epoch-checkpoint')); // forces the scan of every segment
    fs.unlink(join(DIR, 'recovery-point'));
    const rescanned = openLog(fs, DIR, { segmentBytes: SEGMENT_BYTES }, clock);
    expect(rescanned.recoveredTruncatedBytes).toBe(0);
    expect(records(rescanned)).toEqual(after);
    expect(rescanned.logEndOffset).toBe(100);
  });

  test('a bounded offset map cleans in several passes to the same answer', async () => {
    const { log, clock } = updatesLog(150, 10);
    const before = records(log);
    const activeBase = log.compactionView().segments.at(-1)!.baseOffset;
    let passes = 0;
    let upTo = 0;
    while (upTo < activeBase) {
      const r = await clean(log, clock, NO_LAG, { limits: { offsetMapBytesMax: 150 } });
      expect(r.cleanedUpTo).toBeGreaterThan(upTo);
      upTo = r.cleanedUpTo;
      passes++;
    }
    expect(passes).toBeGreaterThan(2);
    expectCompacted(before, records(log), upTo);
    // Keys whose latest record is in an earlier pass's range keep one record each.
    expect(records(log).filter((x) => x.offset < activeBase).length).toBeLessThanOrEqual(10 * passes);
  });

  test('records without keys are removed (Kafka drops them; produce refuses them on compacted topics)', async () => {
    const clock = new ManualClock();
    const log = openLog(new SimStorageFs(), DIR, { segmentBytes: 200 }, clock);
    log.append(keyed([['a', '1']]), 1);
    log.append(keyed([['a', '2']]).fill(0, 0, 0), 1);
    for (let i = 0; i < 6; i++) log.append(keyed([['b', `x${i}`]]), 1);
    await clean(log, clock);
    expect(records(log).filter((r) => r.key === 'a').map((r) => r.value)).toEqual(['2']);
  });
});

describe('tombstones', () => {
  test('a tombstone stays until delete.retention.ms after its batch was first cleaned, then goes', async () => {
    const clock = new ManualClock();
    const fs = new SimStorageFs();
    const log = openLog(fs, DIR, { segmentBytes: SEGMENT_BYTES }, clock);
    const t0 = clock.nowMs() - 5_000;
    log.append(keyed([['gone', 'a']], { ts: t0 }), 1);
    log.append(keyed([['kept', 'b']], { ts: t0 }), 1);
    log.append(keyed([['gone', null]], { ts: t0 + 1 }), 1); // offset 2
    for (let i = 0; i < 20; i++) log.append(keyed([[`f${i % 2}`, `x${i}`]], { ts: t0 }), 1);
    const config = { ...NO_LAG, deleteRetentionMs: 1_000 };

    await clean(log, clock, config);
    let gone = records(log).filter((r) => r.key === 'gone');
    expect(gone).toEqual([{ offset: 2, key: 'gone', value: null, timestamp: t0 + 1 }]);
    const marked = readBack(log).find((b) => b.baseOffset === 2)!;
    expect(marked.attributes & DELETE_HORIZON).toBe(DELETE_HORIZON);
    expect(marked.baseTimestamp).toBe(clock.nowMs() + 1_000);

    clock.advance(999);
    await clean(log, clock, config);
    expect(records(log).filter((r) => r.key === 'gone').length).toBe(1);

    clock.advance(2);
    await clean(log, clock, config);
    gone = records(log).filter((r) => r.key === 'gone');
    expect(gone).toEqual([]);
    expect(records(log).find((r) => r.key === 'kept')?.value).toBe('b');
    // Survives a reopen.
    await log.close();
    const again = openLog(fs, DIR, { segmentBytes: SEGMENT_BYTES }, clock);
    expect(records(again).some((r) => r.key === 'gone')).toBe(false);
  });

  test('the cleaner comes back for a log once a horizon it set has passed', async () => {
    const clock = new ManualClock();
    const log = openLog(new SimStorageFs(), DIR, { segmentBytes: SEGMENT_BYTES }, clock);
    log.append(keyed([['x', null]]), 1);
    for (let i = 0; i < 20; i++) log.append(keyed([['y', `${i}`]]), 1);
    const target = { name: 't-0', log, config: { deleteRetentionMs: 1_000, minCompactionLagMs: 0, minCleanableDirtyRatio: 0.5 } };
    const cleaner = new LogCleaner({ codec, clock, scheduler: systemScheduler });
    expect(cleaner.choose([target], clock.nowMs())).toBe(target);
    await cleaner.clean(target);
    expect(cleaner.choose([target], clock.nowMs())).toBeNull(); // nothing dirty, horizon ahead
    clock.advance(1_001);
    expect(cleaner.choose([target], clock.nowMs())).toBe(target);
    await cleaner.clean(target);
    expect(records(log).some((r) => r.key === 'x')).toBe(false);
    expect(cleaner.choose([target], clock.nowMs())).toBeNull();
  });
});

describe('what is not compacted', () => {
  test('min.compaction.lag.ms: segments holding records newer than the lag are left alone', async () => {
    const clock = new ManualClock();
    const now = clock.nowMs();
    // 60 old updates, then 60 recent ones, of the same 3 keys.
    const { log } = updatesLog(120, 3, { clock, ts: (i) => (i < 60 ? now - 60_000 : now - 1_000) });
    const before = records(log);
    const config = { ...NO_LAG, minCompactionLagMs: 10_000 };
    const plan = planCompaction(log, config, now);
    const firstRecent = log.compactionView().segments.find((s) => s.maxTimestamp > now - 10_000)!.baseOffset;
    expect(plan.firstUncleanableOffset).toBe(firstRecent);
    const r = await clean(log, clock, config);
    expect(r.cleanedUpTo).toBe(firstRecent);
    const after = records(log);
    expect(after.filter((x) => x.offset >= firstRecent)).toEqual(before.filter((x) => x.offset >= firstRecent));
    expectCompacted(before, after, firstRecent);
  });

  test('min.cleanable.dirty.ratio: the cleaner waits until the dirty share reaches it', async () => {
    const { log, clock } = updatesLog(100, 40);
    const config = { ...NO_LAG, minCleanableDirtyRatio: 0.5 };
    const target = { name: 't-0', log, config };
    const cleaner = new LogCleaner({ codec, clock, scheduler: systemScheduler });
    expect(cleaner.choose([target], clock.nowMs())).toBe(target); // never cleaned: all dirty
    await cleaner.clean(target);
    // A few more updates: a small dirty share next to the cleaned bytes.
    for (let i = 0; i < 8; i++) log.append(keyed([[`k${i % 2}`, `w${i}`]]), 1);
    const plan = planCompaction(log, config, clock.nowMs());
    expect(plan.dirtyRatio).toBeLessThan(0.5);
    expect(cleaner.choose([target], clock.nowMs())).toBeNull();
    for (let i = 0; i < 60; i++) log.append(keyed([[`k${i % 2}`, `z${i}`]]), 1);
    expect(planCompaction(log, config, clock.nowMs()).dirtyRatio).toBeGreaterThanOrEqual(0.5);
    expect(cleaner.choose([target], clock.nowMs())).toBe(target);
  });

  test('control and transactional batches are kept whole and stay out of the map', async () => {
    const clock = new ManualClock();
    const log = openLog(new SimStorageFs(), DIR, { segmentBytes: SEGMENT_BYTES }, clock);
    log.append(keyed([['k', 'old']]), 1);
    log.append(keyed([['k', 'txn']], { transactional: true }), 1);
    log.append(keyed([['k', 'ctl']], { control: true }), 1);
    for (let i = 0; i < 20; i++) log.append(keyed([[`f`, `${i}`]]), 1);
    await clean(log, clock);
    const batches = readBack(log);
    expect(batches.find((b) => b.baseOffset === 1)!.attributes & TRANSACTIONAL).toBe(TRANSACTIONAL);
    expect(batches.find((b) => b.baseOffset === 2)!.attributes & CONTROL).toBe(CONTROL);
    // k=old is not superseded by a transactional record (it could be aborted): it stays.
    expect(records(log).filter((r) => r.key === 'k').map((r) => r.value)).toEqual(['old', 'txn', 'ctl']);
  });
});

describe('compressed batches', () => {
  for (const [name, compression] of [['gzip', Compression.Gzip], ['snappy', Compression.Snappy], ['lz4', Compression.Lz4], ['zstd', Compression.Zstd]] as const) {
    test(`${name}: decompressed, filtered, re-compressed with the same codec`, async () => {
      const clock = new ManualClock();
      const log = openLog(new SimStorageFs(), DIR, { segmentBytes: 1_000 }, clock);
      for (let i = 0; i < 30; i++) {
        log.append(keyed([[`a`, `a${i}`], [`b${i % 4}`, `b${i}`], [`c`, i % 7 === 0 ? null : `c${i}`]], { compression }), 1);
      }
      const before = records(log);
      const r = await clean(log, clock);
      const after = records(log);
      expectCompacted(before, after, r.cleanedUpTo);
      expect(r.recordsRemoved).toBeGreaterThan(0);
      for (const b of readBack(log).filter((b) => b.records.length > 0 && isDataBatch(b))) expect(b.attributes & 0x07).toBe(compression);
    });
  }
});

describe('crash safety and concurrent use', () => {
  for (const step of ['cleaned', 'swap', 'final'] as SwapStep[]) {
    test(`a crash at the "${step}" step recovers to the ${step === 'cleaned' ? 'old' : 'new'} segments`, async () => {
      const { fs, log, clock } = updatesLog(90, 4);
      await log.flush();
      const before = records(log);
      const crash = new Error('power cut');
      const hook = (s: SwapStep) => {
        if (s !== step) return;
        fs.crash({ tornTail: true, random: prng(7) });
        throw crash;
      };
      await expect(clean(log, clock, NO_LAG, { swapHook: hook })).rejects.toBe(crash);
      const reopened = openLog(fs, DIR, { segmentBytes: SEGMENT_BYTES }, clock);
      expect(fs.readdir(DIR).filter((n) => n.endsWith('.cleaned') || n.endsWith('.swap'))).toEqual([]);
      const after = records(reopened);
      expect(reopened.logEndOffset).toBe(90);
      if (step === 'cleaned') expect(after).toEqual(before);
      else {
        expectCompacted(before, after, reopened.compactionView().segments.at(-1)!.baseOffset);
        expect(after.length).toBeLessThan(before.length);
      }
      // A later pass works on the recovered log, and a second reopen changes nothing.
      await clean(reopened, clock);
      const final = records(reopened);
      await reopened.close();
      expect(records(openLog(fs, DIR, { segmentBytes: SEGMENT_BYTES }, clock))).toEqual(final);
    });
  }

  test('reads and appends between slices see whole batches, before and after the swap', async () => {
    const { log, clock } = updatesLog(120, 6);
    const before = records(log);
    const beforeOffsets = new Map(before.map((r) => [r.offset, r]));
    const random = prng(11);
    let slices = 0;
    let appended = 120;
    const yieldNow = async () => {
      slices++;
      // A reader anywhere in the log gets whole batches that hold records as written.
      const at = Math.floor(random() * log.logEndOffset);
      const got = log.read(at, 300, { minOneBatch: true });
      expect(got.outOfRange).toBe(false);
      expect(got.nextOffset).toBeGreaterThan(at);
      log.append(keyed([[`k${appended % 6}`, `v${appended}`]]), 1);
      appended++;
    };
    const r = await clean(log, clock, NO_LAG, { limits: { sliceBytes: 1 }, yieldNow });
    expect(r.outcome).toBe('cleaned');
    expect(slices).toBeGreaterThan(50);
    const after = records(log);
    for (const x of after.filter((x) => x.offset < 120)) expect(beforeOffsets.get(x.offset)).toEqual(x);
    expect(after.filter((x) => x.offset >= 120).length).toBe(appended - 120);
  });

  test('a truncation during the pass abandons it and leaves no files behind', async () => {
    const { fs, log, clock } = updatesLog(100, 3);
    const before = records(log);
    let once = true;
    const yieldNow = async () => {
      if (!once) return;
      once = false;
      log.truncateSuffix(95);
    };
    const r = await clean(log, clock, NO_LAG, { limits: { sliceBytes: 1 }, yieldNow });
    expect(r.outcome).toBe('abandoned');
    expect(fs.readdir(DIR).filter((n) => n.endsWith('.cleaned') || n.endsWith('.swap'))).toEqual([]);
    expect(records(log)).toEqual(before.filter((x) => x.offset < 95));
  });

  test('retention deleting segments during the pass abandons it; the next pass starts from the log start', async () => {
    const { log, clock } = updatesLog(100, 3);
    const yieldNow = async () => {
      if (log.logStartOffset === 0) log.deleteRecordsBefore(log.compactionView().segments[2].baseOffset);
    };
    const r = await clean(log, clock, NO_LAG, { limits: { sliceBytes: 1 }, yieldNow });
    expect(r.outcome).toBe('abandoned');
    const before = records(log);
    const again = await clean(log, clock);
    expect(again.outcome).toBe('cleaned');
    expectCompacted(before, records(log), again.cleanedUpTo);
  });

  test('stopping the cleaner abandons a pass at its next slice', async () => {
    const { fs, log, clock } = updatesLog(200, 3);
    const cleaner = new LogCleaner({ codec, clock, scheduler: systemScheduler, limits: { sliceBytes: 1 } });
    const target = { name: 't-0', log, config: NO_LAG };
    cleaner.tick([target]);
    expect(cleaner.busy).toBe(true);
    await cleaner.stop();
    expect(cleaner.busy).toBe(false);
    expect(fs.readdir(DIR).filter((n) => n.endsWith('.cleaned'))).toEqual([]);
  });
});
