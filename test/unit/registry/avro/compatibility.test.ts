// Confluent's compatibility levels over the table of schema pairs (compatibility-table.ts, each
// row citing its source), Confluent's transitive cases, and the verbose reasons. A checker with
// one rule broken is run over the same table and must disagree with it, so the table can fail.

import { describe, expect, test } from 'bun:test';
import avro from 'avsc';
import { CHECK_STEPS_MAX, checkReaderWriter, type Incompatibility } from '../../../../src/registry/avro/compatibility.ts';
import { checkCompatibility, type CompatibilityLevel } from '../../../../src/registry/avro/levels.ts';
import { parseAvroSchema } from '../../../../src/registry/avro/parse.ts';
import { COMPATIBILITY_TABLE, S1, S2, S3, S8, type CompatibilityRow } from './compatibility-table.ts';

function typeOf(schema: unknown): avro.Type {
  const parsed = parseAvroSchema(JSON.stringify(schema));
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.schema.type;
}

type ReaderWriter = (reader: avro.Type, writer: avro.Type) => Incompatibility[];

const realChecker: ReaderWriter = (reader, writer) => {
  const result = checkReaderWriter(reader, writer);
  if (!result.ok) throw new Error(result.error);
  return result.incompatibilities;
};

/** Rows whose verdicts or incompatibility types `checker` gets wrong, one line each. */
function disagreements(checker: ReaderWriter): string[] {
  const out: string[] = [];
  for (const row of COMPATIBILITY_TABLE) {
    const oldType = typeOf(row.old);
    const newType = typeOf(row.new);
    const backward = checker(newType, oldType);
    const forward = checker(oldType, newType);
    const want = (r: CompatibilityRow, dir: 'backward' | 'forward') => (dir === 'backward' ? r.backwardTypes : r.forwardTypes) ?? [];
    if ((backward.length === 0) !== row.backward) out.push(`${row.name}: backward ${row.backward ? 'expected compatible' : 'expected incompatible'}`);
    if ((forward.length === 0) !== row.forward) out.push(`${row.name}: forward ${row.forward ? 'expected compatible' : 'expected incompatible'}`);
    if (JSON.stringify(backward.map((i) => i.type)) !== JSON.stringify(want(row, 'backward'))) out.push(`${row.name}: backward types ${backward.map((i) => i.type)}`);
    if (JSON.stringify(forward.map((i) => i.type)) !== JSON.stringify(want(row, 'forward'))) out.push(`${row.name}: forward types ${forward.map((i) => i.type)}`);
  }
  return out;
}

describe('the table of schema pairs', () => {
  test('has at least 30 rows, each with a source', () => {
    expect(COMPATIBILITY_TABLE.length).toBeGreaterThanOrEqual(30);
    for (const row of COMPATIBILITY_TABLE) expect(row.source).toMatch(/\[(CT|DOC|SPEC)\]/);
  });

  for (const row of COMPATIBILITY_TABLE) {
    test(`${row.name} (${row.source})`, () => {
      const oldType = typeOf(row.old);
      const newType = typeOf(row.new);
      const verdict = (level: CompatibilityLevel) => checkCompatibility(level, newType, [oldType]).compatible;
      expect({ BACKWARD: verdict('BACKWARD'), FORWARD: verdict('FORWARD'), FULL: verdict('FULL'), NONE: verdict('NONE') }).toEqual({
        BACKWARD: row.backward,
        FORWARD: row.forward,
        FULL: row.backward && row.forward,
        NONE: true,
      });
      expect(realChecker(newType, oldType).map((i) => i.type)).toEqual([...(row.backwardTypes ?? [])]);
      expect(realChecker(oldType, newType).map((i) => i.type)).toEqual([...(row.forwardTypes ?? [])]);
    });
  }

  test('the real checker agrees with every row', () => {
    expect(disagreements(realChecker)).toEqual([]);
  });

  test('a checker that forgets that a reader field without a writer field needs a default fails the table', () => {
    const forgetsDefaults: ReaderWriter = (r, w) => realChecker(r, w).filter((i) => i.type !== 'READER_FIELD_MISSING_DEFAULT_VALUE');
    expect(disagreements(forgetsDefaults).length).toBeGreaterThanOrEqual(4);
  });

  test('a checker with reader and writer swapped fails the table', () => {
    const swapped: ReaderWriter = (r, w) => realChecker(w, r);
    expect(disagreements(swapped).length).toBeGreaterThanOrEqual(20);
  });

  test('a checker that ignores enum symbols fails the table', () => {
    const noEnums: ReaderWriter = (r, w) => realChecker(r, w).filter((i) => i.type !== 'MISSING_ENUM_SYMBOLS');
    expect(disagreements(noEnums).length).toBeGreaterThan(0);
  });
});

