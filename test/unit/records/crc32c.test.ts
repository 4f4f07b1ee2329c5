import { afterAll, describe, expect, test } from 'bun:test';
import { installAccelerators } from '../../../src/compression/accelerators.ts';
import { ATTRIBUTES, BatchHeader } from '../../../src/protocol/records/batch.ts';
import { crc32c, crc32cUpdatePure, setCrc32cAccelerator } from '../../../src/protocol/records/crc32c.ts';
import { kafkajsBatch, sampleBytes } from './helpers.ts';
import { requirement, testRequiring } from '../../helpers/requirements.ts';

// Whether @node-rs/crc32's prebuilt addon loads on this platform (without it the broker falls
// back to the pure loop, and there is nothing native to compare).
const NATIVE_CRC32C = requirement(installAccelerators().crc32c === 'native', 'the native CRC32C addon (@node-rs/crc32 for this platform)');
setCrc32cAccelerator(null, 0);

/** Bit-by-bit reference straight from the definition (reflected 0x82F63B78). */
function reference(buf: Uint8Array): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

const ascii = (s: string) => new TextEncoder().encode(s);

describe('crc32c', () => {
  afterAll(() => setCrc32cAccelerator(null, 0));

  test('known vectors (RFC 3720 B.4 and the check value)', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  test('matches the bitwise reference for every length and alignment up to 70 bytes', () => {
    const data = sampleBytes(200, 7);
    for (let start = 0; start < 17; start++) {
      for (let len = 0; len <= 70; len++) {
        expect(crc32c(data, start, start + len)).toBe(reference(data.subarray(start, start + len)));
      }
    }
  });

  test('incremental update equals one pass', () => {
    const data = sampleBytes(10_000, 3);
    const partial = crc32cUpdatePure(0, data, 0, 4321);
    expect(crc32cUpdatePure(partial, data, 4321, data.length)).toBe(crc32c(data));
  });

  testRequiring(NATIVE_CRC32C, 'native accelerator agrees with the pure loop at and around its threshold', () => {
    expect(installAccelerators().crc32c).toBe('native');
    const data = sampleBytes(1 << 20, 9);
    const pure = (s: number, e: number) => crc32cUpdatePure(0, data, s, e);
    for (const [s, e] of [
      [0, data.length],
      [3, 4096 + 3],
      [1, 4095],
      [5, 100_005],
    ]) {
      expect(crc32c(data, s, e)).toBe(pure(s, e));
    }
    setCrc32cAccelerator(null, 0);
  });

  test('equals the CRC kafkajs stores in a batch it encoded', async () => {
    for (const compression of [0, 1]) {
      const batch = await kafkajsBatch({
        compression,
        records: [
          { key: Buffer.from('k1'), value: Buffer.from('hello'), headers: { h: 'v' } },
          { key: null, value: Buffer.from('x'.repeat(500)) },
        ],
      });
      const h = new BatchHeader(batch);
      expect(crc32c(batch, ATTRIBUTES, batch.length)).toBe(h.crc);
    }
  });
});
