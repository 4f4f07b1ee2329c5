// avroSupport, the registry's SchemaSupport for AVRO (src/registry/avro/support.ts): errors as
// 42201 values, the canonical and normalized strings, "resolved", compatibility through the
// contract, and the guards on the contract's edges (another type's schema, another type's reference).

import { describe, expect, test } from 'bun:test';
import { avroSupport } from '../../../../src/registry/avro/support.ts';
import type { ParsedSchema, RegisteredSchema } from '../../../../src/registry/schema-types.ts';

const none = () => undefined;
const parse = (schema: unknown, resolve: (s: string, v: number) => RegisteredSchema | undefined = none, refs = [] as { name: string; subject: string; version: number }[]) => {
  const r = avroSupport.parse(JSON.stringify(schema), refs, resolve, { isNew: true });
  if (!r.ok) throw new Error(r.error.message);
  return r.schema;
};

describe('avroSupport', () => {
  test('an invalid schema is a 42201 value, not a throw', () => {
    const r = avroSupport.parse('{"type":"recrod"}', [], none, { isNew: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe(42201);
  });

  test('canonical keeps aliases as written; normalized sorts them (AvroSchemaUtils.toNormalizedString)', () => {
    const s = parse({ type: 'record', name: 'R', aliases: ['z', 'a'], fields: [{ name: 'f', type: 'int' }] });
    expect(s.schemaType).toBe('AVRO');
    expect(s.canonical()).toBe('{"type":"record","name":"R","fields":[{"name":"f","type":"int"}],"aliases":["z","a"]}');
    expect(s.normalized()).toBe('{"type":"record","name":"R","fields":[{"name":"f","type":"int"}],"aliases":["a","z"]}');
    expect(s.formatted('no-such-format')).toBeUndefined();
  });

  test('a reference resolves through the resolver; "resolved" writes it inline', () => {
    const ref: RegisteredSchema = { schemaType: 'AVRO', schema: '{"type":"fixed","name":"F","size":2}', references: [] };
    const s = parse({ type: 'record', name: 'R', fields: [{ name: 'f', type: 'F' }] }, () => ref, [{ name: 'F', subject: 'f', version: 1 }]);
    expect(s.canonical()).toBe('{"type":"record","name":"R","fields":[{"name":"f","type":"F"}]}');
    expect(s.formatted('resolved')).toBe('{"type":"record","name":"R","fields":[{"name":"f","type":{"type":"fixed","name":"F","size":2}}]}');
  });

  test('a reference to a schema of another type defines no Avro name: invalid', () => {
    const proto: RegisteredSchema = { schemaType: 'PROTOBUF', schema: 'syntax = "proto3";', references: [] };
    const r = avroSupport.parse('{"type":"record","name":"R","fields":[{"name":"f","type":"F"}]}', [{ name: 'F', subject: 'f', version: 1 }], () => proto, { isNew: true });
    expect(r.ok).toBe(false);
  });

  test('checkCompatibility: Avro verdicts, and another type is "Incompatible because of different schema type"', () => {
    const v1 = parse({ type: 'record', name: 'R', fields: [{ name: 'f', type: 'int' }] });
    const v2 = parse({ type: 'record', name: 'R', fields: [{ name: 'f', type: 'long' }] });
    expect(avroSupport.checkCompatibility('BACKWARD', v2, [v1]).compatible).toBe(true); // int promotes to long
    expect(avroSupport.checkCompatibility('FORWARD', v2, [v1]).compatible).toBe(false);
    const foreign = { ...v1, schemaType: 'JSON' } as ParsedSchema;
    expect(avroSupport.checkCompatibility('BACKWARD', v2, [foreign])).toEqual({ compatible: false, messages: ['Incompatible because of different schema type'] });
  });
});
