import { describe, expect, test } from 'bun:test';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';
import { NodeStorageFs } from '../../../src/storage/fs.ts';
import { batchesIn } from '../../../src/storage/batch-scan.ts';
import { BatchHeader } from '../../../src/protocol/records/batch.ts';
import { batch, crc32c, openLog, prng, readAllBatches } from './helpers.ts';
import { PartitionLog } from '../../../src/storage/partition-log.ts';
import { ManualClock } from '../../../src/base/clock.ts';
import { DAMAGED_SUFFIX, describeDamage, operatorActions } from '../../../src/storage/damage.ts';

const DIR = '/data/kafka/t/0';
const SEG0 = '00000000000000000000.log';
const noop = () => {};

describe('recovery on the real filesystem', () => {
  const withTmp = (fn: (dir: string) => Promise<void> | void) => async () => {
    const tmp = nodeFs.mkdtempSync(join(tmpdir(), 'freshet-rec-'));
    try {
      await fn(join(tmp, 'p'));
    } finally {
      nodeFs.rmSync(tmp, { recursive: true, force: true });
    }
  };

  test('a torn tail is cut at the last whole batch; reopening twice is idempotent', withTmp(async (dir) => {
    const fs = new NodeStorageFs();
    const log = openLog(fs, dir);
    for (let i = 0; i < 10; i++) log.append(batch(2), 1);
    await log.flush();
    const size = nodeFs.statSync(join(dir, SEG0)).size;
    const partial = batch(3);
    nodeFs.appendFileSync(join(dir, SEG0), partial.subarray(0, 40)); // a torn write
    const a = openLog(fs, dir);
    expect(a.logEndOffset).toBe(20);
    expect(a.recoveredTruncatedBytes).toBe(40);
    expect(nodeFs.statSync(join(dir, SEG0)).size).toBe(size);
    const b = openLog(fs, dir);
    expect(b.logEndOffset).toBe(20);
    expect(b.recoveredTruncatedBytes).toBe(0);
    expect(b.append(batch(1), 2).baseOffset).toBe(20);
    await b.close();
  }));

  /** Ten batches of two records in one segment, closed cleanly (recovery point = log end). */
  async function closedLog(fs: NodeStorageFs, dir: string): Promise<number[]> {
    const log = openLog(fs, dir);
    const positions: number[] = [];
    let pos = 0;
    for (let i = 0; i < 10; i++) {
      const b = batch(2);
      positions.push(pos);
      pos += b.length;
      log.append(b, 1);
    }
    await log.close();
    return positions;
  }

  test('a corrupt batch below the recovery point is damage: the segment is set aside whole, nothing is cut', withTmp(async (dir) => {
    const fs = new NodeStorageFs();
    const positions = await closedLog(fs, dir);
    const path = join(dir, SEG0);
    const bytes = nodeFs.readFileSync(path);
    bytes[positions[6] + 70] ^= 0x10; // inside batch 6's records
    nodeFs.writeFileSync(path, bytes);
    const r = PartitionLog.tryOpen(dir, {}, { fs, clock: new ManualClock(), crc32c });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.damage).toMatchObject({ file: path, offset: 12, position: positions[6], sizeBytes: bytes.length, recoveryPoint: 20, foundNow: true });
    expect(r.damage.problem).toContain('CRC32C');
    expect(nodeFs.existsSync(path)).toBe(false);
    expect(nodeFs.readFileSync(path + DAMAGED_SUFFIX).equals(bytes)).toBe(true);
    expect(describeDamage(r.damage)).toContain(`${path} is damaged at offset 12 (byte ${positions[6]} of ${bytes.length})`);
    expect(operatorActions(r.damage)).toContain(`truncate -s ${positions[6]} ${path}${DAMAGED_SUFFIX}`);
  }));

  test('a partition with a segment set aside is not opened again and nothing in it changes', withTmp(async (dir) => {
    const fs = new NodeStorageFs();
    const positions = await closedLog(fs, dir);
    const path = join(dir, SEG0);
    const bytes = nodeFs.readFileSync(path);
    bytes[positions[3] + 64] ^= 0x01;
    nodeFs.writeFileSync(path, bytes);
    expect(PartitionLog.tryOpen(dir, {}, { fs, clock: new ManualClock(), crc32c }).ok).toBe(false);
    const listing = () => nodeFs.readdirSync(dir).map((n) => `${n}:${nodeFs.statSync(join(dir, n)).size}`).sort();
    const before = listing();
    const again = PartitionLog.tryOpen(dir, {}, { fs, clock: new ManualClock(), crc32c });
    expect(again.ok).toBe(false);
    if (again.ok) return;
    // Found again by reading the aside file, so the operator is told the same place.
    expect(again.damage).toMatchObject({ file: path, offset: 6, position: positions[3], foundNow: false, recoveryPoint: 20 });
    expect(listing()).toEqual(before);
  }));

  test('operator keeps the intact part (truncate the aside file, move it back): no offset is reused', withTmp(async (dir) => {
    const fs = new NodeStorageFs();
    const positions = await closedLog(fs, dir);
    const path = join(dir, SEG0);
    const bytes = nodeFs.readFileSync(path);
    bytes[positions[6] + 70] ^= 0x10;
    nodeFs.writeFileSync(path, bytes);
    expect(PartitionLog.tryOpen(dir, {}, { fs, clock: new ManualClock(), crc32c }).ok).toBe(false);
    nodeFs.truncateSync(path + DAMAGED_SUFFIX, positions[6]);
    nodeFs.renameSync(path + DAMAGED_SUFFIX, path);
    const log = openLog(fs, dir);
    expect(log.recovery.gaps).toEqual([{ from: 12, to: 20 }]);
    expect(log.recovery.truncations).toEqual([]);
    expect(log.logEndOffset).toBe(20);
    expect(batchesIn(log.read(0, 100_000).bytes).map((b) => b.baseOffset)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(log.read(12, 1000).bytes.length).toBe(0); // nothing after the gap yet
    expect(log.append(batch(1), 1).baseOffset).toBe(20);
    expect(log.read(12, 1000).nextOffset).toBe(21); // a reader in the gap skips to what follows
    await log.close();
    const reopened = openLog(fs, dir);
    expect(reopened.logEndOffset).toBe(21);
    expect(reopened.recovery.gaps).toEqual([{ from: 12, to: 20 }]); // still missing, still said
    await reopened.close();
  }));

  test('operator gives up a whole middle segment: the segments around it are kept', withTmp(async (dir) => {
    const fs = new NodeStorageFs();
    const cfg = { segmentBytes: 500, indexIntervalBytes: 100 };
    const log = openLog(fs, dir, cfg);
    for (let i = 0; i < 40; i++) log.append(batch(2), 1);
    await log.close();
    const logs = nodeFs.readdirSync(dir).filter((n) => n.endsWith('.log')).sort();
    expect(logs.length).toBeGreaterThan(4);
    const removed = logs[2];
    const removedBase = Number(removed.slice(0, 20));
    const nextBase = Number(logs[3].slice(0, 20));
    nodeFs.unlinkSync(join(dir, removed));
    const again = openLog(fs, dir, cfg);
    expect(again.recovery.gaps).toEqual([{ from: removedBase, to: nextBase }]);
    expect(again.logEndOffset).toBe(80);
    const bases = readAllBatches(again).map((b) => b.baseOffset);
    expect(bases).toEqual(Array.from({ length: 40 }, (_, i) => 2 * i).filter((o) => o < removedBase || o >= nextBase));
    await again.close();
  }));

  test('a torn tail above the recovery point is cut and reported: file, offset, position, bytes', withTmp(async (dir) => {
    const fs = new NodeStorageFs();
    const log = openLog(fs, dir); // the recovery point is 0: nothing is checkpointed until a roll or close
    for (let i = 0; i < 10; i++) log.append(batch(2), 1);
    await log.flush();
    const path = join(dir, SEG0);
    const size = nodeFs.statSync(path).size;
    nodeFs.appendFileSync(path, batch(3).subarray(0, 40));
    const again = openLog(fs, dir);
    expect(again.recovery.truncations).toEqual([{ file: path, offset: 20, position: size, bytesDropped: 40 }]);
    expect(again.recovery.recoveryPoint).toBe(0);
    expect(again.logEndOffset).toBe(20);
    await again.close();
  }));

  test('missing or corrupt index files of sealed segments are rebuilt', withTmp(async (dir) => {
    const fs = new NodeStorageFs();
    const cfg = { segmentBytes: 500, indexIntervalBytes: 100 };
    const log = openLog(fs, dir, cfg);
    for (let i = 0; i < 60; i++) log.append(batch(2), 1);
    await log.close();
    const indexes = nodeFs.readdirSync(dir).filter((n) => n.endsWith('.index'));
    expect(indexes.length).toBeGreaterThan(2);
    nodeFs.unlinkSync(join(dir, indexes[0]));
    nodeFs.writeFileSync(join(dir, indexes[1]), new Uint8Array([0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0]));
    nodeFs.writeFileSync(join(dir, 'leader-epoch-checkpoint'), 'garbage');
    const again = openLog(fs, dir, cfg);
    expect(again.logEndOffset).toBe(120);
    for (let off = 0; off < 120; off += 5) {
      expect(batchesIn(again.read(off, 1, { minOneBatch: true, maxOffset: 120 }).bytes)[0].lastOffset).toBeGreaterThanOrEqual(off);
    }
    expect(again.termAt(0)).toBe(1);
    expect(nodeFs.existsSync(join(dir, indexes[0]))).toBe(true);
    await again.close();
  }));
});

