// Reading JSON Schemas as Confluent's JsonSchemaProvider does: the canonical and normalized
// strings (Jackson's compact print, BigDecimal floats, key order kept or sorted), each draft
// accepted and a schema its draft's meta-schema refuses, references, and parse errors as values.

import { describe, expect, test } from 'bun:test';
import type { RegisteredSchema, SchemaResolver } from '../../../../src/registry/schema-types.ts';
import type { SchemaReference } from '../../../../src/registry/schemas-records.ts';
import { bigDecimalString, JSON_DEPTH_MAX, JSON_NUMBER_CHARS_MAX } from '../../../../src/registry/json/json-text.ts';
import { REFERENCES_MAX, SCHEMA_CHARS_MAX } from '../../../../src/registry/json/parse.ts';
import { checkJsonCompatibility, jsonSchemaSupport } from '../../../../src/registry/json/support.ts';

const none: SchemaResolver = () => undefined;
const parse = (text: string, refs: readonly SchemaReference[] = [], resolve: SchemaResolver = none, isNew = true) =>
  jsonSchemaSupport.parse(text, refs, resolve, { isNew });

function ok(text: string, refs: readonly SchemaReference[] = [], resolve: SchemaResolver = none) {
  const outcome = parse(text, refs, resolve);
  if (!outcome.ok) throw new Error(outcome.error.message);
  return outcome.schema;
}

function refused(text: string, refs: readonly SchemaReference[] = [], resolve: SchemaResolver = none): string {
  const outcome = parse(text, refs, resolve);
  if (outcome.ok) throw new Error(`accepted: ${text.slice(0, 200)}`);
  expect(outcome.error.code).toBe(42201);
  // JsonSchemaProvider's wrap inside AbstractSchemaRegistry.loadSchema's.
  expect(outcome.error.message.startsWith('Invalid schema of type JSON, details: Invalid schema of type JSON, details: ')).toBe(true);
  return outcome.error.message;
}

describe('canonical(): Jackson compact print', () => {
  test('whitespace goes, key order stays as written, integer-like keys included', () => {
    const s = ok('{ "type" : "object",\n "properties": { "b": {"type":"string"}, "10": {"type":"number"}, "a": {} } }');
    // JSON.parse would put "10" first; Jackson's ObjectNode keeps insertion order.
    expect(s.canonical()).toBe('{"type":"object","properties":{"b":{"type":"string"},"10":{"type":"number"},"a":{}}}');
  });

  test('floats are printed as BigDecimal.toString of the literal; integers as their value', () => {
    const s = ok('{"type":"number","minimum":1.0,"maximum":1.50,"multipleOf":1e2,"default":-0,"exclusiveMaximum":0.0000001,"const":12345678901234567890}');
    expect(s.canonical()).toBe('{"type":"number","minimum":1.0,"maximum":1.50,"multipleOf":1E+2,"default":0,"exclusiveMaximum":1E-7,"const":12345678901234567890}');
  });

  test("BigDecimal.toString's own examples (java.math.BigDecimal javadoc table)", () => {
    // [unscaled, scale] -> string: [123,0] "123", [-123,0] "-123", [123,-1] "1.23E+3",
    // [123,-3] "1.23E+5", [123,1] "12.3", [123,5] "0.00123", [123,10] "1.23E-8", [-123,12] "-1.23E-10".
    expect(bigDecimalString('12.3e1')).toBe('123');
    expect(bigDecimalString('-12.3e1')).toBe('-123');
    expect(bigDecimalString('1.23e3')).toBe('1.23E+3');
    expect(bigDecimalString('1.23e5')).toBe('1.23E+5');
    expect(bigDecimalString('12.3')).toBe('12.3');
    expect(bigDecimalString('0.00123')).toBe('0.00123');
    expect(bigDecimalString('1.23e-8')).toBe('1.23E-8');
    expect(bigDecimalString('-1.23e-10')).toBe('-1.23E-10');
  });

  test('strings: quote, backslash and control characters escaped, Jackson style; "/" and non-ASCII kept', () => {
    const s = ok('{"description":"a\\"b\\\\c\\/d\\u0001\\t\\u00e9\\u2028"}');
    expect(s.canonical()).toBe('{"description":"a\\"b\\\\c/d\\u0001\\t\u00e9\u2028"}');
  });

  test('a duplicate key keeps its first place and its last value', () => {
    expect(ok('{"title":"x","type":"string","title":"y"}').canonical()).toBe('{"title":"y","type":"string"}');
  });

  test('normalized(): every object sorted by key, arrays in order (JsonSchema.normalize)', () => {
    const s = ok('{"type":"object","required":["b","a"],"properties":{"b":{"type":"string","title":"B"},"a":{"type":"integer"}}}');
    expect(s.normalized()).toBe('{"properties":{"a":{"type":"integer"},"b":{"title":"B","type":"string"}},"required":["b","a"],"type":"object"}');
  });

  test('two orders of the same properties are different schemas (JsonSchemaTest.testSchemasDifferentFieldOrder) but one normalized', () => {
    const a = ok('{"title":"Person","type":"object","properties":{"lastName":{"type":"string"},"firstName":{"type":"string"}}}');
    const b = ok('{"title":"Person","type":"object","properties":{"firstName":{"type":"string"},"lastName":{"type":"string"}}}');
    expect(a.canonical()).not.toBe(b.canonical());
    expect(a.normalized()).toBe(b.normalized());
  });

  test('no output formats; the type is JSON', () => {
    const s = ok('{"type":"string"}');
    expect(s.formatted('serialized')).toBeUndefined();
    expect(s.schemaType).toBe('JSON');
    expect(jsonSchemaSupport.schemaType).toBe('JSON');
  });
});

