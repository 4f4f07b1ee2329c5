import { describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompressionError, type CompressionErrorKind, compress, decompress, decompressTransient } from '../../../src/compression/index.ts';
import { lz4Compress, lz4Decompress, xxh32 } from '../../../src/compression/lz4.ts';
import { isXerial, rawDecompress, snappyCompressRaw } from '../../../src/compression/snappy.ts';
import { Compression } from '../../../src/protocol/records/batch.ts';
import { requirement, testRequiring } from '../../helpers/requirements.ts';
import { kafkajsGzip, kafkajsSnappy, lz4js, sampleBytes, snappyjs } from './helpers.ts';

const CODECS = [Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd] as const;
const SIZES = [0, 1, 15, 100, 4096, 65_535, 65_536, 70_001, 300_000];
const MiB = 1 << 20;
const LZ4_TOOL = requirement(spawnSync('lz4', ['--version']).status === 0, 'the lz4 command, reference liblz4 (apt-get install lz4)');

function expectCompressionError(f: () => unknown, kind: CompressionErrorKind): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CompressionError);
    expect((e as CompressionError).kind).toBe(kind);
    return;
  }
  throw new Error('expected a CompressionError');
}

describe('round trips', () => {
  for (const type of CODECS) {
    test(`codec ${type}`, () => {
      for (const n of SIZES) {
        for (const data of [sampleBytes(n, n + 1), new Uint8Array(n).fill(42)]) {
          const c = compress(type, data);
          expect(decompress(type, c, n)).toEqual(data);
        }
      }
    });
  }
  test('none passes bytes through, bounded too', () => {
    const data = sampleBytes(100);
    expect(decompress(Compression.None, data, 100)).toBe(data);
    expectCompressionError(() => decompress(Compression.None, data, 99), 'limit');
  });
  test('unknown codec ids are refused', () => {
    expectCompressionError(() => compress(5 as Compression, new Uint8Array(1)), 'unsupported');
    expectCompressionError(() => decompress(7 as Compression, new Uint8Array(1), 10), 'unsupported');
  });
});