describe('crash recovery on the simulated filesystem', () => {
  test('a crash keeps everything flushed and nothing unflushed is required', async () => {
    const fs = new SimStorageFs();
    const log = openLog(fs, DIR);
    for (let i = 0; i < 5; i++) log.append(batch(1), 1);
    await log.flush();
    for (let i = 0; i < 5; i++) log.append(batch(1), 1);
    fs.crash();
    const again = openLog(fs, DIR);
    expect(again.logEndOffset).toBe(5);
  });

  test('a bit flip in flushed data above the recovery point is taken for a torn tail and cut there', async () => {
    const fs = new SimStorageFs();
    const log = openLog(fs, DIR);
    for (let i = 0; i < 5; i++) log.append(batch(1), 1);
    await log.flush();
    const second = batch(1).length; // all batches have the same size
    fs.flipBit(`${DIR}/${SEG0}`, second * 3 + 65);
    fs.crash();
    expect(openLog(fs, DIR).logEndOffset).toBe(3);
  });

  // Random workloads crashed at random points: the properties recovery must keep.
  const seeds = Number(process.env.STORAGE_CRASH_SEEDS ?? 40);
  for (let seed = 1; seed <= seeds; seed++) {
    test(`random workload and crash, seed ${seed}`, async () => {
      const rnd = prng(seed);
      const fs = new SimStorageFs();
      const cfg = { segmentBytes: 300 + Math.floor(rnd() * 700), indexIntervalBytes: Math.floor(rnd() * 300), tailCacheBytesMax: 500 };
      let log: PartitionLog = openLog(fs, DIR, cfg);
      /** Current content by base offset, and every batch ever written at each offset. */
      let model = new Map<number, Uint8Array>();
      const history = new Map<number, Set<string>>();
      let term = 1;
      for (let round = 0; round < 3; round++) {
        const ops = 50 + Math.floor(rnd() * 150);
        for (let i = 0; i < ops; i++) {
          const r = rnd();
          if (r < 0.6) {
            if (rnd() < 0.05) term++;
            const b = batch(1 + Math.floor(rnd() * 4), { valueBytes: Math.floor(rnd() * 120) });
            const res = log.append(b, term);
            model.set(res.baseOffset, b.slice());
            if (!history.has(res.baseOffset)) history.set(res.baseOffset, new Set());
            history.get(res.baseOffset)!.add(b.toString());
          } else if (r < 0.8) {
            log.flush().catch(noop);
          } else if (r < 0.93) {
            await new Promise((res) => setTimeout(res, 0));
          } else if (r < 0.97) {
            const to = log.logStartOffset + Math.floor(rnd() * (log.logEndOffset - log.logStartOffset + 1));
            log.truncateSuffix(to);
            model = new Map([...model].filter(([base]) => base < log.logEndOffset));
          } else {
            const to = log.logStartOffset + Math.floor(rnd() * (log.flushedOffset - log.logStartOffset + 1));
            log.deleteRecordsBefore(Math.min(to, log.logEndOffset));
          }
        }
        const flushed = log.flushedOffset;
        const start = log.logStartOffset;
        fs.crash({ tornTail: rnd() < 0.7, random: rnd });
        await new Promise((res) => setTimeout(res, 0)); // let the dead process's fsyncs fail
        log = openLog(fs, DIR, cfg);
        // Everything flushed survives, byte for byte.
        expect(log.logEndOffset).toBeGreaterThanOrEqual(flushed);
        expect(log.logStartOffset).toBeGreaterThanOrEqual(Math.min(start, log.logEndOffset));
        const batches = checkServed(log);
        for (const b of batches) {
          if (b.lastOffset < flushed) expect(b.bytes.toString()).toBe(model.get(b.baseOffset)!.toString());
          // Nothing that was never written is served.
          else expect(history.get(b.baseOffset)?.has(b.bytes.toString())).toBe(true);
        }
        // Reopening is idempotent.
        const end = log.logEndOffset;
        const again = openLog(fs, DIR, cfg);
        expect(again.logEndOffset).toBe(end);
        expect(again.recoveredTruncatedBytes).toBe(0);
        log = again;
        model = new Map(batches.map((b) => [b.baseOffset, b.bytes]));
        term = Math.max(term, log.lastTerm);
      }
    });
  }
});

/** Reads the whole log; checks whole batches, valid CRCs, consecutive offsets. */
function checkServed(log: PartitionLog): { baseOffset: number; lastOffset: number; bytes: Uint8Array }[] {
  const out: { baseOffset: number; lastOffset: number; bytes: Uint8Array }[] = [];
  let offset = log.logStartOffset;
  let expected = -1;
  while (offset < log.logEndOffset) {
    const r = log.read(offset, 700, { minOneBatch: true });
    expect(r.bytes.length).toBeGreaterThan(0);
    for (const info of batchesIn(r.bytes)) {
      const bytes = r.bytes.slice(info.position, info.position + info.size);
      const h = new BatchHeader(bytes);
      expect(crc32c(bytes, 21, bytes.length) >>> 0).toBe(h.crc);
      if (expected >= 0) expect(info.baseOffset).toBe(expected);
      expected = info.lastOffset + 1;
      out.push({ baseOffset: info.baseOffset, lastOffset: info.lastOffset, bytes });
    }
    offset = r.nextOffset;
  }
  if (out.length > 0) expect(expected).toBe(log.logEndOffset);
  return out;
}