describe('drafts, chosen by $schema', () => {
  const cases: ReadonlyArray<{ draft: string; url: string; valid: string; invalid: string }> = [
    // draft 4: exclusiveMinimum is a boolean beside minimum (JsonSchemaTest.testParseSchemaDraft4's shape).
    { draft: 'draft-04', url: 'http://json-schema.org/draft-04/schema#', valid: '"type":"number","minimum":1,"exclusiveMinimum":true', invalid: '"type":"number","exclusiveMinimum":1' },
    // draft 6 made exclusiveMinimum a number.
    { draft: 'draft-06', url: 'http://json-schema.org/draft-06/schema#', valid: '"type":"number","exclusiveMinimum":1', invalid: '"type":"number","exclusiveMinimum":true' },
    { draft: 'draft-07', url: 'http://json-schema.org/draft-07/schema#', valid: '"type":"string","if":{"minLength":1},"then":{"maxLength":3}', invalid: '"type":5' },
    { draft: '2019-09', url: 'https://json-schema.org/draft/2019-09/schema', valid: '"type":"object","dependentRequired":{"a":["b"]},"unevaluatedProperties":false', invalid: '"minLength":-1' },
    { draft: '2020-12', url: 'https://json-schema.org/draft/2020-12/schema', valid: '"type":"array","prefixItems":[{"type":"string"}],"items":false', invalid: '"prefixItems":{"type":"string"}' },
  ];
  for (const c of cases) {
    test(`${c.draft}: a valid schema is accepted, one its meta-schema refuses is not`, () => {
      expect(ok(`{"$schema":"${c.url}",${c.valid}}`).canonical()).toBe(`{"$schema":"${c.url}",${c.valid}}`);
      expect(refused(`{"$schema":"${c.url}",${c.invalid}}`)).toContain(`not valid ${c.draft}`);
    });
  }

  test('no $schema, or an unknown one, reads as draft-07 (JsonSchema.rawSchema)', () => {
    expect(refused('{"type":"number","exclusiveMinimum":true}')).toContain('not valid draft-07');
    expect(refused('{"$schema":"http://example.com/mine","type":"number","exclusiveMinimum":true}')).toContain('not valid draft-07');
    expect(ok('{"type":"number","exclusiveMinimum":1}').canonical()).toBe('{"type":"number","exclusiveMinimum":1}');
  });

  test("Confluent's other draft URLs: https, no trailing '#', the bare schema URL for draft 4", () => {
    ok('{"$schema":"https://json-schema.org/draft-07/schema","type":"string"}');
    ok('{"$schema":"http://json-schema.org/draft/2020-12/schema#","type":"string"}');
    expect(refused('{"$schema":"http://json-schema.org/schema","type":"number","exclusiveMinimum":1}')).toContain('not valid draft-04');
  });

  test('a boolean schema is a schema', () => {
    expect(ok('true').canonical()).toBe('true');
  });
});

