// The registry's other routes through registryFetch: listing subjects and schemas, deletes
// (soft and permanent; the reference check is in http-references.test.ts), modes
// (READONLY, IMPORT with explicit ids), server metadata. Expected answers follow Confluent's
// resources and KafkaSchemaRegistry (confluentinc/schema-registry core/.../storage/); every
// answer is also checked against the API spec (http-client.ts).

import { describe, expect, test } from 'bun:test';
import { avro, newRegistry, record, type TestRegistry } from './http-client.ts';

const V1 = record({ name: 'f', type: 'int' });
const V2 = record({ name: 'f', type: 'int' }, { name: 'g', type: 'string', default: '' });
const V3 = record({ name: 'f', type: 'int' }, { name: 'g', type: 'string', default: '' }, { name: 'h', type: 'long', default: 0 });

async function registerAll(r: TestRegistry, subject: string, ...schemas: unknown[]): Promise<void> {
  for (const s of schemas) expect((await r.call('POST', `/subjects/${subject}/versions`, { body: avro(s) })).status).toBe(200);
}

describe('listing', () => {
  test('GET /subjects: sorted, subjectPrefix, offset and limit', async () => {
    const r = newRegistry();
    for (const s of ['b', 'a', 'ab', 'c']) await registerAll(r, s, V1);
    expect((await r.call('GET', '/subjects')).body).toEqual(['a', 'ab', 'b', 'c']);
    expect((await r.call('GET', '/subjects?subjectPrefix=a')).body).toEqual(['a', 'ab']);
    expect((await r.call('GET', '/subjects?offset=1&limit=2')).body).toEqual(['ab', 'b']);
    // normalizeLimit: a limit of 0 or less is the default (all).
    expect((await r.call('GET', '/subjects?limit=0')).body).toEqual(['a', 'ab', 'b', 'c']);
  });

  test('GET /subjects: a soft-deleted subject only with deleted=true, or alone with deletedOnly=true', async () => {
    const r = newRegistry();
    await registerAll(r, 'live', V1);
    await registerAll(r, 'gone', V1);
    await r.call('DELETE', '/subjects/gone');
    expect((await r.call('GET', '/subjects')).body).toEqual(['live']);
    expect((await r.call('GET', '/subjects?deleted=true')).body).toEqual(['gone', 'live']);
    expect((await r.call('GET', '/subjects?deletedOnly=true')).body).toEqual(['gone']);
  });

  test('soft-deleted versions and subjects in the lists (RestApiTest.testListSoftDeletedSubjectsAndSchemas)', async () => {
    const r = newRegistry();
    await registerAll(r, 'test1', V1, V2);
    await registerAll(r, 'test2', V3);
    expect((await r.call('DELETE', '/subjects/test1/versions/1')).body).toBe(1);
    expect((await r.call('DELETE', '/subjects/test2/versions/1')).body).toBe(1);
    expect((await r.call('GET', '/subjects/test1/versions')).body).toEqual([2]);
    expect((await r.call('GET', '/subjects/test1/versions?deleted=true')).body).toEqual([1, 2]);
    expect((await r.call('GET', '/subjects/test1/versions?deletedOnly=true')).body).toEqual([1]);
    expect((await r.call('GET', '/subjects')).body).toEqual(['test1']);
    expect((await r.call('GET', '/subjects?deleted=true')).body).toEqual(['test1', 'test2']);
    expect((await r.call('GET', '/subjects?deletedOnly=true')).body).toEqual(['test2']);
  });

  test('GET /subjects/{s}/versions with deleted and deletedOnly', async () => {
    const r = newRegistry();
    await registerAll(r, 's', V1, V2, V3);
    await r.call('DELETE', '/subjects/s/versions/2');
    expect((await r.call('GET', '/subjects/s/versions')).body).toEqual([1, 3]);
    expect((await r.call('GET', '/subjects/s/versions?deleted=true')).body).toEqual([1, 2, 3]);
    expect((await r.call('GET', '/subjects/s/versions?deletedOnly=true')).body).toEqual([2]);
  });

  test('GET /schemas: every version by subject, latestOnly, subjectPrefix, limit', async () => {
    const r = newRegistry();
    await registerAll(r, 'b', V1, V2);
    await registerAll(r, 'a', V1);
    const all = (await r.call('GET', '/schemas')).body as Array<{ subject: string; version: number; id: number }>;
    expect(all.map((s) => [s.subject, s.version, s.id])).toEqual([['a', 1, 1], ['b', 1, 1], ['b', 2, 2]]);
    expect(((await r.call('GET', '/schemas?latestOnly=true')).body as typeof all).map((s) => [s.subject, s.version])).toEqual([['a', 1], ['b', 2]]);
    expect(((await r.call('GET', '/schemas?subjectPrefix=b&limit=1')).body as typeof all).map((s) => [s.subject, s.version])).toEqual([['b', 1]]);
  });

  test('GET /subjects/{s}/versions?deletedAsNegative=true: every version, soft-deleted ones negated', async () => {
    const r = newRegistry();
    await registerAll(r, 's', V1, V2, V3);
    await r.call('DELETE', '/subjects/s/versions/2');
    expect((await r.call('GET', '/subjects/s/versions?deletedAsNegative=true')).body).toEqual([1, -2, 3]);
  });

  test('GET /contexts is the default context alone; GET /v1/metadata/version the server version', async () => {
    const r = newRegistry({ serverVersion: '0.1.0' });
    expect((await r.call('GET', '/contexts')).body).toEqual(['.']);
    expect((await r.call('GET', '/contexts?contextPrefix=.x')).body).toEqual([]);
    expect((await r.call('GET', '/v1/metadata/version')).body).toEqual({ version: '0.1.0', commitId: '' });
  });

  test('GET /schemas/types names the supported types; GET /v1/metadata/id the cluster', async () => {
    const r = newRegistry({ clusterId: 'abc' });
    expect((await r.call('GET', '/schemas/types')).body).toEqual(['AVRO', 'JSON', 'PROTOBUF']);
    // ServerClusterId.of: id is always ""; the Kafka cluster id and the group id are in the scope.
    expect((await r.call('GET', '/v1/metadata/id')).body).toEqual({ id: '', scope: { path: [], clusters: { 'kafka-cluster': 'abc', 'schema-registry-cluster': 'schema-registry' } } });
  });
});

