// Bad input answered as Confluent answers it, never a 500, and the handler keeps serving:
// Jersey's 404/405/415 (WebApplicationExceptionMapper keeps the status as error_code), rest-utils'
// 400 for malformed JSON or wrong field types and 422 for a missing body, our named body limit
// (413), and the 4xxxx codes of Errors.java.

import { describe, expect, test } from 'bun:test';
import { avro, newRegistry, record } from './http-client.ts';

const V1 = record({ name: 'f', type: 'int' });

describe('paths and methods', () => {
  test('an unknown path is 404 {"error_code":404,"message":"HTTP 404 Not Found"}', async () => {
    const r = newRegistry();
    for (const path of ['/nope', '/subjects/s/nope', '/schemas/ids/1/nope', '/v2/subjects']) {
      const a = await r.call('GET', path);
      expect([a.status, a.body]).toEqual([404, { error_code: 404, message: 'HTTP 404 Not Found' }]);
    }
  });

  test('a known path with another method is 405', async () => {
    const r = newRegistry();
    for (const [method, path] of [['PUT', '/subjects'], ['DELETE', '/schemas/types'], ['GET', '/compatibility/subjects/s/versions'], ['PATCH', '/config']]) {
      const a = await r.call(method, path);
      expect([a.status, a.body]).toEqual([405, { error_code: 405, message: 'HTTP 405 Method Not Allowed' }]);
    }
  });

  test('a path segment with malformed percent-encoding is 404, and writes nothing', async () => {
    const r = newRegistry();
    for (const path of ['/subjects/%ZZ/versions', '/subjects/%E0%A4%A/versions', '/subjects/%']) {
      const a = await r.call('POST', path, { body: avro(V1) });
      expect([path, a.status, a.body]).toEqual([path, 404, { error_code: 404, message: 'HTTP 404 Not Found' }]);
    }
    expect(r.backend.log).toEqual([]);
    expect((await r.call('GET', '/subjects?offset=-5')).body).toEqual([]);
  });

  test('a request URL with a short host is routed all the same (the router reads the pathname, not a fixed character offset)', async () => {
    const { registryFetch } = await import('../../../src/registry/http/app.ts');
    const { MemoryRegistryBackend } = await import('../../../src/registry/registry-backend.ts');
    const fetch = registryFetch(new MemoryRegistryBackend());
    const posted = await fetch(new Request('http://h/subjects/s/versions?normalize=false', { method: 'POST', body: JSON.stringify(avro(V1)) }));
    expect([posted.status, await posted.json()]).toEqual([200, { id: 1, version: 1 }]);
    expect(await (await fetch(new Request('http://a.b/subjects'))).json()).toEqual(['s']);
    expect(await (await fetch(new Request('http://h'))).json()).toEqual({});
  });

  test('an int query parameter that is not an int makes Jersey answer 404', async () => {
    const r = newRegistry();
    expect((await r.call('GET', '/subjects?limit=ten')).status).toBe(404);
  });
});

