// Fuzz: mutated encodings of random messages (bit flips, truncation, garbage lengths written
// over length fields, huge array counts, inserted bytes) must either decode or throw
// DecodeError: never a RangeError or TypeError, never a hang, and never an allocation sized by
// a length the input cannot back. Fixed seed and iteration counts, so the run is bounded and
// replays exactly.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { ALL_APIS } from '../../../src/protocol/messages/index.ts';
import { DecodeError, Reader, Writer } from '../../../src/protocol/primitives.ts';
import { decoderFor, encoderFor } from '../../../src/protocol/schema.ts';
import { allCases, type Case, randomStruct } from './gen-values.ts';
import { Prng } from '../../../src/base/prng.ts';
import { insertRandom } from '../../helpers/mutate.ts';

const SEED = 0xf022;
const BASE_MESSAGES_PER_CASE = 3;
const MUTATIONS_PER_MESSAGE = 40;
const TOTAL_TIME_MS_MAX = 10_000;

/** Remembers where length-like integers were written, so mutations can aim at them. */
class RecordingWriter extends Writer {
  readonly marks: Array<{ pos: number; width: 'i16' | 'i32' | 'uvarint' }> = [];
  override int16(v: number): void {
    this.marks.push({ pos: this.pos, width: 'i16' });
    super.int16(v);
  }
  override int32(v: number): void {
    this.marks.push({ pos: this.pos, width: 'i32' });
    super.int32(v);
  }
  override uvarint(v: number): void {
    this.marks.push({ pos: this.pos, width: 'uvarint' });
    super.uvarint(v);
  }
}

function writeAt(b: Uint8Array, pos: number, bytes: number[]): void {
  for (let i = 0; i < bytes.length && pos + i < b.length; i++) b[pos + i] = bytes[i];
}

const HUGE_I32 = [[0x7f, 0xff, 0xff, 0xff], [0xff, 0xff, 0xff, 0xfe], [0x80, 0, 0, 0], [0, 0x10, 0, 0]];
const HUGE_UVARINT = [
  [0xff, 0xff, 0xff, 0xff, 0x0f],
  [0xff, 0xff, 0xff, 0x7f],
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x01], // six bytes: longer than a uvarint may be
  [0xfe, 0x01],
];

function mutate(src: Uint8Array, marks: RecordingWriter['marks'], rng: Prng): Uint8Array {
  const b = src.slice();
  const pos = b.length === 0 ? 0 : rng.int(0, b.length - 1);
  switch (rng.int(0, 6)) {
    case 0: // flip a few bits
      for (let i = rng.int(1, 4); i > 0 && b.length > 0; i--) b[rng.int(0, b.length - 1)] ^= 1 << rng.int(0, 7);
      return b;
    case 1: // truncate
      return b.subarray(0, rng.int(0, b.length));
    case 2: // random garbage over a length field (or anywhere)
    case 3: {
      const m = marks.length > 0 ? rng.pick(marks) : { pos, width: 'i32' as const };
      if (m.width === 'uvarint') writeAt(b, m.pos, rng.pick(HUGE_UVARINT));
      else if (m.width === 'i32') writeAt(b, m.pos, rng.chance(0.5) ? rng.pick(HUGE_I32) : [...rng.bytes(4)]);
      else writeAt(b, m.pos, rng.chance(0.5) ? [0x7f, 0xff] : [...rng.bytes(2)]);
      return b;
    }
    case 4: // a huge count anywhere
      writeAt(b, pos, rng.chance(0.5) ? rng.pick(HUGE_I32) : rng.pick(HUGE_UVARINT));
      return b;
    case 5: // insert random bytes
      return insertRandom(b, pos, rng);
    default: // pure noise of the same length
      return rng.bytes(b.length);
  }
}

/** Walks a decoded value; every array must be no longer than the input it came from. */
function longestArray(v: unknown): number {
  if (Array.isArray(v)) return Math.max(v.length, ...v.map(longestArray));
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    return Math.max(0, ...Object.values(v).map(longestArray));
  }
  return 0;
}

// Every `new Array(n)` the compiled decoders run goes through the global Array constructor:
// trap it for the duration of the suite and record the largest size requested.
const RealArray = globalThis.Array;
let largestArrayAllocated = 0;

describe('fuzz', () => {
  beforeAll(() => {
    globalThis.Array = new Proxy(RealArray, {
      construct(target, args, newTarget) {
        if (args.length === 1 && typeof args[0] === 'number') {
          largestArrayAllocated = Math.max(largestArrayAllocated, args[0]);
        }
        return Reflect.construct(target, args, newTarget);
      },
    });
  });
  afterAll(() => {
    globalThis.Array = RealArray;
  });

  test('the Array trap sees decoder allocations', () => {
    largestArrayAllocated = 0;
    const c = allCases(ALL_APIS).find((x) => x.api.name === 'Metadata' && x.direction === 'request')!;
    const w = new Writer();
    encoderFor(c.def, c.version, c.flexible)(w, { topics: [{}, {}, {}] } as never);
    decoderFor(c.def, c.version, c.flexible)(new Reader(w.bytes()));
    expect(largestArrayAllocated).toBe(3);
  });

  const started = performance.now();
  for (const api of ALL_APIS) {
    test(`${api.name} (${api.apiKey}): mutated input decodes or throws DecodeError`, () => {
      const rng = new Prng(SEED + api.apiKey);
      for (const c of allCases([api])) fuzzCase(c, rng);
      expect(performance.now() - started).toBeLessThan(TOTAL_TIME_MS_MAX);
    });
  }

  function fuzzCase(c: Case, rng: Prng): void {
    const decode = decoderFor(c.def, c.version, c.flexible);
    for (let m = 0; m < BASE_MESSAGES_PER_CASE; m++) {
      const w = new RecordingWriter(64);
      encoderFor(c.def, c.version, c.flexible)(w, randomStruct(c.def, c.version, c.flexible, rng) as never);
      const base = w.bytes().slice();
      for (let i = 0; i < MUTATIONS_PER_MESSAGE; i++) {
        const input = mutate(base, w.marks, rng);
        largestArrayAllocated = 0;
        let outcome = 'ok';
        let longest = 0;
        try {
          longest = longestArray(decode(new Reader(input)));
        } catch (e) {
          outcome = e instanceof DecodeError ? 'ok' : `${(e as Error).name}: ${(e as Error).message}`;
        }
        const where = `${c.api.name} v${c.version} ${c.direction} base ${m} mutation ${i}`;
        if (outcome !== 'ok' || largestArrayAllocated > input.length || longest > input.length) {
          expect({ where, outcome, largestArrayAllocated, longest }).toEqual({
            where,
            outcome: 'ok',
            largestArrayAllocated: Math.min(largestArrayAllocated, input.length),
            longest: Math.min(longest, input.length),
          });
        }
      }
    }
  }
});
