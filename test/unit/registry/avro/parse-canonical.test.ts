// Parsing (Confluent's AvroSchema constructor: references parsed first into one name table;
// 42201 for an invalid schema) and the two strings the registry compares schemas by:
// canonicalString() (Avro's Schema.toString(references, false)) and normalize() (Confluent's
// AvroSchemaUtils.toNormalizedString, parsed again). Expected texts follow the key order and
// rules of Avro's Schema.toJson / fieldsToJson and of AvroSchemaUtils.build, cited per test.

import { describe, expect, test } from 'bun:test';
import { canonicalString, normalizedString, normalizedText } from '../../../../src/registry/avro/canonical.ts';
import {
  INVALID_SCHEMA_ERROR_CODE, parseAvroSchema, REFERENCE_DEPTH_MAX, type ReferenceResolver, type SchemaReference,
} from '../../../../src/registry/avro/parse.ts';

function parsed(text: string, refs: SchemaReference[] = [], resolve?: ReferenceResolver) {
  const result = parseAvroSchema(text, refs, resolve);
  if (!result.ok) throw new Error(result.error.message);
  return result.schema;
}

const canonical = (text: string, refs: SchemaReference[] = [], resolve?: ReferenceResolver) => canonicalString(parsed(text, refs, resolve));
const normalized = (text: string, refs: SchemaReference[] = [], resolve?: ReferenceResolver) => normalizedString(parsed(text, refs, resolve));

describe('parse errors are values with error_code 42201', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['not JSON', '{"type":', /not JSON/],
    ['an unknown type name', '{"type":"record","name":"R","fields":[{"name":"a","type":"Nope"}]}', /Nope/],
    ['a record without fields', '{"type":"record","name":"R"}', /fields/],
    ['an invalid field name', '{"type":"record","name":"R","fields":[{"name":"1a","type":"int"}]}', /1a/],
    ['a default of the wrong type', '{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}', /default/],
    ['a union default not of the first branch', '{"type":"record","name":"R","fields":[{"name":"a","type":["null","string"],"default":"x"}]}', /default/],
    ['an enum default not among its symbols', '{"type":"enum","name":"E","symbols":["A"],"default":"B"}', /default/],
    ['a duplicate enum symbol', '{"type":"enum","name":"E","symbols":["A","A"]}', /duplicate/],
    ['a name defined twice', '{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"fixed","name":"F","size":1}},{"name":"b","type":{"type":"fixed","name":"F","size":2}}]}', /duplicate/],
    ['a JSON number', '42', /JSON string, object or array/],
  ];
  for (const [name, text, detail] of cases) {
    test(name, () => {
      const result = parseAvroSchema(text);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.errorCode).toBe(INVALID_SCHEMA_ERROR_CODE);
      expect(result.error.errorCode).toBe(42201);
      expect(result.error.message).toStartWith(`Invalid schema ${text} with refs [] of type AVRO, details: `);
      expect(result.error.message).toMatch(detail);
    });
  }

  test('valid schemas parse: a primitive by name, a union, a record', () => {
    for (const text of ['"string"', '["null","int"]', '{"type":"record","name":"R","fields":[]}']) {
      expect(parseAvroSchema(text).ok).toBe(true);
    }
  });
});