// Confluent's AvroCompatibilityTest passes the history oldest first; ours is latest first.
describe('transitive levels (Confluent AvroCompatibilityTest)', () => {
  const [s1, s2, s3, s8] = [S1, S2, S3, S8].map(typeOf);
  const ok = (level: CompatibilityLevel, next: avro.Type, latestFirst: avro.Type[]) => checkCompatibility(level, next, latestFirst).compatible;

  test('BACKWARD checks only the latest: schema3 after [schema1, schema2]', () => {
    expect(ok('BACKWARD', s3, [s2, s1])).toBe(true);
  });
  test('BACKWARD_TRANSITIVE: adding fields with defaults step by step; removing a default is not transitive', () => {
    expect(ok('BACKWARD_TRANSITIVE', s8, [s2, s1])).toBe(true);
    expect(ok('BACKWARD_TRANSITIVE', s3, [s2])).toBe(true);
    expect(ok('BACKWARD_TRANSITIVE', s3, [s1, s2])).toBe(false);
  });
  test('FORWARD checks only the latest: schema1 after [schema3, schema2]', () => {
    expect(ok('FORWARD', s1, [s2, s3])).toBe(true);
  });
  test('FORWARD_TRANSITIVE: removing fields with defaults step by step; removing a default is not transitive', () => {
    expect(ok('FORWARD_TRANSITIVE', s1, [s2, s8])).toBe(true);
    expect(ok('FORWARD_TRANSITIVE', s1, [s3, s2])).toBe(false);
  });
  test('FULL checks only the latest; FULL_TRANSITIVE all', () => {
    expect(ok('FULL', s3, [s2, s1])).toBe(true);
    expect(ok('FULL', s1, [s2, s3])).toBe(true);
    expect(ok('FULL_TRANSITIVE', s8, [s2, s1])).toBe(true);
    expect(ok('FULL_TRANSITIVE', s1, [s2, s8])).toBe(true);
    expect(ok('FULL_TRANSITIVE', s3, [s1, s2])).toBe(false);
    expect(ok('FULL_TRANSITIVE', s1, [s3, s2])).toBe(false);
  });
  test('no previous schema: every level is compatible', () => {
    expect(ok('FULL_TRANSITIVE', s3, [])).toBe(true);
  });
});

describe('limits', () => {
  test('a check past CHECK_STEPS_MAX pairs ends with an error value, not a verdict', () => {
    // Built with avsc directly: a schema text this wide is already refused by SCHEMA_CHARS_MAX.
    const wide = avro.Type.forSchema({ type: 'record', name: 'W', fields: Array.from({ length: CHECK_STEPS_MAX }, (_, i) => ({ name: `f${i}`, type: 'int' })) });
    const result = checkReaderWriter(wide, wide);
    expect(result).toEqual({ ok: false, error: `compatibility check exceeded ${CHECK_STEPS_MAX} steps` });
    const verdict = checkCompatibility('BACKWARD', wide, [wide]);
    expect(verdict).toEqual({ compatible: false, messages: [`compatibility check exceeded ${CHECK_STEPS_MAX} steps`] });
  });
});