describe('deletes', () => {
  test('DELETE a version: soft (answers the version), again 40406, then permanent; latest is the latest live', async () => {
    const r = newRegistry();
    await registerAll(r, 's', V1, V2);
    expect((await r.call('DELETE', '/subjects/s/versions/latest')).body).toBe(2);
    const again = await r.call('DELETE', '/subjects/s/versions/2');
    expect([again.status, again.body]).toEqual([404, { error_code: 40406, message: "Subject 's' Version 2 was soft deleted.Set permanent=true to delete permanently" }]);
    expect((await r.call('DELETE', '/subjects/s/versions/2?permanent=true')).body).toBe(2);
    expect((await r.call('GET', '/subjects/s/versions?deleted=true')).body).toEqual([1]);
  });

  test('lookup after a delete and a re-registration finds the new version (RestApiTest.testDeleteWithLookup)', async () => {
    const r = newRegistry();
    await registerAll(r, 'test', V1, V2);
    expect((await r.call('DELETE', '/subjects/test/versions/1')).body).toBe(1);
    expect((await r.call('POST', '/subjects/test', { body: avro(V1) })).body.error_code).toBe(40403);
    expect((await r.call('POST', '/subjects/test?deleted=true', { body: avro(V1) })).body.version).toBe(1);
    expect((await r.call('POST', '/subjects/test/versions', { body: avro(V1) })).body).toEqual({ id: 1, version: 3 });
    expect((await r.call('POST', '/subjects/test?deleted=true', { body: avro(V1) })).body.version).toBe(3);
    expect((await r.call('POST', '/subjects/test', { body: avro(V1) })).body.version).toBe(3);
  });

  test('deleting the latest version makes the check run against the one before (RestApiTest.testIncompatibleSchemaLookupBySubjectAfterDelete)', async () => {
    const r = newRegistry();
    const f = { type: 'string', name: 'f' };
    const schema1 = { type: 'record', name: 'myrecord', fields: [f] };
    const wrong2 = { type: 'record', name: 'myrecord', fields: [f, { type: 'string', name: 'g', default: 'd' }] };
    const correct2 = { type: 'record', name: 'myrecord', fields: [f, { type: 'int', name: 'g', default: 0 }] };
    await r.call('PUT', '/config/testSubject', { body: { compatibility: 'BACKWARD' } });
    await registerAll(r, 'testSubject', schema1);
    expect((await r.call('POST', '/compatibility/subjects/testSubject/versions/latest', { body: avro(wrong2) })).body.is_compatible).toBe(true);
    await registerAll(r, 'testSubject', wrong2);
    expect((await r.call('POST', '/compatibility/subjects/testSubject/versions/latest', { body: avro(correct2) })).body.is_compatible).toBe(false);
    expect((await r.call('POST', '/subjects/testSubject/versions', { body: avro(correct2) })).status).toBe(409);
    await r.call('DELETE', '/subjects/testSubject/versions/latest');
    expect((await r.call('POST', '/compatibility/subjects/testSubject/versions/latest', { body: avro(correct2) })).body.is_compatible).toBe(true);
    await registerAll(r, 'testSubject', correct2);
    expect((await r.call('POST', '/subjects/testSubject', { body: avro(correct2) })).body.version).toBe(3);
  });

  test('a permanent delete of a live version is 40407; unknown subject 40401, version 40402', async () => {
    const r = newRegistry();
    await registerAll(r, 's', V1);
    expect((await r.call('DELETE', '/subjects/s/versions/1?permanent=true')).body.error_code).toBe(40407);
    expect((await r.call('DELETE', '/subjects/x/versions/1')).body.error_code).toBe(40401);
    expect((await r.call('DELETE', '/subjects/s/versions/9')).body.error_code).toBe(40402);
    expect((await r.call('DELETE', '/subjects/s/versions/nine')).body.error_code).toBe(42202);
  });

  test('DELETE a subject: soft answers its versions, again 40404; permanent needs soft first (40405)', async () => {
    const r = newRegistry();
    await registerAll(r, 's', V1, V2);
    expect((await r.call('DELETE', '/subjects/s?permanent=true')).body.error_code).toBe(40405);
    expect((await r.call('DELETE', '/subjects/s')).body).toEqual([1, 2]);
    const again = await r.call('DELETE', '/subjects/s');
    expect([again.status, again.body.error_code]).toEqual([404, 40404]);
    expect((await r.call('DELETE', '/subjects/s?permanent=true')).body).toEqual([1, 2]);
    expect((await r.call('GET', '/subjects?deleted=true')).body).toEqual([]);
    expect((await r.call('DELETE', '/subjects/s')).body.error_code).toBe(40401);
  });

  test('re-registering soft-deleted schemas: next version, same id, the old version holding it tombstoned (RestApiTest.testDeleteSchemaVersionBasic)', async () => {
    const r = newRegistry();
    await registerAll(r, 's', V1, V2);
    await r.call('DELETE', '/subjects/s/versions/2');
    await r.call('DELETE', '/subjects/s/versions/latest');
    expect((await r.call('GET', '/subjects/s/versions')).body.error_code).toBe(40401);
    for (let i = 0; i < 2; i++) {
      expect((await r.call('POST', '/subjects/s/versions', { body: avro(V1) })).body).toEqual({ id: 1, version: 3 });
      expect((await r.call('GET', '/subjects/s/versions')).body).toEqual([3]);
    }
    // KafkaSchemaRegistry.register tombstoned version 1 (same id, soft-deleted); version 2 stays.
    expect((await r.call('GET', '/subjects/s/versions?deleted=true')).body).toEqual([2, 3]);
  });
});