describe('bodies', () => {
  test('the three JSON media types and octet-stream are accepted, and a body without a type', async () => {
    const r = newRegistry();
    const types = ['application/vnd.schemaregistry.v1+json', 'application/vnd.schemaregistry+json', 'application/json', 'application/json; charset=utf-8', 'application/octet-stream', null];
    for (const contentType of types) {
      const a = await r.call('POST', '/subjects/s/versions', { body: avro(V1), contentType });
      expect([contentType, a.status, a.body]).toEqual([contentType, 200, { id: 1, version: 1 }]);
    }
  });

  test('another media type is 415', async () => {
    const r = newRegistry();
    const a = await r.call('POST', '/subjects/s/versions', { body: avro(V1), contentType: 'text/plain' });
    expect([a.status, a.body]).toEqual([415, { error_code: 415, message: 'HTTP 415 Unsupported Media Type' }]);
  });

  test('malformed JSON is 400 with error_code 400 (JsonParseExceptionMapper)', async () => {
    const r = newRegistry();
    const a = await r.call('POST', '/subjects/s/versions', { body: '{"schema": ' });
    expect([a.status, a.body.error_code]).toEqual([400, 400]);
  });

  test('a field of the wrong type is 400 (JsonMappingExceptionMapper)', async () => {
    const r = newRegistry();
    for (const body of [{ schema: { type: 'string' } }, { schema: '"string"', references: 'x' }, { schema: '"string"', version: 'one' }, [1, 2]]) {
      const a = await r.call('POST', '/subjects/s/versions', { body });
      expect([JSON.stringify(body), a.status, a.body.error_code]).toEqual([JSON.stringify(body), 400, 400]);
    }
    expect((await r.call('PUT', '/config', { body: { compatibility: ['FULL'] } })).status).toBe(400);
  });

  test('a missing body is 422 with error_code 422 (@NotNull, ConstraintViolationExceptionMapper)', async () => {
    const r = newRegistry();
    expect((await r.call('POST', '/subjects/s/versions')).body.error_code).toBe(422);
    expect((await r.call('POST', '/subjects/s/versions', { body: 'null' })).body.error_code).toBe(422);
    expect((await r.call('PUT', '/mode')).status).toBe(422);
  });

  test('a body over requestBytesMax is 413, and the handler keeps serving', async () => {
    const r = newRegistry({ requestBytesMax: 100 });
    const big = avro(record(...Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, type: 'int' }))));
    const a = await r.call('POST', '/subjects/s/versions', { body: big });
    expect([a.status, a.body.error_code]).toEqual([413, 413]);
    expect((await r.call('POST', '/subjects/s/versions', { body: { schema: '"int"' } })).body).toEqual({ id: 1, version: 1 });
  });

  test('a streamed body without a length is cut off at the limit, not read whole', async () => {
    const { registryFetch } = await import('../../../src/registry/http/app.ts');
    const { MemoryRegistryBackend } = await import('../../../src/registry/registry-backend.ts');
    const fetch = registryFetch(new MemoryRegistryBackend(), { requestBytesMax: 1000 });
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(400).fill(0x20));
        if (pulled > 1000) controller.close(); // a bound for the test; the handler must stop long before
      },
    });
    const a = await fetch(new Request('http://localhost:8081/subjects/s/versions', { method: 'POST', body: endless, headers: { 'content-type': 'application/json' } }));
    expect(a.status).toBe(413);
    expect(pulled).toBeLessThan(10);
  });

  test('unknown fields are ignored (@JsonIgnoreProperties(ignoreUnknown = true))', async () => {
    const r = newRegistry();
    expect((await r.call('POST', '/subjects/s/versions', { body: avro(V1, { whatever: [1] }) })).body).toEqual({ id: 1, version: 1 });
  });

  test('a missing or empty schema is 42201 "Empty schema"', async () => {
    const r = newRegistry();
    for (const body of [{}, { schema: '  ' }]) {
      const a = await r.call('POST', '/subjects/s/versions', { body });
      expect([a.status, a.body]).toEqual([422, { error_code: 42201, message: 'Empty schema' }]);
    }
  });
});

