// References through registryFetch: registering with them, referencedby, Confluent's reference
// check on delete (42206), lookup by the resolved form, normalization, and RestApiTest's
// reference cases (confluentinc/schema-registry core/src/test/.../rest/RestApiTest.java) ported.
// Every answer is also checked against the API spec (http-client.ts).

import { describe, expect, test } from 'bun:test';
import { avro, newRegistry, type TestRegistry } from './http-client.ts';

async function registerAll(r: TestRegistry, subject: string, ...schemas: unknown[]): Promise<void> {
  for (const s of schemas) expect((await r.call('POST', `/subjects/${subject}/versions`, { body: avro(s) })).status).toBe(200);
}

describe('references', () => {
  const ADDRESS = { type: 'record', name: 'Address', namespace: 'com.acme', fields: [{ name: 'street', type: 'string' }] };
  const PERSON = { type: 'record', name: 'Person', namespace: 'com.acme', fields: [{ name: 'home', type: 'com.acme.Address' }] };
  const REFS = [{ name: 'com.acme.Address', subject: 'address', version: 1 }];

  test('a schema naming a referenced type registers; referencedby lists its id; GET shows the references', async () => {
    const r = newRegistry();
    await registerAll(r, 'address', ADDRESS);
    const person = await r.call('POST', '/subjects/person/versions', { body: avro(PERSON, { references: REFS }) });
    expect(person.body).toEqual({ id: 2, version: 1 });
    expect((await r.call('GET', '/subjects/address/versions/1/referencedby')).body).toEqual([2]);
    expect((await r.call('GET', '/subjects/person/versions/1')).body.references).toEqual(REFS);
    expect((await r.call('GET', '/schemas/ids/2')).body.references).toEqual(REFS);
    // AvroSchema.formattedString("resolved"): the referenced type written inline where it is
    // used; Avro's toString omits its namespace there, the enclosing one being the same.
    const resolved = await r.call('GET', '/schemas/ids/2?format=resolved');
    const { namespace: _, ...inlined } = ADDRESS;
    expect(JSON.parse(resolved.body.schema)).toEqual({ ...PERSON, fields: [{ name: 'home', type: inlined }] });
    expect((await r.call('GET', '/subjects/person/versions/1?format=resolved')).body.schema).toBe(resolved.body.schema);
    expect((await r.call('GET', '/subjects/person/versions/1/schema?format=resolved')).text).toBe(resolved.body.schema);
    // An unknown format leaves the schema as stored (RestApiTest.testBadFormat).
    expect((await r.call('GET', '/schemas/ids/2?format=bad-format')).body.schema).toBe((await r.call('GET', '/schemas/ids/2')).body.schema);
    // Canonical: the referenced type by name, relative to the enclosing namespace (Avro's writeName).
    expect(JSON.parse((await r.call('GET', '/schemas/ids/2')).body.schema)).toEqual({ ...PERSON, fields: [{ name: 'home', type: 'Address' }] });
  });

  test('a schema sent with its referenced types inline finds the version registered with references (canLookup)', async () => {
    const r = newRegistry();
    await registerAll(r, 'address', ADDRESS);
    await r.call('POST', '/subjects/person/versions', { body: avro(PERSON, { references: REFS }) });
    const inline = { ...PERSON, fields: [{ name: 'home', type: ADDRESS }] };
    expect((await r.call('POST', '/subjects/person', { body: avro(inline) })).body).toMatchObject({ subject: 'person', version: 1, id: 2 });
    const before = r.backend.log.length;
    expect((await r.call('POST', '/subjects/person/versions', { body: avro(inline) })).body).toEqual({ id: 2, version: 1 });
    expect(r.backend.log.length).toBe(before);
  });

  test('normalize: property order, type spelling and reference order do not matter; resolved inline finds it (RestApiTest.testSchemaNormalization)', async () => {
    const r = newRegistry();
    const sub = (name: string, field: string) => ({ type: 'record', name, namespace: 'otherns', fields: [{ name: field, type: 'string' }] });
    await registerAll(r, 'ref1', sub('Subrecord1', 'field1'));
    await registerAll(r, 'ref2', sub('Subrecord2', 'field2'));
    const ref1 = { name: 'otherns.Subrecord1', subject: 'ref1', version: 1 };
    const ref2 = { name: 'otherns.Subrecord2', subject: 'ref2', version: 1 };
    const fields = (f0: unknown, f1: unknown, f2: unknown) => [{ type: f0, name: 'field0' }, { name: 'field1', type: f1 }, { name: 'field2', type: f2 }];
    const schema1 = `{"type":"record","name":"myrecord","fields":${JSON.stringify(fields({ type: 'int' }, 'otherns.Subrecord1', 'otherns.Subrecord2'))},"extraMetadata": {"a": 1, "b": 2}}`;
    const schema2 = `{"type":"record","name":"myrecord","fields":${JSON.stringify(fields('int', 'otherns.Subrecord1', 'otherns.Subrecord2'))},"extraMetadata": {"b": 2, "a": 1}}`;
    expect((await r.call('POST', '/subjects/testSubject1/versions?normalize=true', { body: { schema: schema1, references: [ref1, ref2] } })).body).toEqual({ id: 3, version: 1 });
    expect((await r.call('POST', '/subjects/testSubject1?normalize=true', { body: { schema: schema2, references: [ref2, ref1] } })).body.version).toBe(1);
    // "send schema with all references resolved"
    const resolved = `{"type":"record","name":"myrecord","fields":${JSON.stringify(fields('int', sub('Subrecord1', 'field1'), sub('Subrecord2', 'field2')))},"extraMetadata": {"b": 2, "a": 1}}`;
    expect((await r.call('POST', '/subjects/testSubject1?normalize=true', { body: { schema: resolved } })).body.version).toBe(1);
    // A bad default is an invalid new schema (42201); the compatibility check reports it verbosely.
    const badDefault = '{"namespace": "namespace", "type": "record", "name": "test", "fields": [{"name": "string_default", "type": "string", "default": null}]}';
    expect((await r.call('POST', '/subjects/testSubject1/versions?normalize=true', { body: { schema: badDefault } })).body.error_code).toBe(42201);
    const verbose = await r.call('POST', '/compatibility/subjects/testSubject1/versions?normalize=true&verbose=true', { body: { schema: badDefault } });
    expect(verbose.body.messages[0]).toContain('Invalid schema');
  });

  test('without its reference the schema is invalid (42201); a reference to a missing version too', async () => {
    const r = newRegistry();
    expect((await r.call('POST', '/subjects/person/versions', { body: avro(PERSON) })).body.error_code).toBe(42201);
    const missing = await r.call('POST', '/subjects/person/versions', { body: avro(PERSON, { references: REFS }) });
    expect([missing.status, missing.body.error_code]).toEqual([422, 42201]);
    expect(missing.body.message).toContain('No schema reference found for subject "address" and version 1');
  });

  test('a referenced version cannot be deleted (42206) until its referrer is gone', async () => {
    const r = newRegistry();
    await registerAll(r, 'address', ADDRESS);
    await r.call('POST', '/subjects/person/versions', { body: avro(PERSON, { references: REFS }) });
    const a = await r.call('DELETE', '/subjects/address/versions/1');
    expect([a.status, a.body]).toEqual([422, { error_code: 42206, message: 'One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=address,version=1}.' }]);
    expect((await r.call('DELETE', '/subjects/address')).body.error_code).toBe(42206);
    // A soft-deleted referrer still counts for a permanent delete (it can be restored), not for a soft one.
    await r.call('DELETE', '/subjects/person');
    expect((await r.call('GET', '/subjects/address/versions/1/referencedby')).body).toEqual([]);
    expect((await r.call('DELETE', '/subjects/address')).body).toEqual([1]);
    expect((await r.call('DELETE', '/subjects/address?permanent=true')).body.error_code).toBe(42206);
    await r.call('DELETE', '/subjects/person?permanent=true');
    expect((await r.call('DELETE', '/subjects/address?permanent=true')).body).toEqual([1]);
  });

  test('versions of one subject referencing each other do not block deleting it (RestApiTest.testDeleteSubjectWithSelfReferencingVersions)', async () => {
    const r = newRegistry();
    await r.call('PUT', '/config/self', { body: { compatibility: 'NONE' } });
    const base = { type: 'record', name: 'Base', namespace: 'com.example', fields: [{ name: 'id', type: 'string' }] };
    const derived = { type: 'record', name: 'Derived', namespace: 'com.example', fields: [{ name: 'base', type: 'com.example.Base' }] };
    await registerAll(r, 'self', base);
    const refs = [{ name: 'com.example.Base', subject: 'self', version: 1 }];
    expect((await r.call('POST', '/subjects/self/versions', { body: avro(derived, { references: refs }) })).body).toEqual({ id: 2, version: 2 });
    expect((await r.call('GET', '/subjects/self/versions/1/referencedby')).body).toEqual([2]);
    expect((await r.call('DELETE', '/subjects/self')).body).toEqual([1, 2]);
    expect((await r.call('DELETE', '/subjects/self?permanent=true')).body).toEqual([1, 2]);
  });

  test('re-registering a soft-deleted version keeps it when a schema still refers to it (RestApiTest.testSameIdTombstone*)', async () => {
    const r = newRegistry();
    await r.call('PUT', '/config/user', { body: { compatibility: 'NONE' } });
    const userV1 = { type: 'record', name: 'User', namespace: 'ns', fields: [{ name: 'id', type: 'long' }] };
    const userV2 = { type: 'record', name: 'User', namespace: 'ns', fields: [{ name: 'id', type: 'long' }, { name: 'name', type: 'string' }] };
    await registerAll(r, 'user', userV1, userV2);
    const order = { type: 'record', name: 'Order', namespace: 'ns', fields: [{ name: 'buyer', type: 'ns.User' }] };
    expect((await r.call('POST', '/subjects/order/versions', { body: avro(order, { references: [{ name: 'ns.User', subject: 'user', version: 2 }] }) })).body.id).toBe(3);
    expect((await r.call('DELETE', '/subjects/order/versions/1')).body).toBe(1);
    expect((await r.call('DELETE', '/subjects/user/versions/1')).body).toBe(1);
    expect((await r.call('DELETE', '/subjects/user/versions/2')).body).toBe(2);
    expect((await r.call('POST', '/subjects/user/versions', { body: avro(userV2) })).body).toEqual({ id: 2, version: 3 });
    // v2 is still there (a soft-deleted referrer points at it); v1, another id, too.
    expect((await r.call('GET', '/subjects/user/versions/2?deleted=true')).body.id).toBe(2);
    expect((await r.call('GET', '/subjects/user/versions/2/referencedby?deleted=true')).body).toEqual([3]);
    expect((await r.call('GET', '/subjects/user/versions/2/referencedby')).body).toEqual([]);
    // Nothing refers to "no_refs": its soft-deleted v2 is tombstoned, v1 (another id) stays.
    await r.call('PUT', '/config/no_refs', { body: { compatibility: 'NONE' } });
    await registerAll(r, 'no_refs', userV1, userV2);
    await r.call('DELETE', '/subjects/no_refs/versions/1');
    await r.call('DELETE', '/subjects/no_refs/versions/2');
    expect((await r.call('POST', '/subjects/no_refs/versions', { body: avro(userV2) })).body).toEqual({ id: 2, version: 3 });
    expect((await r.call('GET', '/subjects/no_refs/versions/2?deleted=true')).body.error_code).toBe(40402);
    expect((await r.call('GET', '/subjects/no_refs/versions/1?deleted=true')).body.id).toBe(1);
  });

  test('a schema whose reference was deleted cannot be registered again (RestApiTest.testReviveSchemaWithDanglingReference)', async () => {
    const r = newRegistry();
    const refSchema = { type: 'record', name: 'Ref', namespace: 'com.example', fields: [{ name: 'id', type: 'string' }] };
    const base = { type: 'record', name: 'Base', namespace: 'com.example', fields: [{ name: 'refField', type: 'com.example.Ref' }] };
    const refs = [{ name: 'com.example.Ref', subject: 'ref', version: 1 }];
    await registerAll(r, 'ref', refSchema);
    expect((await r.call('POST', '/subjects/base/versions', { body: avro(base, { references: refs }) })).body.id).toBe(2);
    expect((await r.call('DELETE', '/subjects/base/versions/1')).body).toBe(1);
    expect((await r.call('DELETE', '/subjects/ref/versions/1')).body).toBe(1);
    expect((await r.call('DELETE', '/subjects/base/versions/1?permanent=true')).body).toBe(1);
    expect((await r.call('DELETE', '/subjects/ref/versions/1?permanent=true')).body).toBe(1);
    expect((await r.call('POST', '/subjects/base/versions', { body: avro(base, { references: refs }) })).body.error_code).toBe(42201);
  });

  test('referencedby: 40401 unknown subject, 40402 unknown version', async () => {
    const r = newRegistry();
    await registerAll(r, 'address', ADDRESS);
    expect((await r.call('GET', '/subjects/x/versions/1/referencedby')).body.error_code).toBe(40401);
    expect((await r.call('GET', '/subjects/address/versions/4/referencedby')).body.error_code).toBe(40402);
  });
});
