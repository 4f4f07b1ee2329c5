// The service layer directly: the named bound on a compatibility check's history, and the
// dispatch by schemaType through the support table.

import { describe, expect, test } from 'bun:test';
import { avroSupport } from '../../../src/registry/avro/support.ts';
import { MemoryRegistryBackend } from '../../../src/registry/registry-backend.ts';
import { COMPATIBILITY_TARGETS_MAX, REQUEST_PARSE_CACHED_CHARS_MAX, REQUEST_PARSES_CACHED_MAX, RegistryService, supportTable } from '../../../src/registry/registry-service.ts';
import type { SchemaSupport } from '../../../src/registry/schema-types.ts';
import { SCHEMA_KEY_MAGIC } from '../../../src/registry/schemas-records.ts';

const schemaRecord = (version: number, schema: string) => ({
  key: { keytype: 'SCHEMA' as const, subject: 's', version, magic: SCHEMA_KEY_MAGIC },
  value: { subject: 's', version, id: version, references: [], schema, deleted: false },
});

describe('RegistryService', () => {
  test('a transitive check over more than COMPATIBILITY_TARGETS_MAX versions answers incompatible, saying why', () => {
    const backend = new MemoryRegistryBackend();
    for (let v = 1; v <= COMPATIBILITY_TARGETS_MAX + 1; v++) backend.state.apply(schemaRecord(v, '"int"'));
    backend.state.apply({ key: { keytype: 'CONFIG', subject: 's', magic: 0 }, value: { subject: 's', compatibilityLevel: 'BACKWARD_TRANSITIVE' } } as never);
    const service = new RegistryService(backend, supportTable([avroSupport]));
    const verdict = service.testCompatibility('s', null, { schema: '"int"', references: [] }, false, true);
    expect(verdict).toEqual({ ok: true, value: [`more than ${COMPATIBILITY_TARGETS_MAX} previous schemas to check`] });
    // The non-transitive level reads the latest only, and passes.
    expect(service.testCompatibility('s', 'latest', { schema: '"int"', references: [] }, false, true)).toEqual({ ok: true, value: [] });
  });

  test('a schemaType without a support in the table is 42201 "Invalid schema type"', () => {
    const service = new RegistryService(new MemoryRegistryBackend(), supportTable([avroSupport]));
    expect(service.schemaTypes()).toEqual(['AVRO']);
    const r = service.lookup('s', { schema: 'syntax = "proto3";', schemaType: 'PROTOBUF', references: [] }, false, false);
    expect(r).toEqual({ ok: false, error: { code: 42201, message: 'Invalid schema type PROTOBUF' } });
  });

  test('request schemas without references are parsed once (bounded cache); the answers stay the same', () => {
    const parsedTexts: string[] = [];
    const counting: SchemaSupport = { ...avroSupport, parse: (text, refs, resolve, options) => (parsedTexts.push(text), avroSupport.parse(text, refs, resolve, options)) };
    const backend = new MemoryRegistryBackend();
    backend.state.apply(schemaRecord(1, '"int"'));
    const service = new RegistryService(backend, supportTable([counting]));
    const looked = [1, 2, 3].map(() => service.lookup('s', { schema: ' "int" ', references: [] }, false, false));
    expect(looked.map((r) => (r.ok ? r.value.id : r.error.code))).toEqual([1, 1, 1]);
    expect(parsedTexts.filter((t) => t === ' "int" ')).toHaveLength(1);
    // An invalid schema is not cached: each request gets its 42201 afresh.
    const bad = [1, 2].map(() => service.lookup('s', { schema: '"nope"', references: [] }, false, false));
    expect(bad.map((r) => (r.ok ? 0 : r.error.code))).toEqual([42201, 42201]);
    expect(parsedTexts.filter((t) => t === '"nope"')).toHaveLength(2);
    // Texts beyond the cached size are parsed every time.
    const long = JSON.stringify({ type: 'string', doc: 'x'.repeat(REQUEST_PARSE_CACHED_CHARS_MAX) });
    for (let i = 0; i < 2; i++) service.lookup('s', { schema: long, references: [] }, false, false);
    expect(parsedTexts.filter((t) => t === long)).toHaveLength(2);
    // The bound: past REQUEST_PARSES_CACHED_MAX other texts, the first is parsed again.
    for (let i = 0; i < REQUEST_PARSES_CACHED_MAX; i++) service.lookup('s', { schema: `{"type":"fixed","name":"F${i}","size":1}`, references: [] }, false, false);
    service.lookup('s', { schema: ' "int" ', references: [] }, false, false);
    expect(parsedTexts.filter((t) => t === ' "int" ')).toHaveLength(2);
  });
});