describe('references', () => {
  const address = '{"type":"record","name":"Address","namespace":"acme","fields":[{"name":"street","type":"string"}]}';
  const country = '{"type":"enum","name":"Country","namespace":"acme","symbols":["NL","FR"]}';
  const addressWithCountry = '{"type":"record","name":"Address","namespace":"acme","fields":[{"name":"country","type":"Country"}]}';
  const user = '{"type":"record","name":"User","namespace":"acme","fields":[{"name":"home","type":"Address"},{"name":"work","type":"acme.Address"}]}';
  const registry: Record<string, { schema: string; references: SchemaReference[] }> = {
    'address/1': { schema: address, references: [] },
    'country/1': { schema: country, references: [] },
    'address/2': { schema: addressWithCountry, references: [{ name: 'acme.Country', subject: 'country', version: 1 }] },
  };
  const resolve: ReferenceResolver = (subject, version) => registry[`${subject}/${version}`];

  test('a schema names a type its reference defines; the canonical string keeps it by name', () => {
    const refs = [{ name: 'acme.Address', subject: 'address', version: 1 }];
    // Avro's toString(referencedSchemas): a known name is written by name, short inside its namespace.
    expect(canonical(user, refs, resolve)).toBe('{"type":"record","name":"User","namespace":"acme","fields":[{"name":"home","type":"Address"},{"name":"work","type":"Address"}]}');
    expect(normalized(user, refs, resolve)).toBe(canonical(user, refs, resolve));
  });

  test('references of references are resolved first', () => {
    const refs = [{ name: 'acme.Address', subject: 'address', version: 2 }];
    expect(parsed(user, refs, resolve).referencedNames).toEqual(['acme.Country', 'acme.Address']);
  });

  test('without the reference the name is unknown: 42201', () => {
    const result = parseAvroSchema(user);
    expect(result.ok).toBe(false);
  });

  test('a reference the resolver does not know: 42201 naming it', () => {
    const result = parseAvroSchema(user, [{ name: 'acme.Address', subject: 'address', version: 9 }], resolve);
    expect(result.ok ? '' : result.error.message).toStartWith(`Invalid schema ${user} with refs [{name='acme.Address', subject='address', version=9}] of type AVRO, details: `);
    expect(result.ok ? '' : result.error.message).toContain("subject 'address' version 9 not found");
  });

  test('a cycle of references ends at the depth limit', () => {
    let n = 0;
    const endless: ReferenceResolver = () => ({ schema: '"int"', references: [{ name: 'x', subject: `s${++n}`, version: 1 }] });
    const result = parseAvroSchema('"int"', [{ name: 'x', subject: 's0', version: 1 }], endless);
    expect(result.ok ? '' : result.error.message).toContain(`deeper than ${REFERENCE_DEPTH_MAX}`);
  });
});

describe('canonicalString (Avro Schema.toString)', () => {
  test("Confluent's schema1, keys reordered and spaced, prints in Avro's key order", () => {
    const text = '{"type":"record",\n "name":"myrecord", "fields": [{"type":"string","name":"f1"}]}';
    expect(canonical(text)).toBe('{"type":"record","name":"myrecord","fields":[{"name":"f1","type":"string"}]}');
  });

  test('the same schema written twice differently has one canonical string', () => {
    const a = '{"type":"record","name":"R","namespace":"n","fields":[{"name":"a","type":{"type":"int"},"order":"ascending"}]}';
    const b = '{"fields":[{"type":"int","name":"a"}],"name":"n.R","type":"record"}';
    expect(canonical(a)).toBe(canonical(b));
    expect(canonical(a)).toBe('{"type":"record","name":"R","namespace":"n","fields":[{"name":"a","type":"int"}]}');
  });

  test('docs, defaults, order, aliases are kept in fieldsToJson order; a double default 1.0 prints as Jackson prints its DoubleNode', () => {
    const text = '{"type":"record","name":"R","doc":"a record","aliases":["Old"],"fields":[{"aliases":["b"],"order":"descending","default":1.0,"doc":"d","name":"a","type":"double"}]}';
    expect(canonical(text)).toBe('{"type":"record","name":"R","doc":"a record","fields":[{"name":"a","type":"double","doc":"d","default":1.0,"order":"descending","aliases":["b"]}],"aliases":["Old"]}');
  });

  test('a nested named type in the same namespace drops its namespace; a second use is by name', () => {
    const text = '{"type":"record","name":"R","namespace":"n","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["A"],"default":"A"}},{"name":"f","type":"n.E"},{"name":"x","type":{"type":"fixed","name":"other.X","size":2}}]}';
    expect(canonical(text)).toBe('{"type":"record","name":"R","namespace":"n","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["A"],"default":"A"}},{"name":"f","type":"E"},{"name":"x","type":{"type":"fixed","name":"X","namespace":"other","size":2}}]}');
  });

  test('a doc change changes the canonical string (the registry sees a new schema)', () => {
    expect(canonical('{"type":"record","name":"R","fields":[],"doc":"x"}')).not.toBe(canonical('{"type":"record","name":"R","fields":[],"doc":"y"}'));
  });

  test('union and record defaults print back as JSON', () => {
    const text = '{"type":"record","name":"R","fields":[{"name":"u","type":["null","string"],"default":null},{"name":"i","type":{"type":"record","name":"I","fields":[{"name":"b","type":"bytes"}]},"default":{"b":"\\u00ff"}},{"name":"m","type":{"type":"map","values":"long"},"default":{"k":1}}]}';
    expect(canonical(text)).toBe('{"type":"record","name":"R","fields":[{"name":"u","type":["null","string"],"default":null},{"name":"i","type":{"type":"record","name":"I","fields":[{"name":"b","type":"bytes"}]},"default":{"b":"\\u00ff"}},{"name":"m","type":{"type":"map","values":"long"},"default":{"k":1}}]}'.replace('\\u00ff', 'ÿ'));
  });
});

