// Confluent's JSON Schema compatibility over the table of rules (compatibility-table.ts, each row
// citing the Confluent test case whose verdicts and differences it carries): the verdict at BACKWARD, FORWARD and FULL, and the exact differences
// SchemaDiff reports. A checker with one rule flipped runs over the same table and must
// disagree with it, so the table can fail. Then the levels (transitive, NONE), the verbose
// messages, the lenient policy, and Confluent's circular-$ref case.

import { describe, expect, test } from 'bun:test';
import { DIFF_DEPTH_MAX, diffSchemas } from '../../../../src/registry/json/diff.ts';
import { COMPATIBLE_CHANGES, type DifferenceType } from '../../../../src/registry/json/differences.ts';
import { checkJsonCompatibility, jsonSchemaSupport, ParsedJsonSchema } from '../../../../src/registry/json/support.ts';
import type { ParsedSchema } from '../../../../src/registry/schema-types.ts';
import type { CompatibilityLevel } from '../../../../src/registry/schemas-records.ts';
import { COMPATIBILITY_TABLE } from './compatibility-table.ts';

const parsedCache = new Map<string, ParsedJsonSchema>();
function parsed(schema: unknown): ParsedJsonSchema {
  const text = typeof schema === 'string' ? schema : JSON.stringify(schema);
  const cached = parsedCache.get(text);
  if (cached !== undefined) return cached;
  const outcome = jsonSchemaSupport.parse(text, [], () => undefined, { isNew: true });
  if (!outcome.ok) throw new Error(outcome.error.message);
  parsedCache.set(text, outcome.schema as ParsedJsonSchema);
  return outcome.schema as ParsedJsonSchema;
}

const verdict = (level: CompatibilityLevel, next: unknown, previous: unknown[], compatible = COMPATIBLE_CHANGES.STRICT): boolean =>
  checkJsonCompatibility(level, parsed(next), previous.map(parsed), compatible).compatible;

/** Rows `compatible` (a policy, perhaps broken) judges unlike Confluent, one line each. */
function disagreements(compatible: ReadonlySet<DifferenceType>): string[] {
  const out: string[] = [];
  for (const row of COMPATIBILITY_TABLE) {
    const backward = verdict('BACKWARD', row.new, [row.old], compatible);
    if (backward !== row.backward) out.push(`${row.name}: BACKWARD ${backward}, expected ${row.backward}`);
    if (row.forward === undefined) continue;
    const forward = verdict('FORWARD', row.new, [row.old], compatible);
    if (forward !== row.forward) out.push(`${row.name}: FORWARD ${forward}, expected ${row.forward}`);
    const full = verdict('FULL', row.new, [row.old], compatible);
    if (full !== (row.backward && row.forward)) out.push(`${row.name}: FULL ${full}`);
  }
  return out;
}

