// Random values for a message definition at one version: what the round-trip and fuzz tests
// encode. Fields absent from the version hold their defaults (as the decoder produces them),
// nullable fields are sometimes null, tagged fields are sometimes left at their default.

import { uuidToString } from '../../../src/protocol/primitives.ts';
import { type ApiDef, type FieldDef, inRange, type StructDef, structDefaults } from '../../../src/protocol/schema.ts';
import type { Prng } from '../../../src/base/prng.ts';

/** Arrays stay short so nested messages stay small; depth bounds the total size. */
const ARRAY_LENGTH_MAX = 3;
const STRING_LENGTH_MAX = 12;
const BYTES_LENGTH_MAX = 24;

/** Mixes ASCII with 2-, 3- and 4-byte UTF-8 characters (valid UTF-16 only: no lone surrogates). */
const CHARS = ['a', 'Z', '0', '-', '.', '_', ' ', 'é', 'ß', '€', '中', '😀'];

export function defaultValue(f: FieldDef): unknown {
  const d = f.default;
  if (typeof d === 'symbol') return structDefaults(f.struct!);
  if (Array.isArray(d)) return [];
  return d;
}

function randomString(rng: Prng): string {
  let s = '';
  const n = rng.int(0, STRING_LENGTH_MAX);
  for (let i = 0; i < n; i++) s += rng.chance(0.7) ? String.fromCharCode(rng.int(32, 126)) : rng.pick(CHARS);
  return s;
}

function randomInt64(rng: Prng): number {
  const edge = [0, -1, 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
  if (rng.chance(0.3)) return rng.pick(edge);
  const hi = rng.int(-(2 ** 20), 2 ** 20 - 1);
  return hi * 2 ** 32 + rng.int(0, 2 ** 32 - 1);
}

function randomPrimitive(f: FieldDef, rng: Prng): unknown {
  switch (f.kind) {
    case 'bool':
      return rng.chance(0.5);
    case 'int8':
      return rng.int(-128, 127);
    case 'int16':
      return rng.int(-32768, 32767);
    case 'uint16':
      return rng.int(0, 65535);
    case 'int32':
      return rng.int(-(2 ** 31), 2 ** 31 - 1);
    case 'uint32':
      return rng.int(0, 2 ** 32 - 1);
    case 'int64':
      return randomInt64(rng);
    case 'float64':
      return rng.pick([0, -1.5, 3.25, 1e300, -1e-300, Number.MAX_VALUE, (rng.next() - 0.5) * 1e6]);
    case 'uuid':
      return uuidToString(rng.bytes(16), 0);
    case 'string':
      return randomString(rng);
    case 'bytes':
    case 'records':
      return rng.bytes(rng.int(0, BYTES_LENGTH_MAX));
    default:
      throw new Error(`not a primitive: ${f.kind}`);
  }
}

/** How often a tagged field is left at its default; 1 leaves every tagged field at its default. */
export interface GenOptions {
  taggedDefaultChance: number;
}
const DEFAULT_OPTIONS: GenOptions = { taggedDefaultChance: 0.4 };

export function randomField(
  f: FieldDef,
  version: number,
  flexible: boolean,
  rng: Prng,
  depth: number,
  opts: GenOptions = DEFAULT_OPTIONS,
): unknown {
  if (inRange(f.nullable, version) && rng.chance(0.2)) return null;
  // records are nullable on the wire whatever the definition says (see schema.ts readExpr).
  if (f.kind === 'records' && rng.chance(0.2)) return null;
  if (f.kind === 'struct') return randomStruct(f.struct!, version, flexible, rng, depth + 1, opts);
  if (f.kind === 'array') {
    const n = depth > 4 ? 0 : rng.int(0, ARRAY_LENGTH_MAX);
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(randomField(f.element!, version, flexible, rng, depth + 1, opts));
    return out;
  }
  return randomPrimitive(f, rng);
}

export function randomStruct(
  def: StructDef,
  version: number,
  flexible: boolean,
  rng: Prng,
  depth = 0,
  opts: GenOptions = DEFAULT_OPTIONS,
): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [name, f] of def.fields) {
    const tagged = flexible && f.tag !== null && inRange(f.taggedVersions, version);
    if (!inRange(f.versions, version) || (tagged && rng.chance(opts.taggedDefaultChance))) o[name] = defaultValue(f);
    else o[name] = randomField(f, version, flexible, rng, depth, opts);
  }
  return o;
}

export interface Case {
  api: ApiDef;
  version: number;
  flexible: boolean;
  direction: 'request' | 'response';
  def: StructDef;
}

/** Every (api, supported version, direction) of the given definitions. */
export function allCases(apis: readonly ApiDef[]): Case[] {
  const out: Case[] = [];
  for (const api of apis) {
    for (let version = api.versions.min; version <= api.versions.max; version++) {
      const flexible = inRange(api.flexible, version);
      out.push({ api, version, flexible, direction: 'request', def: api.request });
      out.push({ api, version, flexible, direction: 'response', def: api.response });
    }
  }
  return out;
}