describe('modes', () => {
  test('GET /mode is READWRITE; a subject has none until set (40409); DELETE answers the old one', async () => {
    const r = newRegistry();
    expect((await r.call('GET', '/mode')).body).toEqual({ mode: 'READWRITE' });
    const unset = await r.call('GET', '/mode/s');
    expect([unset.status, unset.body]).toEqual([404, { error_code: 40409, message: "Subject 's' does not have subject-level mode configured" }]);
    expect((await r.call('GET', '/mode/s?defaultToGlobal=true')).body).toEqual({ mode: 'READWRITE' });
    expect((await r.call('PUT', '/mode/s', { body: { mode: 'READONLY' } })).body).toEqual({ mode: 'READONLY' });
    expect((await r.call('GET', '/mode/s')).body).toEqual({ mode: 'READONLY' });
    expect((await r.call('DELETE', '/mode/s')).body).toEqual({ mode: 'READONLY' });
    expect((await r.call('DELETE', '/mode/s')).body.error_code).toBe(40401);
  });

  test('the global mode: PUT, DELETE answers it; with none set DELETE answers the default (InMemoryCache.mode)', async () => {
    const r = newRegistry();
    await r.call('PUT', '/mode', { body: { mode: 'READONLY' } });
    expect((await r.call('GET', '/mode/s?defaultToGlobal=true')).body).toEqual({ mode: 'READONLY' });
    expect((await r.call('DELETE', '/mode')).body).toEqual({ mode: 'READONLY' });
    expect((await r.call('GET', '/mode')).body).toEqual({ mode: 'READWRITE' });
    expect((await r.call('DELETE', '/mode')).body).toEqual({ mode: 'READWRITE' });
  });

  test('PUT a mode of null clears it (RestApiModeTest.testClearMode)', async () => {
    const r = newRegistry();
    expect((await r.call('PUT', '/mode', { body: { mode: 'READONLY' } })).body).toEqual({ mode: 'READONLY' });
    expect((await r.call('PUT', '/mode', { body: { mode: null } })).body).toEqual({});
    expect((await r.call('GET', '/mode')).body).toEqual({ mode: 'READWRITE' });
    await r.call('PUT', '/mode/s', { body: { mode: 'READONLY' } });
    expect((await r.call('PUT', '/mode/s', { body: {} })).body).toEqual({});
    expect((await r.call('GET', '/mode/s')).body.error_code).toBe(40409);
  });

  test('IMPORT: the same schema again with another id and version; an equivalent one too (RestApiModeTest)', async () => {
    const r = newRegistry();
    const decimal = (...order: string[]) => `{"type":"record","name":"MyRecord","fields":[{"name":"field1","type":["null",{"type":"bytes",${order.join(',')}}],"default":null}]}`;
    const d1 = decimal('"scale":4', '"precision":17', '"logicalType":"decimal"');
    const d2 = decimal('"logicalType":"decimal"', '"precision":17', '"scale":4');
    expect((await r.call('PUT', '/mode', { body: { mode: 'IMPORT' } })).body).toEqual({ mode: 'IMPORT' });
    // Without an id IMPORT refuses (a constraint violation, 422).
    expect((await r.call('POST', '/subjects/testSubject/versions', { body: { schema: d1 } })).status).toBe(422);
    expect((await r.call('POST', '/subjects/testSubject/versions', { body: { schema: d1, id: 100, version: 1 } })).body).toEqual({ id: 100, version: 1 });
    expect((await r.call('POST', '/subjects/testSubject/versions', { body: { schema: d2, id: 200, version: 2 } })).body).toEqual({ id: 200, version: 2 });
    expect((await r.call('POST', '/subjects/testSubject/versions', { body: { schema: d1, id: 300, version: 3 } })).body).toEqual({ id: 300, version: 3 });
    expect((await r.call('POST', '/subjects/testSubject2/versions', { body: { schema: d1, id: 400, version: 1 } })).body).toEqual({ id: 400, version: 1 });
    expect((await r.call('POST', '/subjects/testSubject2', { body: { schema: d1 } })).body.version).toBe(1);
  });

  test('IMPORT after a soft delete: the id kept or changed, the version overwritten; no id for a held schema (RestApiModeTest)', async () => {
    const r = newRegistry();
    const schema = JSON.stringify({ type: 'record', name: 'myrecord', fields: [{ name: 'f1', type: 'string' }] }); // canonical, as SCHEMA_STRING
    expect((await r.call('POST', '/subjects/testSubject/versions', { body: { schema } })).body).toEqual({ id: 1, version: 1 });
    await r.call('DELETE', '/subjects/testSubject');
    expect((await r.call('PUT', '/mode', { body: { mode: 'IMPORT' } })).body).toEqual({ mode: 'IMPORT' });
    expect((await r.call('POST', '/subjects/testSubject/versions', { body: { schema, id: 1, version: 1 } })).body).toEqual({ id: 1, version: 1 });
    // testRegisterSchemaWithNoIdAfterImport: an auto-registering client gets the id, even in IMPORT.
    expect((await r.call('POST', '/subjects/testSubject/versions', { body: { schema } })).body).toEqual({ id: 1, version: 1 });
    await r.call('DELETE', '/subjects/testSubject');
    expect((await r.call('POST', '/subjects/testSubject/versions', { body: { schema, id: 1, version: 1 } })).body).toEqual({ id: 1, version: 1 });
    expect((await r.call('GET', '/subjects/testSubject/versions/1')).body.schema).toBe(schema);
    // testRegisterSchemaWithDifferentIdAfterImport: the same schema under another id.
    expect((await r.call('POST', '/subjects/other/versions', { body: { schema, id: 2, version: 1 } })).body).toEqual({ id: 2, version: 1 });
  });

  test('READONLY refuses writes with 42205 and still serves reads', async () => {
    const r = newRegistry();
    await registerAll(r, 's', V1);
    await r.call('PUT', '/mode/s', { body: { mode: 'READONLY' } });
    const a = await r.call('POST', '/subjects/s/versions', { body: avro(V2) });
    expect([a.status, a.body.error_code]).toEqual([422, 42205]);
    expect((await r.call('DELETE', '/subjects/s/versions/1')).body.error_code).toBe(42205);
    expect((await r.call('DELETE', '/subjects/s')).body).toEqual({ error_code: 42205, message: 'Subject s in context . is in read-only mode' });
    expect((await r.call('GET', '/subjects/s/versions/1')).status).toBe(200);
  });

  test('IMPORT keeps the ids and versions given; outside IMPORT an id is 42205', async () => {
    const r = newRegistry();
    const refused = await r.call('POST', '/subjects/s/versions', { body: avro(V1, { id: 100, version: 3 }) });
    expect([refused.status, refused.body.error_code]).toEqual([422, 42205]);
    expect((await r.call('PUT', '/mode', { body: { mode: 'IMPORT' } })).body).toEqual({ mode: 'IMPORT' });
    expect((await r.call('POST', '/subjects/s/versions', { body: avro(V1, { id: 100, version: 3 }) })).body).toEqual({ id: 100, version: 3 });
    expect((await r.call('GET', '/schemas/ids/100')).body.schema).toBe(JSON.stringify(V1));
    // Another schema with a taken id: "Overwrite new schema with id 100 ... is not permitted."
    expect((await r.call('POST', '/subjects/t/versions', { body: avro(V2, { id: 100, version: 1 }) })).body.error_code).toBe(42205);
  });

  test('entering IMPORT with live schemas is 42205 unless forced', async () => {
    const r = newRegistry();
    await registerAll(r, 's', V1);
    const a = await r.call('PUT', '/mode', { body: { mode: 'IMPORT' } });
    expect([a.status, a.body]).toEqual([422, { error_code: 42205, message: 'Cannot import since found existing subjects' }]);
    expect((await r.call('PUT', '/mode?force=true', { body: { mode: 'IMPORT' } })).body).toEqual({ mode: 'IMPORT' });
  });
});