describe('props and logical types (Avro keeps them as props; avsc does not, so they come from the JSON)', () => {
  const text = '{"type":"record","name":"R","connect.name":"R","fields":[{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"},"connect.index":0},{"name":"amount","type":{"type":"bytes","scale":2,"precision":9,"logicalType":"decimal"}},{"name":"s","type":{"type":"string","avro.java.string":"String"}},{"name":"a","type":{"type":"array","items":"int","x":1}}]}';

  test('canonicalString keeps them in the schema\'s order (Schema.writeProps), record props before aliases', () => {
    expect(canonical(text)).toBe('{"type":"record","name":"R","fields":[{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"},"connect.index":0},{"name":"amount","type":{"type":"bytes","scale":2,"precision":9,"logicalType":"decimal"}},{"name":"s","type":{"type":"string","avro.java.string":"String"}},{"name":"a","type":{"type":"array","items":"int","x":1}}],"connect.name":"R"}');
  });

  test('the normalized form sorts them by key (AvroSchemaUtils.setSimpleProps: a TreeMap)', () => {
    expect(normalized(text)).toBe('{"type":"record","name":"R","fields":[{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"},"connect.index":0},{"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},{"name":"s","type":{"type":"string","avro.java.string":"String"}},{"name":"a","type":{"type":"array","items":"int","x":1}}],"connect.name":"R"}');
  });

  test('a schema without its logicalType is a different schema', () => {
    expect(canonical('{"type":"long","logicalType":"timestamp-millis"}')).not.toBe(canonical('"long"'));
    expect(canonical('{"type":"long"}')).toBe('"long"');
  });
});

describe('normalized form (AvroSchemaUtils.toNormalizedString, parsed again)', () => {
  test('the normalized text puts name first, full names, order on every field, aliases sorted', () => {
    const text = '{"type":"record","name":"R","namespace":"n","aliases":["Z","A"],"fields":[{"name":"a","type":"int","aliases":["y","x"],"default":0}]}';
    expect(normalizedText(parsed(text))).toBe('{"name":"n.R","type":"record","fields":[{"name":"a","type":"int","order":"ascending","aliases":["x","y"],"default":0}],"aliases":["n.A","n.Z"]}');
  });

  test('schemas differing only in alias order normalize to one string but keep two canonical strings', () => {
    const a = '{"type":"record","name":"R","aliases":["P","Q"],"fields":[{"name":"f","type":"int","aliases":["b","a"]}]}';
    const b = '{"type":"record","name":"R","aliases":["Q","P"],"fields":[{"name":"f","type":"int","aliases":["a","b"]}]}';
    expect(canonical(a)).not.toBe(canonical(b));
    expect(normalized(a)).toBe(normalized(b));
    expect(normalized(a)).toBe('{"type":"record","name":"R","fields":[{"name":"f","type":"int","aliases":["a","b"]}],"aliases":["P","Q"]}');
  });

  test('an empty record doc is dropped by normalization (setComplexProps skips it)', () => {
    expect(normalized('{"type":"record","name":"R","doc":"","fields":[]}')).toBe('{"type":"record","name":"R","fields":[]}');
    expect(canonical('{"type":"record","name":"R","doc":"","fields":[]}')).toBe('{"type":"record","name":"R","doc":"","fields":[]}');
  });
});
