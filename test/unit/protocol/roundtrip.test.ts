// Property test: for every API, supported version and direction, random valid messages survive
// encode -> decode unchanged, and decode -> encode reproduces the exact bytes.
// Seeded: a failure names its seed, and the run replays from it.

import { describe, expect, test } from 'bun:test';
import { ALL_APIS } from '../../../src/protocol/messages/index.ts';
import { Reader, Writer } from '../../../src/protocol/primitives.ts';
import {
  array,
  decoderFor,
  encoderFor,
  type FieldDef,
  inRange,
  int32,
  type StructDef,
  struct,
} from '../../../src/protocol/schema.ts';
import { allCases, randomStruct } from './gen-values.ts';
import { Prng } from '../../../src/base/prng.ts';

const SAMPLES_PER_CASE = 25;
const SEED = 0x5eed;

interface Target {
  def: StructDef;
  version: number;
  flexible: boolean;
}

function encode(c: Target, value: unknown): Uint8Array {
  const w = new Writer(64);
  encoderFor(c.def, c.version, c.flexible)(w, value as never);
  return w.bytes().slice();
}

/** The same definition without the fields that are tagged at this version, at any depth. */
function withoutTagged(def: StructDef, version: number): StructDef {
  const keep = (f: FieldDef): FieldDef => {
    if (f.kind === 'struct') return { ...f, struct: withoutTagged(f.struct!, version) };
    if (f.kind === 'array' && f.element!.kind === 'struct') {
      const element = keep(f.element!);
      return { ...f, element, struct: element.struct };
    }
    return f;
  };
  return {
    fields: def.fields
      .filter(([, f]) => !(f.tag !== null && inRange(f.taggedVersions, version)))
      .map(([n, f]) => [n, keep(f)] as const),
  };
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

  // Kafka writes a tagged field only when it differs from its default (KIP-482); a struct-typed
  // tagged field at its default (e.g. Fetch's divergingEpoch) must cost no bytes either.
  test('tagged fields at their default are not written', () => {
    for (const c of allCases(ALL_APIS)) {
      if (!c.flexible) continue;
      const stripped = { ...c, def: withoutTagged(c.def, c.version) };
      for (let i = 0; i < 5; i++) {
        const value = randomStruct(c.def, c.version, true, new Prng(SEED + i), 0, { taggedDefaultChance: 1 });
        const where = { api: c.api.name, version: c.version, direction: c.direction, seed: SEED + i };
        expect({ ...where, bytes: encode(c, value) }).toEqual({ ...where, bytes: encode(stripped, value) });
      }
    }
  });

  // No API we define has one yet, but the spec allows it: a nullable tagged array whose
  // default is null is omitted when null, and an empty array is a value that must be written.
  test('a tagged array whose default is null keeps [] and null apart', () => {
    const def = struct({ ids: array(int32(), '0+', { nullable: '0+', tag: 0, default: null }) });
    const c: Target = { def: def as StructDef, version: 0, flexible: true };
    const decode = decoderFor(def, 0, true);
    expect(encode(c, { ids: null })).toEqual(new Uint8Array([0]));
    expect(decode(new Reader(encode(c, { ids: [] }))).ids).toEqual([]);
    expect(decode(new Reader(encode(c, { ids: null }))).ids).toBeNull();
  });

  test('an object with every field omitted encodes as the defaults', () => {
    for (const c of allCases(ALL_APIS)) {
      const bytes = encode(c, {});
      const decoded = decoderFor(c.def, c.version, c.flexible)(new Reader(bytes));
      expect(encode(c, decoded)).toEqual(bytes);
    }
  });
});
