import { expect, test } from 'bun:test';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';
import { batch, openLog, readAllBatches } from './helpers.ts';

test('smoke', async () => {
  const fs = new SimStorageFs();
  const log = openLog(fs, '/data/t/0', { segmentBytes: 500 });
  for (let i = 0; i < 20; i++) log.append(batch(3), 1);
  expect(log.logEndOffset).toBe(60);
  expect(log.segmentCount).toBeGreaterThan(1);
  const all = readAllBatches(log);
  expect(all.map((b) => b.baseOffset)).toEqual([...Array(20).keys()].map((i) => i * 3));
  await log.flush();
  expect(log.flushedOffset).toBe(60);
  await log.close();
  const again = openLog(fs, '/data/t/0', { segmentBytes: 500 });
  expect(again.logEndOffset).toBe(60);
  expect(readAllBatches(again).length).toBe(20);
});
