// Wires native speed-ups into the pure protocol modules. Imported once by the process entry
// (and by benches/tests that want it); the pure modules work without it.
//
// @node-rs/crc32's crc32c runs at ~3-4 GB/s from 16 KiB up against ~1.3-1.6 GB/s for the pure
// slicing-by-16 loop, but its N-API call costs more than the loop below a few KiB (bench/crc32c.ts).
// Loaded with require() in a try block: a platform without its prebuilt addon falls back to pure.

import { setCrc32cAccelerator } from '../protocol/records/crc32c.ts';

/** From this size up the native call beats the pure loop (measured crossover ~1-2 KiB). */
export const CRC32C_NATIVE_MIN_BYTES = 4096;

export function installAccelerators(): { crc32c: 'native' | 'pure' } {
  try {
    const mod = require('@node-rs/crc32') as { crc32c(input: Uint8Array, initial?: number): number };
    const fn = mod.crc32c;
    // Prove it computes CRC32C before trusting it ("123456789" -> 0xE3069283).
    if (fn(new TextEncoder().encode('123456789'), 0) >>> 0 !== 0xe3069283) return { crc32c: 'pure' };
    setCrc32cAccelerator((buf, initial) => fn(buf, initial), CRC32C_NATIVE_MIN_BYTES);
    return { crc32c: 'native' };
  } catch {
    return { crc32c: 'pure' };
  }
}
