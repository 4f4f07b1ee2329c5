// The registry's core routes through registryFetch over a MemoryRegistryBackend: register,
// lookup, get by version and by id, versions, config, compatibility. Expected answers follow
// Confluent's resources (confluentinc/schema-registry core/.../rest/resources/*Resource.java),
// Errors.java, and the API spec; every answer is also checked against the spec (http-client.ts).

import { describe, expect, test } from 'bun:test';
import { avro, newRegistry, record } from './http-client.ts';

const V1 = record({ name: 'f', type: 'int' });
// Adds a field without a default: BACKWARD-incompatible (the new schema cannot read old data).
const V2_BAD = record({ name: 'f', type: 'int' }, { name: 'g', type: 'string' });
// Adds a field with a default: BACKWARD-compatible.
const V2_OK = record({ name: 'f', type: 'int' }, { name: 'g', type: 'string', default: '' });

describe('register and read back', () => {
  test('GET / answers {} (RootResource: an empty map)', async () => {
    const r = newRegistry();
    const a = await r.call('GET', '/');
    expect(a.status).toBe(200);
    expect(a.body).toEqual({});
  });

  test('a first schema gets id 1, version 1; registering it again answers the same', async () => {
    const r = newRegistry();
    expect((await r.call('POST', '/subjects/s/versions', { body: avro(V1) })).body).toEqual({ id: 1, version: 1 });
    expect((await r.call('POST', '/subjects/s/versions', { body: avro(V1) })).body).toEqual({ id: 1, version: 1 });
    expect(r.backend.log.length).toBe(1); // the second registration wrote nothing
  });

  test('the same schema under another subject keeps its id, version 1 there', async () => {
    const r = newRegistry();
    await r.call('POST', '/subjects/a/versions', { body: avro(V1) });
    expect((await r.call('POST', '/subjects/b/versions', { body: avro(V1) })).body).toEqual({ id: 1, version: 1 });
  });

  test('a compatible new schema gets the next id and version', async () => {
    const r = newRegistry();
    await r.call('POST', '/subjects/s/versions', { body: avro(V1) });
    expect((await r.call('POST', '/subjects/s/versions', { body: avro(V2_OK) })).body).toEqual({ id: 2, version: 2 });
  });

  test('the schema is stored in canonical form: whitespace does not make another schema', async () => {
    const r = newRegistry();
    await r.call('POST', '/subjects/s/versions', { body: avro(V1) });
    const spaced = { schema: JSON.stringify(V1, null, 2) };
    expect((await r.call('POST', '/subjects/s/versions', { body: spaced })).body).toEqual({ id: 1, version: 1 });
    const got = await r.call('GET', '/subjects/s/versions/1');
    expect(got.body.schema).toBe('{"type":"record","name":"R","fields":[{"name":"f","type":"int"}]}');
  });

  test('GET /subjects/{s}/versions/{v}: 1, latest and -1; schemaType omitted for AVRO', async () => {
    const r = newRegistry();
    await r.call('POST', '/subjects/s/versions', { body: avro(V1) });
    await r.call('POST', '/subjects/s/versions', { body: avro(V2_OK) });
    const one = await r.call('GET', '/subjects/s/versions/1');
    expect(one.body).toEqual({ subject: 's', version: 1, id: 1, schema: JSON.stringify(V1) });
    expect((await r.call('GET', '/subjects/s/versions/latest')).body.version).toBe(2);
    expect((await r.call('GET', '/subjects/s/versions/-1')).body.version).toBe(2);
  });

  test('GET a version: 40401 unknown subject, 40402 unknown version, 42202 a bad version id', async () => {
    const r = newRegistry();
    await r.call('POST', '/subjects/s/versions', { body: avro(V1) });
    const noSubject = await r.call('GET', '/subjects/nope/versions/1');
    expect([noSubject.status, noSubject.body]).toEqual([404, { error_code: 40401, message: "Subject 'nope' not found." }]);
    const noVersion = await r.call('GET', '/subjects/s/versions/7');
    expect([noVersion.status, noVersion.body]).toEqual([404, { error_code: 40402, message: 'Version 7 not found.' }]);
    for (const bad of ['abc', '0', '2147483648']) {
      const a = await r.call('GET', `/subjects/s/versions/${bad}`);
      expect([a.status, a.body.error_code]).toEqual([422, 42202]);
    }
  });

  test('GET .../versions/{v}/schema answers the schema text alone', async () => {
    const r = newRegistry();
    await r.call('POST', '/subjects/s/versions', { body: avro(V1) });
    const a = await r.call('GET', '/subjects/s/versions/latest/schema');
    expect(a.status).toBe(200);
    expect(a.text).toBe(JSON.stringify(V1));
  });

  test('GET /subjects/{s}/versions lists versions; 40401 for an unknown subject', async () => {
    const r = newRegistry();
    await r.call('POST', '/subjects/s/versions', { body: avro(V1) });
    await r.call('POST', '/subjects/s/versions', { body: avro(V2_OK) });
    expect((await r.call('GET', '/subjects/s/versions')).body).toEqual([1, 2]);
    const a = await r.call('GET', '/subjects/x/versions');
    expect([a.status, a.body.error_code]).toEqual([404, 40401]);
  });

  test('a subject name is a URL-encoded path segment: slashes and spaces survive', async () => {
    const r = newRegistry();
    const subject = 'team/orders value';
    const path = `/subjects/${encodeURIComponent(subject)}`;
    expect((await r.call('POST', `${path}/versions`, { body: avro(V1) })).status).toBe(200);
    expect((await r.call('GET', '/subjects')).body).toEqual([subject]);
    expect((await r.call('GET', `${path}/versions/1`)).body.subject).toBe(subject);
  });

  test('GET /schemas/ids/{id}: the schema; 40403 for an unknown id; 404 for an id not an int', async () => {
    const r = newRegistry();
    await r.call('POST', '/subjects/s/versions', { body: avro(V1) });
    await r.call('POST', '/subjects/s/versions', { body: avro(V2_OK) });
    expect((await r.call('GET', '/schemas/ids/1')).body).toEqual({ schema: JSON.stringify(V1) });
    expect((await r.call('GET', '/schemas/ids/1?fetchMaxId=true')).body).toEqual({ schema: JSON.stringify(V1), maxId: 2 });
    const missing = await r.call('GET', '/schemas/ids/99');
    expect([missing.status, missing.body]).toEqual([404, { error_code: 40403, message: 'Schema 99 not found' }]);
    expect((await r.call('GET', '/schemas/ids/abc')).status).toBe(404);
    expect((await r.call('GET', '/schemas/ids/2/schema')).text).toBe(JSON.stringify(V2_OK));
  });

  test('GET /schemas/ids/{id}/subjects and /versions name where the id is registered', async () => {
    const r = newRegistry();
    await r.call('POST', '/subjects/b/versions', { body: avro(V1) });
    await r.call('POST', '/subjects/a/versions', { body: avro(V1) });
    expect((await r.call('GET', '/schemas/ids/1/subjects')).body).toEqual(['a', 'b']);
    expect((await r.call('GET', '/schemas/ids/1/versions')).body).toEqual([{ subject: 'a', version: 1 }, { subject: 'b', version: 1 }]);
    expect((await r.call('GET', '/schemas/ids/5/versions')).body).toEqual({ error_code: 40403, message: 'Schema not found' });
    expect((await r.call('GET', '/schemas/ids/5/subjects')).body).toEqual({ error_code: 40403, message: 'Schema not found' });
  });

  test('an invalid schema is 42201; an unknown schemaType is 42201', async () => {
    const r = newRegistry();
    const bad = await r.call('POST', '/subjects/s/versions', { body: avro({ type: 'record', name: 'R', fields: [{ name: 'f', type: 'nope' }] }) });
    expect([bad.status, bad.body.error_code]).toEqual([422, 42201]);
    const notJson = await r.call('POST', '/subjects/s/versions', { body: { schema: '{not json' } });
    expect(notJson.body.error_code).toBe(42201);
    const type = await r.call('POST', '/subjects/s/versions', { body: { schema: '"string"', schemaType: 'XML' } });
    expect([type.status, type.body]).toEqual([422, { error_code: 42201, message: 'Invalid schema type XML' }]);
  });
});

