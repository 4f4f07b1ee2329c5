// Property test: for every API, supported version and direction, random valid messages survive
// encode -> decode unchanged, and decode -> encode reproduces the exact bytes.
// Seeded: a failure names its seed, and the run replays from it.

import { describe, expect, test } from 'bun:test';
import { ALL_APIS } from '../../../src/protocol/messages/index.ts';
import { Reader, Writer } from '../../../src/protocol/primitives.ts';
import { decoderFor, encoderFor } from '../../../src/protocol/schema.ts';
import { allCases, randomStruct } from './gen-values.ts';
import { Prng } from './prng.ts';

const SAMPLES_PER_CASE = 25;
const SEED = 0x5eed;

function encode(c: { def: Parameters<typeof encoderFor>[0]; version: number; flexible: boolean }, value: unknown): Uint8Array {
  const w = new Writer(64);
  encoderFor(c.def, c.version, c.flexible)(w, value as never);
  return w.bytes().slice();
}

describe('round trip', () => {
  for (const api of ALL_APIS) {
    test(`${api.name} (${api.apiKey}) v${api.versions.min}-${api.versions.max}`, () => {
      for (const c of allCases([api])) {
        const decode = decoderFor(c.def, c.version, c.flexible);
        for (let i = 0; i < SAMPLES_PER_CASE; i++) {
          const seed = SEED + c.version * 1000 + i * 2 + (c.direction === 'request' ? 0 : 1);
          const value = randomStruct(c.def, c.version, c.flexible, new Prng(seed));
          const where = { api: api.name, version: c.version, direction: c.direction, seed };
          const bytes = encode(c, value);
          const r = new Reader(bytes);
          const decoded = decode(r);
          expect({ ...where, value: decoded, consumed: r.pos }).toEqual({ ...where, value, consumed: bytes.length });
          expect({ ...where, bytes: encode(c, decoded) }).toEqual({ ...where, bytes });
        }
      }
    });
  }

  test('an object with every field omitted encodes as the defaults', () => {
    for (const c of allCases(ALL_APIS)) {
      const bytes = encode(c, {});
      const decoded = decoderFor(c.def, c.version, c.flexible)(new Reader(bytes));
      expect(encode(c, decoded)).toEqual(bytes);
    }
  });
});
