import { expect, test } from 'bun:test';
import { FreeSpaceGuard, reserveBytes } from '../../../src/storage/free-space.ts';

const GiB = 1024 ** 3;

test('the reserve is the smaller of storage.min.free.bytes and storage.min.free.percent of the disk', () => {
  const defaults = { minFreeBytes: 5 * GiB, minFreePercent: 5 };
  expect(reserveBytes(1000 * GiB, defaults)).toBe(5 * GiB); // a large disk: 5 GiB
  expect(reserveBytes(20 * GiB, defaults)).toBe(GiB); // a CI box: 5%
  expect(reserveBytes(20 * GiB, { minFreeBytes: 0, minFreePercent: 5 })).toBe(0); // no reserve at all
});

test('produce is refused below the reserve, counting what was produced since the last reading', () => {
  let available = 10_000;
  const guard = new FreeSpaceGuard(() => ({ totalBytes: 100_000, availableBytes: available }), { minFreeBytes: 5_000, minFreePercent: 100 });
  expect(guard.refusal(100)).toBeNull(); // no reading yet: nothing known, nothing refused
  guard.refresh();
  expect(guard.refusal(4_000)).toBeNull();
  expect(guard.refusal(1_000)).toBeNull(); // 5,000 left: exactly the reserve
  expect(guard.refusal(1)).toContain('disk nearly full'); // the estimate, before statfs says so
  available = 20_000;
  guard.refresh(); // space came back
  expect(guard.refusal(1)).toBeNull();
  available = 4_000;
  guard.refresh();
  expect(guard.refusal(1)).toContain('4000 bytes free');
});
