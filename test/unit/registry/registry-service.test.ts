// The service layer directly: the named bound on a compatibility check's history, and the
// dispatch by schemaType through the support table.

import { describe, expect, test } from 'bun:test';
import { avroSupport } from '../../../src/registry/avro/support.ts';
import { MemoryRegistryBackend } from '../../../src/registry/registry-backend.ts';
import { COMPATIBILITY_TARGETS_MAX, RegistryService, supportTable } from '../../../src/registry/registry-service.ts';
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
});
