// Wires native speed-ups into the pure protocol modules. Imported once by the process entry
// (and by benches/tests that want it); the pure modules work without it.
//
// @node-rs/crc32's crc32c runs at ~3-4 GB/s from 16 KiB up against ~1.3-1.6 GB/s for the pure
// slicing-by-16 loop, but its N-API call costs more than the loop below a few KiB (bench/crc32c.ts).
// Loaded with require() in a try block: a platform without its prebuilt addon falls back to pure,
// and says so: `freshet start` logs which CRC32C it uses and `freshet version` prints it. Release
// builds embed each target's addon (packaging/addons.ts), so a fallback there is a build bug.

import { setCrc32cAccelerator } from '../protocol/records/crc32c.ts';

/** From this size up the native call beats the pure loop (measured crossover ~1-2 KiB). */
export const CRC32C_NATIVE_MIN_BYTES = 4096;
/** How much of a load error the description keeps (napi-rs's errors list every path it tried). */
const LOAD_ERROR_CHARS_MAX = 160;

export type AcceleratorsInstalled = {
  readonly crc32c: 'native' | 'pure';
  /** For people: which implementation, and for 'pure' why the native one is not in use. */
  readonly crc32cDescription: string;
};

let installed: AcceleratorsInstalled | null = null;

/** What the last installAccelerators() installed, or null before it ran. */
export function acceleratorsInstalled(): AcceleratorsInstalled | null {
  return installed;
}

export function installAccelerators(): AcceleratorsInstalled {
  installed = probeAccelerators();
  return installed;
}

function probeAccelerators(): AcceleratorsInstalled {
  const platform = `${process.platform}-${process.arch}`;
  const pure = (why: string): AcceleratorsInstalled => ({
    crc32c: 'pure',
    crc32cDescription: `pure TypeScript slicing-by-16 (@node-rs/crc32 unavailable on ${platform}: ${why})`,
  });
  try {
    const mod = require('@node-rs/crc32') as { crc32c(input: Uint8Array, initial?: number): number };
    const fn = mod.crc32c;
    // Prove it computes CRC32C before trusting it ("123456789" -> 0xE3069283).
    if (fn(new TextEncoder().encode('123456789'), 0) >>> 0 !== 0xe3069283) return pure('it returned a wrong check value');
    setCrc32cAccelerator((buf, initial) => fn(buf, initial), CRC32C_NATIVE_MIN_BYTES);
    return { crc32c: 'native', crc32cDescription: `native @node-rs/crc32 (${platform}) from ${CRC32C_NATIVE_MIN_BYTES} bytes, pure below` };
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    return pure(message.length > LOAD_ERROR_CHARS_MAX ? `${message.slice(0, LOAD_ERROR_CHARS_MAX)}...` : message);
  }
}