describe('parse errors are values', () => {
  test('not JSON (JsonSchemaTest.invalidSchemaString), not an object, too long, too deep', () => {
    refused('{"properties": {\n  "string": {"type": "str"}\n  }  "additionalProperties": false\n}');
    expect(refused('[1,2]')).toContain('expected an object or boolean at the root, found ARRAY');
    expect(refused(`{"description":"${'x'.repeat(SCHEMA_CHARS_MAX)}"}`)).toContain(`longer than ${SCHEMA_CHARS_MAX}`);
    const deep = `${'{"not":'.repeat(JSON_DEPTH_MAX + 1)}{}${'}'.repeat(JSON_DEPTH_MAX + 1)}`;
    expect(refused(deep)).toContain(`nesting deeper than ${JSON_DEPTH_MAX}`);
    expect(refused(`{"default":${'9'.repeat(JSON_NUMBER_CHARS_MAX + 1)}}`)).toContain(`number longer than ${JSON_NUMBER_CHARS_MAX}`);
    expect(ok(`{"default":${'9'.repeat(JSON_NUMBER_CHARS_MAX)}}`).canonical()).toBe(`{"default":${'9'.repeat(JSON_NUMBER_CHARS_MAX)}}`);
  });

  test('a schema with thousands of properties compiles (ajv nests code per property unless allErrors)', () => {
    // 3000 overflowed the stack when ajv stopped at the first error.
    const props = Array.from({ length: 3000 }, (_, i) => `"p${i}":{"type":"string"}`).join(',');
    expect(parse(`{"type":"object","properties":{${props}}}`).ok).toBe(true);
  }, 20_000);

  test('a $ref nothing resolves is refused (ajv compiles the schema)', () => {
    expect(refused('{"type":"object","properties":{"a":{"$ref":"#/definitions/missing"}}}')).toContain('missing');
    refused('{"$ref":"other.json"}');
  });

  test('an unknown type name is refused; ajv throwing on a bad pattern is caught', () => {
    refused('{"type":"str"}');
    refused('{"type":"string","pattern":"("}');
  });

  test('a new schema may not name a property "$$..." (JsonSchemaTest.testRestrictedFields); a stored one may', () => {
    const text = '{"type":"object","properties":{"$id":{"type":"string"},"$$title":{"type":"string"}}}';
    expect(refused(text)).toContain('Field names cannot start with $$ prefix');
    expect(parse(text, [], none, false).ok).toBe(true);
  });

  test('a stored schema (isNew false) is read leniently: no meta-schema check, no compile', () => {
    const invalidForDraft7 = '{"type":"number","exclusiveMinimum":true}';
    refused(invalidForDraft7);
    const stored = parse(invalidForDraft7, [], none, false);
    expect(stored.ok && stored.schema.canonical()).toBe(invalidForDraft7);
    expect(parse('{"$ref":"#/definitions/missing"}', [], none, false).ok).toBe(true);
    // Not JSON, or a cycle of $refs, is refused either way.
    expect(parse('{"type":', [], none, false).ok).toBe(false);
    expect(parse('{"$ref":"#"}', [], none, false).ok).toBe(false);
    expect(ok('{"type":"object","properties":{"$id":{"type":"string"}}}').schemaType).toBe('JSON');
  });
});