describe('lookup (POST /subjects/{subject})', () => {
  test('finds the version holding the schema', async () => {
    const r = newRegistry();
    await r.call('POST', '/subjects/s/versions', { body: avro(V1) });
    await r.call('POST', '/subjects/s/versions', { body: avro(V2_OK) });
    const a = await r.call('POST', '/subjects/s', { body: avro(V2_OK) });
    expect(a.body).toEqual({ subject: 's', version: 2, id: 2, schema: JSON.stringify(V2_OK) });
  });

  test('40401 for an unknown subject, 40403 for a schema the subject does not hold', async () => {
    const r = newRegistry();
    await r.call('POST', '/subjects/s/versions', { body: avro(V1) });
    const noSubject = await r.call('POST', '/subjects/x', { body: avro(V1) });
    expect([noSubject.status, noSubject.body.error_code]).toEqual([404, 40401]);
    const noSchema = await r.call('POST', '/subjects/s', { body: avro(V2_OK) });
    expect([noSchema.status, noSchema.body]).toEqual([404, { error_code: 40403, message: 'Schema not found' }]);
  });

  test('an invalid schema is 42201, before the subject is looked at', async () => {
    const r = newRegistry();
    const a = await r.call('POST', '/subjects/x', { body: { schema: '{"type":"nope"}' } });
    expect([a.status, a.body.error_code]).toEqual([422, 42201]);
  });

  test('a soft-deleted version is found only with deleted=true', async () => {
    const r = newRegistry();
    await r.call('POST', '/subjects/s/versions', { body: avro(V1) });
    await r.call('POST', '/subjects/s/versions', { body: avro(V2_OK) });
    await r.call('DELETE', '/subjects/s/versions/1');
    expect((await r.call('POST', '/subjects/s', { body: avro(V1) })).body.error_code).toBe(40403);
    expect((await r.call('POST', '/subjects/s?deleted=true', { body: avro(V1) })).body.version).toBe(1);
  });
});