describe('the codes of Errors.java', () => {
  test('an invalid subject name is 42208 (QualifiedSubject.isValidSubject)', async () => {
    const r = newRegistry();
    // The last: longer than SUBJECT_CHARS_MAX, which a `_schemas` record may not carry.
    for (const subject of ['__GLOBAL', 'a\u0001b', 'x'.repeat(16 * 1024 + 1)]) {
      const a = await r.call('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { body: avro(V1) });
      expect([a.status, a.body]).toEqual([422, { error_code: 42208, message: `The specified subject '${subject}' is not a valid.` }]);
    }
  });

  test('an invalid mode is 42204; an invalid level 42203', async () => {
    const r = newRegistry();
    expect((await r.call('PUT', '/mode', { body: { mode: 'SOMETIMES' } })).body.error_code).toBe(42204);
    expect((await r.call('PUT', '/config/s', { body: { compatibility: 'SOMETIMES' } })).body.error_code).toBe(42203);
  });

  test('a store failure (the backend error values 50001-50003) is a 500 with its code and message', async () => {
    const r = newRegistry();
    const failing = r.backend as unknown as { write: unknown };
    for (const code of [50001, 50002, 50003]) {
      failing.write = async () => ({ ok: false, error: { code, message: `store down ${code}` } });
      const a = await r.call('POST', '/subjects/s/versions', { body: avro(V1) });
      expect([a.status, a.body]).toEqual([500, { error_code: code, message: `store down ${code}` }]);
    }
  });

  test('a backend that throws is a 500 without a stack, and the next request is served', async () => {
    const r = newRegistry();
    const original = r.backend.write.bind(r.backend);
    const failing = r.backend as unknown as { write: unknown };
    failing.write = () => {
      throw new Error('a bug');
    };
    const a = await r.call('POST', '/subjects/s/versions', { body: avro(V1) });
    expect([a.status, a.body]).toEqual([500, { error_code: 500, message: 'Internal Server Error' }]);
    failing.write = original;
    expect((await r.call('POST', '/subjects/s/versions', { body: avro(V1) })).status).toBe(200);
  });
});

describe('no input makes a 500', () => {
  // Every route template, its parameters filled with plausible and implausible values, under every
  // method, with bodies of every wrong shape: nothing may answer 500 (a thrown bug), and each
  // answer is checked against the spec by the client (or is one of its listed exceptions).
  const PATHS = [
    '/', '/v1/metadata/id', '/v1/metadata/version', '/contexts', '/subjects', '/subjects/s', '/subjects/s/versions', '/subjects/s/versions/1', '/subjects/s/versions/latest',
    '/subjects/s/versions/x/schema', '/subjects/s/versions/-1/referencedby', '/schemas', '/schemas/types', '/schemas/ids/1',
    '/schemas/ids/1/schema', '/schemas/ids/1/subjects', '/schemas/ids/x/versions', '/config', '/config/s', '/mode', '/mode/s',
    '/compatibility/subjects/s/versions', '/compatibility/subjects/s/versions/latest', '/compatibility/subjects/s/versions/0',
  ];
  const BODIES: Array<string | undefined> = [
    undefined, '', 'null', '[]', '{}', '"text"', '1', '{"schema":1}', '{"schema":null}', '{"schema":{"a":1}}',
    '{"schema":"\\"int\\"","references":[null]}', '{"schema":"\\"int\\"","references":[{"name":1,"subject":[],"version":"x"}]}',
    '{"schema":"\\"int\\"","id":1e20}', '{"schema":"\\"int\\"","version":-1}', '{"schema":"\\"int\\"","schemaType":{}}',
    '{"compatibility":null}', '{"compatibility":"full"}', '{"mode":{}}', '{"mode":"import"}', '{"schema":"{\\"type\\":\\"record\\"}"}',
    '['.repeat(100_000), '{"schema":"\\"int\\"","references":[{"name":"n","subject":"s","version":-1}]}',
    // The other schema types, when their supports are served (the default): good, bad, and a
    // reference to the Avro schema under s.
    '{"schemaType":"PROTOBUF","schema":"syntax = \\"proto3\\"; message M { int32 a = 1; }"}',
    '{"schemaType":"PROTOBUF","schema":"message {"}',
    '{"schemaType":"PROTOBUF","schema":"syntax = \\"proto3\\"; import \\"s.proto\\"; message M { R r = 1; }","references":[{"name":"s.proto","subject":"s","version":1}]}',
    '{"schemaType":"JSON","schema":"{\\"type\\":\\"object\\",\\"properties\\":{\\"a\\":{\\"type\\":\\"integer\\"}}}"}',
    '{"schemaType":"JSON","schema":"{\\"type\\":7}"}',
    '{"schemaType":"JSON","schema":"{\\"$ref\\":\\"s.json\\"}","references":[{"name":"s.json","subject":"s","version":1}]}',
  ];

  test('every route, method and body shape answers below 500', async () => {
    const r = newRegistry();
    await r.call('POST', '/subjects/s/versions', { body: avro(V1) });
    const served: number[] = [];
    for (const path of PATHS) {
      for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
        for (const body of method === 'GET' || method === 'DELETE' ? [undefined] : BODIES) {
          const a = await r.call(method, path, { body });
          if (a.status >= 500) throw new Error(`${method} ${path} ${body?.slice(0, 80)} -> ${a.status} ${a.text}`);
          served.push(a.status);
        }
      }
    }
    expect(served.length).toBeGreaterThan(300);
  });
});

describe('features not built are refused at once, nothing stored', () => {
  test('metadata, schema tags and a rule set on a registration: 42201 / 42210; empty ones are fine', async () => {
    const r = newRegistry();
    const refused = [
      [avro(V1, { metadata: { properties: { owner: 'team' } } }), 42201],
      [avro(V1, { schemaTags: [{ schemaEntity: { entityPath: 'x', entityType: 'SR_FIELD' }, tags: ['PII'] }] }), 42201],
      [avro(V1, { ruleSet: { domainRules: [{ name: 'r', kind: 'CONDITION', mode: 'WRITE', type: 'CEL', expr: 'true' }] } }), 42210],
    ] as const;
    for (const [body, code] of refused) {
      const a = await r.call('POST', '/subjects/s/versions', { body });
      expect([a.status, (a.body as { error_code: number }).error_code]).toEqual([422, code]);
    }
    expect((await r.call('GET', '/subjects')).body).toEqual([]);
    // What serializers send when they have none: absent, null or empty.
    const a = await r.call('POST', '/subjects/s/versions', { body: avro(V1, { metadata: null, ruleSet: {}, schemaTags: [], propagateSchemaTags: false }) });
    expect([a.status, a.body]).toEqual([200, { id: 1, version: 1 }]);
  });

  test('a context-qualified subject (":.ctx:s") is 42208, not a subject of the default context', async () => {
    const r = newRegistry();
    for (const subject of [':.ctx:s', ':.:s']) {
      const a = await r.call('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { body: avro(V1) });
      expect([a.status, (a.body as { error_code: number }).error_code]).toEqual([422, 42208]);
      expect((a.body as { message: string }).message).toContain('contexts are not supported');
    }
    expect((await r.call('GET', '/subjects')).body).toEqual([]);
  });
});