describe('references', () => {
  // JsonSchemaTest.getJsonSchemaWithReferences: a referrer with an absolute $id naming
  // "ref.json#/definitions/ExternalType", the reference registered as ("ref.json", "reference", 1).
  const draft7 = '"$schema":"http://json-schema.org/draft-07/schema#"';
  const refSchema = `{${draft7},"type":"object","additionalProperties":false,"definitions":{"ExternalType":{"type":"object","properties":{"name":{"type":"string"}},"additionalProperties":false}}}`;
  const main = `{${draft7},"$id":"https://acme.com/referrer.json","type":"object","properties":{"Ref":{"$ref":"ref.json#/definitions/ExternalType"}},"additionalProperties":false}`;
  const ref: SchemaReference = { name: 'ref.json', subject: 'reference', version: 1 };
  const registry = (entries: Record<string, RegisteredSchema>): SchemaResolver => (subject, version) => entries[`${subject}/${version}`];
  const json = (schema: string, references: readonly SchemaReference[] = []): RegisteredSchema => ({ schemaType: 'JSON', schema, references });

  test("a reference resolved through the registry, under its name and the referrer's $id", () => {
    const s = ok(main, [ref], registry({ 'reference/1': json(refSchema) }));
    expect(s.references).toEqual([ref]);
    expect(s.canonical()).toBe(main);
  });

  test('a reference the registry lacks, or of another type, is refused', () => {
    expect(refused(main, [ref])).toContain("Schema reference 'ref.json'");
    expect(refused(main, [ref], registry({ 'reference/1': { schemaType: 'AVRO', schema: '"string"', references: [] } }))).toContain('AVRO');
  });

  test("a reference's own references are read first; a cycle of references ends", () => {
    const leaf: SchemaReference = { name: 'leaf.json', subject: 'leaf', version: 2 };
    const middle = json('{"type":"object","properties":{"x":{"$ref":"leaf.json"}}}', [leaf]);
    const resolve = registry({ 'reference/1': middle, 'leaf/2': json('{"type":"integer"}', [ref]) });
    const s = ok('{"type":"object","properties":{"m":{"$ref":"ref.json"}}}', [ref], resolve);
    expect(s.canonical()).toBe('{"type":"object","properties":{"m":{"$ref":"ref.json"}}}');
  });

  test('too many references are refused', () => {
    const refs = Array.from({ length: REFERENCES_MAX + 1 }, (_, i): SchemaReference => ({ name: `r${i}.json`, subject: `s${i}`, version: 1 }));
    expect(refused('{"type":"string"}', refs, () => json('{"type":"string"}'))).toContain(`more than ${REFERENCES_MAX} references`);
  });

  test('the compatibility check follows $refs into referenced schemas', () => {
    const v1 = ok('{"type":"object","properties":{"a":{"$ref":"t.json"}}}', [{ name: 't.json', subject: 't', version: 1 }], registry({ 't/1': json('{"type":"string"}') }));
    const v2 = ok('{"type":"object","properties":{"a":{"$ref":"t.json"}}}', [{ name: 't.json', subject: 't', version: 2 }], registry({ 't/2': json('{"type":"integer"}') }));
    const v2b = ok('{"type":"object","properties":{"a":{"$ref":"t.json"}}}', [{ name: 't.json', subject: 't', version: 3 }], registry({ 't/3': json('{"type":"string","maxLength":9}') }));
    const result = checkJsonCompatibility('BACKWARD', v2, [v1]);
    expect(result.compatible).toBe(false);
    expect(result.messages[0]).toContain('TYPE_CHANGED');
    expect(result.messages[0]).toContain("'#/properties/a'");
    // maxLength added narrows: MAX_LENGTH_ADDED is not a compatible change.
    expect(checkJsonCompatibility('BACKWARD', v2b, [v1]).compatible).toBe(false);
    expect(checkJsonCompatibility('FORWARD', v2b, [v1]).compatible).toBe(true);
  });
});

