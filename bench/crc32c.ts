// CRC32C and codec throughput on this machine: pure slicing-by-16 vs the native accelerator,
// and each compression codec both ways. Prints a table; `--json` prints JSON instead.
//   bun bench/crc32c.ts [--json]
import { compress, decompress } from '../src/compression/index.ts';
import { installAccelerators } from '../src/compression/accelerators.ts';
import { Compression } from '../src/protocol/records/batch.ts';
import { crc32c, crc32cUpdatePure, setCrc32cAccelerator } from '../src/protocol/records/crc32c.ts';

const BENCH_MS = 300;
const SIZES = [1024, 16 * 1024, 1024 * 1024];

function mbPerSec(bytes: number, f: () => unknown): number {
  for (let i = 0; i < 20; i++) f();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < BENCH_MS) {
    for (let i = 0; i < 10; i++) f();
    n += 10;
  }
  return (n * bytes) / ((performance.now() - t0) * 1000);
}

/** Record-like bytes: repeated JSON-ish text with varying numbers (compresses ~3-5x). */
function sample(n: number): Uint8Array {
  const parts: string[] = [];
  let len = 0;
  for (let i = 0; len < n; i++) {
    const s = `{"id":${i},"user":"user-${(i * 7919) % 1000}","amount":${(i * 31) % 10000},"ts":${1_700_000_000_000 + i * 13}}`;
    parts.push(s);
    len += s.length;
  }
  return new TextEncoder().encode(parts.join('')).subarray(0, n);
}

const rows: Array<Record<string, string | number>> = [];
const native = installAccelerators().crc32c === 'native';
for (const size of SIZES) {
  const buf = sample(size);
  setCrc32cAccelerator(null, 0);
  const pure = mbPerSec(size, () => crc32cUpdatePure(0, buf, 0, size));
  let nat = NaN;
  if (native) {
    const fn = (require('@node-rs/crc32') as { crc32c(b: Uint8Array, i: number): number }).crc32c;
    setCrc32cAccelerator(fn, 0); // native at every size, to find the crossover
    nat = mbPerSec(size, () => crc32c(buf, 0, size));
    installAccelerators();
  }
  rows.push({ what: 'crc32c', size, pureMBps: Math.round(pure), nativeMBps: Math.round(nat) });
}
const codecs: Array<[string, Compression]> = [
  ['gzip', Compression.Gzip],
  ['snappy', Compression.Snappy],
  ['lz4', Compression.Lz4],
  ['zstd', Compression.Zstd],
];
for (const size of [16 * 1024, 1024 * 1024]) {
  const buf = sample(size);
  for (const [name, type] of codecs) {
    const c = compress(type, buf);
    rows.push({
      what: name,
      size,
      ratio: +(size / c.length).toFixed(2),
      compressMBps: Math.round(mbPerSec(size, () => compress(type, buf))),
      decompressMBps: Math.round(mbPerSec(size, () => decompress(type, c, size))),
    });
  }
}
if (process.argv.includes('--json')) console.log(JSON.stringify(rows, null, 2));
else console.table(rows);