describe('config', () => {
  test('the global level is BACKWARD until set; PUT echoes it upper-cased', async () => {
    const r = newRegistry();
    expect((await r.call('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    expect((await r.call('PUT', '/config', { body: { compatibility: 'full' } })).body).toEqual({ compatibility: 'FULL' });
    expect((await r.call('GET', '/config')).body).toEqual({ compatibilityLevel: 'FULL' });
  });

  test('a subject level: 40408 until set, defaultToGlobal falls back, DELETE answers the old level', async () => {
    const r = newRegistry();
    const unset = await r.call('GET', '/config/s');
    expect([unset.status, unset.body]).toEqual([404, { error_code: 40408, message: "Subject 's' does not have subject-level compatibility configured" }]);
    expect((await r.call('GET', '/config/s?defaultToGlobal=true')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    expect((await r.call('PUT', '/config/s', { body: { compatibility: 'NONE' } })).body).toEqual({ compatibility: 'NONE' });
    expect((await r.call('GET', '/config/s')).body).toEqual({ compatibilityLevel: 'NONE' });
    expect((await r.call('DELETE', '/config/s')).body).toEqual({ compatibilityLevel: 'NONE' });
    expect((await r.call('DELETE', '/config/s')).body.error_code).toBe(40401);
  });

  test('an unknown level is 42203', async () => {
    const r = newRegistry();
    const a = await r.call('PUT', '/config', { body: { compatibility: 'SOMETIMES' } });
    expect([a.status, a.body.error_code]).toEqual([422, 42203]);
  });

  test('DELETE /config answers the global level and returns it to the default', async () => {
    const r = newRegistry();
    await r.call('PUT', '/config', { body: { compatibility: 'FORWARD' } });
    expect((await r.call('DELETE', '/config')).body).toEqual({ compatibilityLevel: 'FORWARD' });
    expect((await r.call('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
  });

  test('NONE lets an incompatible schema in', async () => {
    const r = newRegistry();
    await r.call('POST', '/subjects/s/versions', { body: avro(V1) });
    await r.call('PUT', '/config/s', { body: { compatibility: 'NONE' } });
    expect((await r.call('POST', '/subjects/s/versions', { body: avro(V2_BAD) })).body).toEqual({ id: 2, version: 2 });
  });
});

describe('compatibility', () => {
  test('registering an incompatible schema is 409 with the differences (KafkaSchemaRegistry.register)', async () => {
    const r = newRegistry();
    await r.call('POST', '/subjects/s/versions', { body: avro(V1) });
    const a = await r.call('POST', '/subjects/s/versions', { body: avro(V2_BAD) });
    expect(a.status).toBe(409);
    expect(a.body.error_code).toBe(409);
    // SubjectVersionsResource: "Schema being registered is incompatible with an earlier schema
    // for subject \"s\", details: " + the list; SchemaValidatorBuilder appends oldSchemaVersion and
    // oldSchema, isCompatibleWithPrevious the validateFields/compatibility line.
    expect(a.body.message).toBe(
      'Schema being registered is incompatible with an earlier schema for subject "s", details: [' +
        "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'g' at path '/fields/1' in the new schema has no default value and is missing in the old schema', additionalInfo:'g'}, " +
        '{oldSchemaVersion: 1}, ' +
        `{oldSchema: '${JSON.stringify(V1)}'}, ` +
        "{validateFields: 'false', compatibility: 'BACKWARD'}]",
    );
    expect((await r.call('GET', '/subjects/s/versions')).body).toEqual([1]);
  });

  test('FULL: the old-reads-new reasons first, then new-reads-old with the old schema (mutualReadStrategy)', async () => {
    const r = newRegistry();
    await r.call('PUT', '/config', { body: { compatibility: 'FULL' } });
    await r.call('POST', '/subjects/s/versions', { body: avro(V1) });
    const a = await r.call('POST', '/compatibility/subjects/s/versions/latest?verbose=true', { body: avro(record({ name: 'f', type: 'string' })) });
    const m = a.body.messages as string[];
    expect(m).toHaveLength(5);
    expect(m[0]).toContain("description:'The type (path '/fields/0/type') of a field in the old schema does not match with the new schema'");
    expect(m[1]).toContain("description:'The type (path '/fields/0/type') of a field in the new schema does not match with the old schema'");
    expect(m.slice(2)).toEqual(['{oldSchemaVersion: 1}', `{oldSchema: '${JSON.stringify(V1)}'}`, "{validateFields: 'false', compatibility: 'FULL'}"]);
  });

  test('concurrent registrations: each checks the state the other left (checks run inside write)', async () => {
    const r = newRegistry();
    // Both compatible with an empty subject alone; the second, checked after the first is
    // applied, is BACKWARD-incompatible with it (g has no default, and V1 lacks g).
    const [first, second] = await Promise.all([
      r.call('POST', '/subjects/s/versions', { body: avro(V1) }),
      r.call('POST', '/subjects/s/versions', { body: avro(V2_BAD) }),
    ]);
    expect(first.body).toEqual({ id: 1, version: 1 });
    expect([second.status, second.body.error_code]).toEqual([409, 409]);
    const [a, b] = await Promise.all([
      r.call('POST', '/subjects/t/versions', { body: avro(record({ name: 'x', type: 'int' })) }),
      r.call('POST', '/subjects/u/versions', { body: avro(record({ name: 'y', type: 'int' })) }),
    ]);
    expect([a.body.id, b.body.id]).toEqual([2, 3]);
  });

  test('another schema type under the subject is incompatible: "Incompatible because of different schema type"', async () => {
    const r = newRegistry();
    await r.call('POST', '/subjects/s/versions', { body: avro(V1) });
    const proto = { schemaType: 'PROTOBUF', schema: 'syntax = "proto3";\nmessage M {\n  int32 f = 1;\n}\n' };
    const a = await r.call('POST', '/subjects/s/versions', { body: proto });
    // SchemaValidatorBuilder.DIFFERENT_SCHEMA_TYPE, no old schema appended; then the level line.
    expect([a.status, a.body.message]).toEqual([409,
      'Schema being registered is incompatible with an earlier schema for subject "s", details: [Incompatible because of different schema type, ' +
        "{validateFields: 'false', compatibility: 'BACKWARD'}]"]);
    // Under another subject it registers, and is served with its type.
    expect((await r.call('POST', '/subjects/p/versions', { body: proto })).body).toEqual({ id: 2, version: 1 });
    expect((await r.call('GET', '/subjects/p/versions/1')).body.schemaType).toBe('PROTOBUF');
    expect((await r.call('GET', '/schemas/ids/2')).body.schemaType).toBe('PROTOBUF');
    expect((await r.call('GET', '/schemas/types')).body).toEqual(['AVRO', 'JSON', 'PROTOBUF']);
  });

  test('POST /compatibility/.../versions/latest: is_compatible, with the reasons only when verbose', async () => {
    const r = newRegistry();
    await r.call('POST', '/subjects/s/versions', { body: avro(V1) });
    expect((await r.call('POST', '/compatibility/subjects/s/versions/latest', { body: avro(V2_OK) })).body).toEqual({ is_compatible: true });
    expect((await r.call('POST', '/compatibility/subjects/s/versions/latest', { body: avro(V2_BAD) })).body).toEqual({ is_compatible: false });
    const verbose = await r.call('POST', '/compatibility/subjects/s/versions/1?verbose=true', { body: avro(V2_BAD) });
    expect(verbose.body.is_compatible).toBe(false);
    expect(verbose.body.messages[0]).toContain("errorType:'READER_FIELD_MISSING_DEFAULT_VALUE'");
    expect(verbose.body.messages).toContain("{validateFields: 'false', compatibility: 'BACKWARD'}");
  });

  test('against a missing version 40402; a bad version 42202; latest of no subject is compatible', async () => {
    const r = newRegistry();
    await r.call('POST', '/subjects/s/versions', { body: avro(V1) });
    expect((await r.call('POST', '/compatibility/subjects/s/versions/5', { body: avro(V1) })).body.error_code).toBe(40402);
    expect((await r.call('POST', '/compatibility/subjects/s/versions/x', { body: avro(V1) })).body.error_code).toBe(42202);
    expect((await r.call('POST', '/compatibility/subjects/none/versions/latest', { body: avro(V1) })).body).toEqual({ is_compatible: true });
  });

  test('against all versions follows the subject level: transitive levels check every version', async () => {
    const r = newRegistry();
    // v1 {f:int}; v2 drops f (BACKWARD allows: the reader ignores it); v3 adds f back without a default.
    await r.call('POST', '/subjects/s/versions', { body: avro(V1) });
    await r.call('POST', '/subjects/s/versions', { body: avro(record({ name: 'h', type: 'int', default: 0 })) });
    const v3 = avro(record({ name: 'h', type: 'int', default: 0 }, { name: 'f', type: 'int' }));
    // BACKWARD checks v2 only: v2 has no f, and v3's f has no default: incompatible either way.
    expect((await r.call('POST', '/compatibility/subjects/s/versions', { body: v3 })).body.is_compatible).toBe(false);
    const withDefault = avro(record({ name: 'h', type: 'int', default: 0 }, { name: 'f', type: 'string', default: '' }));
    expect((await r.call('POST', '/compatibility/subjects/s/versions', { body: withDefault })).body.is_compatible).toBe(true);
    // BACKWARD_TRANSITIVE also reads v1's data, whose f is an int: a string f cannot read it.
    await r.call('PUT', '/config/s', { body: { compatibility: 'BACKWARD_TRANSITIVE' } });
    expect((await r.call('POST', '/compatibility/subjects/s/versions', { body: withDefault })).body.is_compatible).toBe(false);
  });

  test('FORWARD_TRANSITIVE: compatible with the latest, not with all (RestApiTest.testIncompatibleSchemaBySubject)', async () => {
    const r = newRegistry();
    const my = (...names: string[]) => ({ type: 'record', name: 'myrecord', fields: names.map((name) => ({ type: 'string', name })) });
    await r.call('POST', '/subjects/s/versions', { body: avro(my('f1', 'f2')) });
    await r.call('POST', '/subjects/s/versions', { body: avro(my('f1')) });
    await r.call('PUT', '/config/s', { body: { compatibility: 'FORWARD_TRANSITIVE' } });
    expect((await r.call('POST', '/compatibility/subjects/s/versions/latest', { body: avro(my('f1', 'f3')) })).body.is_compatible).toBe(true);
    expect((await r.call('POST', '/compatibility/subjects/s/versions', { body: avro(my('f1', 'f3')) })).body.is_compatible).toBe(false);
    const a = await r.call('POST', '/subjects/s/versions', { body: avro(my('f1', 'f3')) });
    expect([a.status, a.body.error_code]).toEqual([409, 409]);
    for (const part of ['oldSchemaVersion: 1', 'oldSchema:', "compatibility: 'FORWARD_TRANSITIVE'"]) expect(a.body.message).toContain(part);
  });

  test('an invalid schema: 42201, or with verbose the parser message as the reason', async () => {
    const r = newRegistry();
    await r.call('POST', '/subjects/s/versions', { body: avro(V1) });
    const bad = { schema: '{"type":"nope"}' };
    expect((await r.call('POST', '/compatibility/subjects/s/versions/latest', { body: bad })).body.error_code).toBe(42201);
    const verbose = await r.call('POST', '/compatibility/subjects/s/versions/latest?verbose=true', { body: bad });
    expect(verbose.body.is_compatible).toBe(false);
    expect(verbose.body.messages[0]).toStartWith('Invalid schema {"type":"nope"}');
  });
});