describe('cross-compatibility', () => {
  const data = sampleBytes(200_000, 5);

  test('gzip: kafkajs (node zlib) <-> ours', async () => {
    const gz = kafkajsGzip();
    const theirs = await gz.compress({ buffer: Buffer.from(data) });
    expect(decompress(Compression.Gzip, theirs, data.length)).toEqual(data);
    expect(new Uint8Array(await gz.decompress(Buffer.from(compress(Compression.Gzip, data))))).toEqual(data);
  });

  test('snappy: we write xerial framing that kafkajs-snappy reads, and read its raw blocks', async () => {
    const sn = kafkajsSnappy();
    const ours = compress(Compression.Snappy, data);
    expect(isXerial(ours)).toBe(true);
    expect(new Uint8Array(await sn.decompress(Buffer.from(ours)))).toEqual(data);
    const theirs = await sn.compress({ buffer: Buffer.from(data) });
    expect(isXerial(theirs)).toBe(false);
    expect(decompress(Compression.Snappy, theirs, data.length)).toEqual(data);
  });

  test('snappy: raw blocks agree with snappyjs both ways', () => {
    const raw = snappyCompressRaw(data);
    expect(new Uint8Array(snappyjs().uncompress(raw))).toEqual(data);
    const theirs = snappyjs().compress(data);
    expect(rawDecompress(theirs, 0, theirs.length, data.length)).toEqual(data);
  });

  test('snappy: xerial frames built from snappyjs blocks (as snappy-java writes them) decode', () => {
    const parts = [data.subarray(0, 32768), data.subarray(32768, 65536), data.subarray(65536)];
    const blocks = parts.map((p) => snappyjs().compress(p));
    const out = new Uint8Array(16 + blocks.reduce((n, b) => n + 4 + b.length, 0));
    const v = new DataView(out.buffer);
    out.set([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0], 0);
    v.setInt32(8, 1);
    v.setInt32(12, 1);
    let d = 16;
    for (const b of blocks) {
      v.setInt32(d, b.length);
      out.set(b, d + 4);
      d += 4 + b.length;
    }
    expect(decompress(Compression.Snappy, out, data.length)).toEqual(data);
  });

  test('lz4: frames from lz4js decode; ours decode in lz4js', () => {
    const l = lz4js();
    expect(decompress(Compression.Lz4, l.compress(data), data.length)).toEqual(data);
    expect(new Uint8Array(l.decompress(compress(Compression.Lz4, data)))).toEqual(data);
  });

  testRequiring(LZ4_TOOL, 'lz4: the lz4 command-line tool (reference liblz4) agrees both ways, with checksums', () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-lz4-'));
    try {
      writeFileSync(join(dir, 'in'), data);
      // Content checksum (default), block checksums, content size, 64 KiB dependent blocks.
      for (const flags of [[], ['-BX', '--content-size', '-B4', '-BD']]) {
        const r = spawnSync('lz4', ['-q', '-f', ...flags, join(dir, 'in'), join(dir, 'in.lz4')]);
        expect(r.status).toBe(0);
        expect(decompress(Compression.Lz4, readFileSync(join(dir, 'in.lz4')), data.length)).toEqual(data);
      }
      writeFileSync(join(dir, 'ours.lz4'), compress(Compression.Lz4, data));
      expect(spawnSync('lz4', ['-q', '-d', '-f', join(dir, 'ours.lz4'), join(dir, 'out')]).status).toBe(0);
      expect(new Uint8Array(readFileSync(join(dir, 'out')))).toEqual(data);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('lz4: xxh32 known values', () => {
    expect(xxh32(new Uint8Array(0), 0, 0)).toBe(0x02cc5d05);
    const abc = new TextEncoder().encode('abc');
    expect(xxh32(abc, 0, 3)).toBe(0x32d153ff);
  });

  test('lz4: our frame header matches what Kafka Java writes (independent 64 KiB blocks)', () => {
    const f = lz4Compress(new Uint8Array(10));
    expect(Array.from(f.subarray(0, 6))).toEqual([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40]);
    expect(f[6]).toBe((xxh32(f, 4, 6) >>> 8) & 0xff);
  });
});

describe('decompression bombs are refused without inflating them', () => {
  const zeros = new Uint8Array(64 * MiB);
  for (const type of CODECS) {
    test(`codec ${type}: 64 MiB of zeros with a 1 MiB limit`, () => {
      const bomb = compress(type, zeros);
      expect(bomb.length).toBeLessThan(4 * MiB);
      expectCompressionError(() => decompress(type, bomb, MiB), 'limit');
      // Exactly at the limit is fine.
      const small = compress(type, new Uint8Array(MiB));
      expect(decompress(type, small, MiB).length).toBe(MiB);
    });
  }
  test('snappy: a raw block that declares 4 GiB is refused before allocating', () => {
    const b = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x41]);
    expectCompressionError(() => decompress(Compression.Snappy, b, MiB), 'limit');
  });
  test('lz4: a frame whose content size claims too much is refused', () => {
    const f = new Uint8Array([0x04, 0x22, 0x4d, 0x18, 0x68, 0x40, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    f[14] = (xxh32(f, 4, 14) >>> 8) & 0xff;
    expectCompressionError(() => lz4Decompress(f.subarray(0, 19), MiB), 'limit');
  });
});

describe('corrupt input is a CompressionError, never a crash', () => {
  const data = sampleBytes(50_000, 11);
  for (const type of CODECS) {
    test(`codec ${type}: truncations, bit flips and noise`, () => {
      const good = compress(type, data);
      const inputs: Uint8Array[] = [sampleBytes(1000, 99), new Uint8Array(0).subarray(0), good.subarray(0, good.length >> 1)];
      for (let i = 0; i < 40; i++) {
        const bad = good.slice();
        bad[(i * 7919) % bad.length] ^= 1 << (i % 8);
        inputs.push(bad);
      }
      for (const input of inputs) {
        try {
          const out = decompress(type, input, MiB);
          expect(out.length).toBeLessThanOrEqual(MiB);
        } catch (e) {
          expect(e).toBeInstanceOf(CompressionError);
        }
      }
    });
  }
  test('lz4: a wrong header checksum (the pre-0.10 Kafka one) is refused', () => {
    const f = lz4Compress(data);
    f[6] = (xxh32(f, 0, 6) >>> 8) & 0xff; // hashed over magic too, as old Kafka did
    if (f[6] !== ((xxh32(f, 4, 6) >>> 8) & 0xff)) expectCompressionError(() => lz4Decompress(f, MiB), 'corrupt');
  });
  test('snappy: a block shorter than its declared length is refused', () => {
    const raw = snappyCompressRaw(data);
    raw[0] = (raw[0] + 1) | 0x80; // bump the length preamble
    expectCompressionError(() => rawDecompress(raw, 0, raw.length, MiB), 'corrupt');
  });
});

describe('decompressTransient (one reused buffer, for Produce validation)', () => {
  for (const type of [Compression.Lz4, Compression.Snappy]) {
    test(`codec ${type}: each call gives what decompress gives, however large the one before was`, () => {
      const inputs = [300_000, 10, 65_536, 2 * MiB, 70_001, 0].map((n, i) => sampleBytes(n, 30 + i));
      for (const data of inputs) {
        const out = decompressTransient(type, compress(type, data), 8 * MiB);
        expect(out.length).toBe(data.length);
        expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
      }
    });

    test(`codec ${type}: the limit holds although the reused buffer is larger than it`, () => {
      // Leave a scratch of at least 2 MiB behind, then decompress 1 MiB + 1 under a 1 MiB limit.
      decompressTransient(type, compress(type, new Uint8Array(2 * MiB)), 8 * MiB);
      expectCompressionError(() => decompressTransient(type, compress(type, new Uint8Array(MiB + 1)), MiB), 'limit');
      expect(decompressTransient(type, compress(type, new Uint8Array(MiB)), MiB).length).toBe(MiB);
    });

    test(`codec ${type}: corrupt input after a good call answers as a fresh buffer would: stale bytes never read back`, () => {
      const good = compress(type, sampleBytes(50_000, 6));
      for (let i = 0; i < 60; i++) {
        const bad = good.slice();
        bad[(i * 7919) % bad.length] ^= 1 << (i % 8);
        let fresh: Uint8Array | CompressionError;
        try {
          fresh = decompress(type, bad, MiB).slice();
        } catch (e) {
          fresh = e as CompressionError;
        }
        // Leave different bytes in the scratch before each try.
        decompressTransient(type, compress(type, sampleBytes(100_000, 100 + i)), MiB);
        let reused: Uint8Array | CompressionError;
        try {
          reused = decompressTransient(type, bad, MiB).slice();
        } catch (e) {
          reused = e as CompressionError;
        }
        if (fresh instanceof CompressionError) expect((reused as CompressionError).kind).toBe(fresh.kind);
        else expect(Buffer.from(reused as Uint8Array).equals(Buffer.from(fresh))).toBe(true);
      }
    });
  }

  test('other codecs: as decompress', () => {
    const data = sampleBytes(70_001, 8);
    for (const type of [Compression.Gzip, Compression.Zstd, Compression.None]) {
      expect(Buffer.from(decompressTransient(type, compress(type, data), MiB)).equals(Buffer.from(data))).toBe(true);
    }
  });
});