describe('the table of rules', () => {
  test('has enough pairs, both verdicts and forward verdicts among them', () => {
    expect(COMPATIBILITY_TABLE.length).toBeGreaterThanOrEqual(60);
    expect(new Set(COMPATIBILITY_TABLE.map((r) => r.name)).size).toBe(COMPATIBILITY_TABLE.length);
    for (const r of COMPATIBILITY_TABLE) expect(r.confluent).toMatch(/^(diff-(combined-)?schema-examples(-2020-12)?\.json: "|\w*SchemaDiff\.java \+ )/);
    expect(COMPATIBILITY_TABLE.some((r) => r.backward)).toBe(true);
    expect(COMPATIBILITY_TABLE.some((r) => !r.backward)).toBe(true);
    expect(COMPATIBILITY_TABLE.filter((r) => r.forward !== undefined).length).toBeGreaterThanOrEqual(20);
  });

  test('BACKWARD, FORWARD and FULL agree with every row', () => {
    expect(disagreements(COMPATIBLE_CHANGES.STRICT)).toEqual([]);
  });

  test("SchemaDiff's differences are Confluent's, row by row", () => {
    const wrong: string[] = [];
    for (const row of COMPATIBILITY_TABLE) {
      const found = diffSchemas(COMPATIBLE_CHANGES.STRICT, parsed(row.old).schema(), parsed(row.new).schema());
      // Confluent walks properties in HashSet order: compare as sorted lists.
      const got = found.map((d) => `${d.type} ${d.path}`).sort();
      const expected = [...row.changes].sort();
      if (JSON.stringify(got) !== JSON.stringify(expected)) wrong.push(`${row.name}: ${JSON.stringify(got)} != ${JSON.stringify(expected)}`);
    }
    expect(wrong).toEqual([]);
  });

  test('a checker with one rule flipped fails the table', () => {
    // A sum type that gains a branch made incompatible, and a changed type made compatible.
    const noSumExtension = new Set([...COMPATIBLE_CHANGES.STRICT].filter((t) => t !== 'SUM_TYPE_EXTENDED'));
    const typeChangeAllowed = new Set([...COMPATIBLE_CHANGES.STRICT, 'TYPE_CHANGED']);
    expect(disagreements(noSumExtension).length).toBeGreaterThan(0);
    expect(disagreements(typeChangeAllowed).length).toBeGreaterThan(0);
  });
});

const S = (props: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties: props, ...extra });
const str = { type: 'string' };

describe('levels', () => {
  // Closed content model: adding an optional property is compatible (Confluent's case "Detect
  // optional property added to closed content model"), removing one is not
  // (PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL is outside COMPATIBLE_CHANGES_STRICT).
  const v1 = S({ a: str }, { additionalProperties: false });
  const v2 = S({ a: str, b: str }, { additionalProperties: false });
  const v3 = S({ b: str }, { additionalProperties: false });

  test('NONE and a first schema are always compatible', () => {
    expect(verdict('NONE', v3, [v1])).toBe(true);
    expect(verdict('FULL_TRANSITIVE', v3, [])).toBe(true);
  });

  test('BACKWARD reads the latest only; BACKWARD_TRANSITIVE every previous schema', () => {
    expect(verdict('BACKWARD', v2, [v1])).toBe(true);
    expect(verdict('FORWARD', v2, [v1])).toBe(false);
    expect(verdict('BACKWARD', v3, [v2])).toBe(false);
    // The latest schema is v3 itself; only an older one (v1) had "a", which v3's closed model
    // cannot read: the transitive levels see it, the plain ones do not.
    expect(verdict('BACKWARD', v3, [v3, v1])).toBe(true);
    expect(verdict('FULL', v3, [v3, v1])).toBe(true);
    expect(verdict('BACKWARD_TRANSITIVE', v3, [v3, v1])).toBe(false);
    expect(verdict('FORWARD_TRANSITIVE', v3, [v3, v1])).toBe(false);
    expect(verdict('FULL_TRANSITIVE', v3, [v3, v1])).toBe(false);
    const v4 = S({ a: str, b: str, c: str }, { additionalProperties: false });
    expect(verdict('BACKWARD_TRANSITIVE', v4, [v2, v1])).toBe(true);
  });

  test('verbose messages are Difference.toString() with new/old filled in', () => {
    const result = checkJsonCompatibility('BACKWARD', parsed({ type: 'string', maxLength: 5 }), [parsed({ type: 'string', maxLength: 10 })]);
    expect(result.compatible).toBe(false);
    expect(result.messages).toEqual([
      `{errorType:"MAX_LENGTH_DECREASED", description:"The value at path '#/maxLength' in the new schema is less than its value in the old schema'}`,
    ]);
    const forward = checkJsonCompatibility('FORWARD', parsed({ type: 'string', maxLength: 10 }), [parsed({ type: 'string', maxLength: 5 })]);
    expect(forward.messages).toEqual([
      `{errorType:"MAX_LENGTH_DECREASED", description:"The value at path '#/maxLength' in the old schema is less than its value in the new schema'}`,
    ]);
  });

  test('FULL lists the old-reads-new findings first, then new-reads-old (SchemaValidatorBuilder.mutualReadStrategy)', () => {
    const result = checkJsonCompatibility('FULL', parsed({ type: 'integer' }), [parsed({ type: 'string' })]);
    expect(result.messages).toEqual([
      `{errorType:"TYPE_CHANGED", description:"A type at path '#/' is different between the old schema and the new schema'}`,
      `{errorType:"TYPE_CHANGED", description:"A type at path '#/' is different between the new schema and the old schema'}`,
    ]);
  });

  test('a previous schema of another type is incompatible (SchemaValidatorBuilder.DIFFERENT_SCHEMA_TYPE)', () => {
    const avro: ParsedSchema = { schemaType: 'AVRO', references: [], canonical: () => '"string"', normalized: () => '"string"', formatted: () => undefined };
    expect(checkJsonCompatibility('BACKWARD', parsed({ type: 'string' }), [avro])).toEqual({
      compatible: false, messages: ['Incompatible because of different schema type'],
    });
    expect(checkJsonCompatibility('NONE', parsed({ type: 'string' }), [avro]).compatible).toBe(true);
  });

  test('the lenient policy allows an optional property added to an open model; strict does not', () => {
    // diff-schema-examples.json "Detect property added to open content model": incompatible
    // (strict); OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL is in COMPATIBLE_CHANGES_LENIENT.
    const before = S({ foo: str });
    const after = S({ foo: str, bar: str });
    expect(verdict('BACKWARD', after, [before])).toBe(false);
    expect(verdict('BACKWARD', after, [before], COMPATIBLE_CHANGES.LENIENT)).toBe(true);
  });
});

/** CircularRefSchemaDiffTest.circularSchema: a 2020-12 oneOf whose branches $ref back to it. */
function circularSchema(branches: number, props: number, tagPrefix = 'type'): string {
  const types = Array.from({ length: branches }, (_, i) => {
    const refs = Array.from({ length: props }, (_, p) => `"ref${p}":{"$ref":"#/$defs/ProductOrId"},`).join('');
    return `"Type${i}":{"$ref":"#/$defs/Base","type":"object","properties":{${refs}"tag":{"type":"string","const":"${tagPrefix}${i}"}},"required":["ref0","tag"]},`;
  }).join('');
  const product = Array.from({ length: branches }, (_, i) => `{"$ref":"#/$defs/Type${i}"}`).join(',');
  return `{"$schema":"https://json-schema.org/draft/2020-12/schema","$defs":{`
    + `"SimpleId":{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]},`
    + `"Base":{"type":"object","properties":{"name":{"type":"string"}}},`
    + `"ProductOrId":{"oneOf":[{"$ref":"#/$defs/SimpleId"},{"$ref":"#/$defs/Product"}]},`
    + `${types}"Product":{"oneOf":[${product}]}},"$ref":"#/$defs/Product"}`;
}

describe('circular $refs (CircularRefSchemaDiffTest)', () => {
  test('12 branches x 5 circular properties compare against themselves, compatible', () => {
    const schema = circularSchema(12, 5);
    expect(checkJsonCompatibility('FULL', parsed(schema), [parsed(schema)])).toEqual({ compatible: true, messages: [] });
  });

  test('a change deep inside the cycle is still found', () => {
    const result = checkJsonCompatibility('BACKWARD', parsed(circularSchema(3, 2, 'kind')), [parsed(circularSchema(3, 2))]);
    expect(result.compatible).toBe(false);
    expect(result.messages.some((m) => m.includes('COMBINED_TYPE_SUBSCHEMAS_CHANGED') || m.includes('ENUM_ARRAY_CHANGED'))).toBe(true);
  });
});

describe('bounds', () => {
  test('a $ref chain deeper than DIFF_DEPTH_MAX ends the check with a message, not a throw', () => {
    const n = DIFF_DEPTH_MAX + 10;
    const defs = Array.from({ length: n }, (_, i) => `"d${i}":{"type":"object","properties":{"next":{"$ref":"#/definitions/d${i + 1}"}}}`).join(',');
    const schema = `{"definitions":{${defs},"d${n}":{"type":"string"}},"$ref":"#/definitions/d0"}`;
    const result = checkJsonCompatibility('BACKWARD', parsed(schema), [parsed(schema)]);
    expect(result).toEqual({ compatible: false, messages: [`comparisons nested deeper than ${DIFF_DEPTH_MAX}`] });
    // A short chain of the same shape compares fine.
    const short = schema.replace(`"d0":`, '"unused":').replace('"$ref":"#/definitions/d0"', `"$ref":"#/definitions/d${n - 5}"`);
    expect(checkJsonCompatibility('BACKWARD', parsed(short), [parsed(short)]).compatible).toBe(true);
  });
});