describe('verbose reasons', () => {
  // Confluent's Difference.error() format; the path is Avro's JSON pointer into the reader.
  test('a new field without a default (BACKWARD)', () => {
    const verdict = checkCompatibility('BACKWARD', typeOf(S3), [typeOf(S1)]);
    expect(verdict.messages).toEqual([
      "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'f2' at path '/fields/1' in the new schema has no default value and is missing in the old schema', additionalInfo:'f2'}",
    ]);
  });

  test('paths and messages of nested incompatibilities', () => {
    const oldT = typeOf({ type: 'record', name: 'R', fields: [{ name: 'e', type: { type: 'enum', name: 'E', symbols: ['A', 'B', 'C'] } }, { name: 'm', type: { type: 'map', values: { type: 'fixed', name: 'F', size: 4 } } }] });
    const newT = typeOf({ type: 'record', name: 'R', fields: [{ name: 'e', type: { type: 'enum', name: 'E', symbols: ['A'] } }, { name: 'm', type: { type: 'map', values: { type: 'fixed', name: 'G', size: 8 } } }] });
    expect(realChecker(newT, oldT)).toEqual([
      { type: 'MISSING_ENUM_SYMBOLS', location: '/fields/0/type/symbols', message: '[B, C]' },
      { type: 'NAME_MISMATCH', location: '/fields/1/type/values/name', message: 'expected: F' },
      { type: 'FIXED_SIZE_MISMATCH', location: '/fields/1/type/values/size', message: 'expected: 4, found: 8' },
    ]);
  });

  test('missing enum symbols are listed sorted, as Avro prints its TreeSet', () => {
    const oldT = typeOf({ type: 'enum', name: 'E', symbols: ['A', 'D', 'C', 'B'] });
    const newT = typeOf({ type: 'enum', name: 'E', symbols: ['A'] });
    expect(realChecker(newT, oldT)).toEqual([{ type: 'MISSING_ENUM_SYMBOLS', location: '/symbols', message: '[B, C, D]' }]);
  });

  test("a writer union's branches are checked from a fresh location: their reasons point at the root (Avro)", () => {
    // Avro's calculateCompatibility calls getCompatibility(reader, branch), which starts a new
    // location stack: the TYPE_MISMATCH for the null branch is located at "/", not "/fields/0/type".
    expect(realChecker(typeOf(S1), typeOf({ type: 'record', name: 'myrecord', fields: [{ name: 'f1', type: ['null', 'string'] }] }))).toEqual([
      { type: 'TYPE_MISMATCH', location: '/', message: 'reader type: STRING not compatible with writer type: NULL' },
    ]);
  });

  test('a recursive type that changes is reported once and the check ends', () => {
    // Avro: the pair (L, L) met again inside itself is RECURSION_IN_PROGRESS, read as compatible,
    // so the union's L branch adds nothing; only the changed field is reported.
    const list = (value: string) => typeOf({ type: 'record', name: 'L', fields: [{ name: 'value', type: value }, { name: 'next', type: ['null', 'L'] }] });
    expect(realChecker(list('int'), list('long'))).toEqual([
      { type: 'TYPE_MISMATCH', location: '/fields/0/type', message: 'reader type: INT not compatible with writer type: LONG' },
    ]);
    expect(realChecker(list('long'), list('int'))).toEqual([]);
  });

  test('a union lacking a writer branch names the branch index (FORWARD: the old schema reads)', () => {
    const verdict = checkCompatibility('FORWARD', typeOf({ type: 'record', name: 'myrecord', fields: [{ name: 'f1', type: ['null', 'string', 'int'] }] }), [typeOf({ type: 'record', name: 'myrecord', fields: [{ name: 'f1', type: ['null', 'string'] }] })]);
    expect(verdict.messages).toEqual([
      "{errorType:'MISSING_UNION_BRANCH', description:'The old schema is missing a type inside a union field at path '/fields/0/type/2' in the new schema', additionalInfo:'reader union lacking writer type: INT'}",
    ]);
  });
});