describe('recursive schemas (JsonSchemaTest)', () => {
  test("testRecursiveSchema: a $ref to the schema's own $id parses and equals itself", () => {
    const text = '{"$schema":"http://json-schema.org/draft-07/schema#","$id":"task.schema.json","title":"Task","description":"A task","type":["null","object"],'
      + '"properties":{"parent":{"$ref":"task.schema.json"},"title":{"description":"Task title","type":"string"}}}';
    expect(checkJsonCompatibility('FULL', ok(text), [ok(text)])).toEqual({ compatible: true, messages: [] });
  });

  test('testRecursiveDefinition and testRecursiveDefinition2: "#" and a definition naming itself', () => {
    ok('{"$schema":"https://json-schema.org/draft/2020-12/schema","$defs":{"Permission":{"type":"object","properties":{"service":{"$ref":"#"}}}},'
      + '"type":"object","properties":{"permission":{"$ref":"#/$defs/Permission"}}}');
    const json = '{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","title":"ExampleEvent","properties":{"data":{"$ref":"#/$defs/JsonValue"}},'
      + '"$defs":{"JsonValue":{"anyOf":[{"type":"null"},{"type":"boolean"},{"type":"integer"},{"type":"number"},{"type":"string"},'
      + '{"type":"array","items":{"$ref":"#/$defs/JsonValue"}},{"type":"object","additionalProperties":{"$ref":"#/$defs/JsonValue"}}]}}}';
    expect(checkJsonCompatibility('FULL', ok(json), [ok(json)]).compatible).toBe(true);
  });

  test('a cycle of nothing but $refs is refused at once (ajv would recurse until the stack overflows)', () => {
    expect(refused('{"$ref":"#/definitions/a","definitions":{"a":{"$ref":"#/definitions/b"},"b":{"$ref":"#/definitions/a"}}}')).toContain("circular $ref '#/definitions/a'");
    expect(refused('{"allOf":[{"$ref":"#/allOf/0"}]}')).toContain('circular $ref');
  });
});

describe('"definitions" bridged into "$defs" (JsonSchema.mergeDefBuckets)', () => {
  test('a $ref to "#/$defs/X" finds X under "definitions"; the canonical string is the schema as written', () => {
    const text = (type: string) => `{"type":"object","properties":{"a":{"$ref":"#/$defs/X"}},"definitions":{"X":{"type":"${type}"}}}`;
    expect(ok(text('string')).canonical()).toBe(text('string'));
    const result = checkJsonCompatibility('BACKWARD', ok(text('integer')), [ok(text('string'))]);
    expect(result.compatible).toBe(false);
    expect(result.messages[0]).toContain("TYPE_CHANGED\", description:\"A type at path '#/properties/a'");
  });

  test('an entry "$defs" already has wins', () => {
    const s = ok('{"properties":{"a":{"$ref":"#/$defs/X"}},"$defs":{"X":{"type":"string"}},"definitions":{"X":{"type":"integer"}}}');
    const t = ok('{"properties":{"a":{"type":"string"}}}');
    expect(checkJsonCompatibility('FULL', s, [t]).compatible).toBe(true);
  });
});

describe('hostile names stay data', () => {
  test('"__proto__", "constructor" and code-like names are properties like any other', () => {
    const text = '{"type":"object","properties":{"__proto__":{"type":"string"},"constructor":{"type":"number"},"`${x}`\\\"":{"type":"string"}},"required":["__proto__"]}';
    const s = ok(text);
    expect(s.canonical()).toBe(text);
    const without = ok('{"type":"object","properties":{"constructor":{"type":"number"}}}');
    // Dropping the required "__proto__" property from an open model is compatible backward only.
    expect(checkJsonCompatibility('BACKWARD', without, [s]).compatible).toBe(true);
    expect(checkJsonCompatibility('FORWARD', without, [s]).compatible).toBe(false);
  });
});
