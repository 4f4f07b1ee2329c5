// The OpenAPI check every registry answer in the HTTP tests goes through (http-client.ts,
// test/helpers/openapi-spec.ts) catches what it is for: an answer whose path, method or status
// the spec does not describe, and a body that does not match the spec's schema.

import { expect } from 'bun:test';
import { REGISTRY_SPEC, registrySpec } from '../../helpers/openapi-spec.ts';
import { testRequiring } from '../../helpers/requirements.ts';
import { SPEC_EXCEPTIONS, SPEC_OVERRIDES } from './http-client.ts';

const spec = () => registrySpec()!;

testRequiring(REGISTRY_SPEC, 'a described answer with a matching body passes ($refs resolved)', () => {
  expect(spec().check({ method: 'POST', path: '/subjects/s/versions', status: 200, bodyText: '{"id":1,"version":1}' })).toEqual([]);
  expect(spec().check({ method: 'GET', path: '/subjects/a%2Fb/versions/1', status: 200, bodyText: '{"subject":"a/b","version":1,"id":1,"schema":"\\"int\\""}' })).toEqual([]);
  expect(spec().check({ method: 'GET', path: '/subjects/s/versions/1', status: 404, bodyText: '{"error_code":40402,"message":"Version 1 not found."}' })).toEqual([]);
});

testRequiring(REGISTRY_SPEC, 'a body that does not match fails', () => {
  expect(spec().check({ method: 'POST', path: '/subjects/s/versions', status: 200, bodyText: '{"id":"one"}' })).toHaveLength(1);
  expect(spec().check({ method: 'GET', path: '/config', status: 200, bodyText: '{"compatibilityLevel":"SOMETIMES"}' })).toHaveLength(1);
  expect(spec().check({ method: 'GET', path: '/subjects', status: 200, bodyText: '[1]' })).toHaveLength(1);
  expect(spec().check({ method: 'GET', path: '/subjects', status: 200, bodyText: 'not json' })).toHaveLength(1);
});

testRequiring(REGISTRY_SPEC, 'an undescribed path, method or status fails', () => {
  expect(spec().check({ method: 'GET', path: '/nowhere', status: 200, bodyText: '{}' })[0]).toContain('path not in the spec');
  expect(spec().check({ method: 'PATCH', path: '/subjects', status: 200, bodyText: '[]' })[0]).toContain('method not in the spec');
  expect(spec().check({ method: 'GET', path: '/subjects', status: 418, bodyText: '{}' })[0]).toContain('status not in the spec');
});

testRequiring(REGISTRY_SPEC, 'the most literal template wins (/schemas/types is not /schemas/ids/{id})', () => {
  expect(spec().templateOf('/schemas/types')).toBe('/schemas/types');
  expect(spec().templateOf('/schemas/ids/3/schema')).toBe('/schemas/ids/{id}/schema');
  expect(spec().templateOf('/subjects/s/versions/latest/referencedby')).toBe('/subjects/{subject}/versions/{version}/referencedby');
});

testRequiring(REGISTRY_SPEC, 'an override checks the named entity instead of the spec', () => {
  const answer = { method: 'DELETE', path: '/config', status: 200, bodyText: '{"compatibilityLevel":"FULL"}' };
  expect(spec().check(answer)).toHaveLength(1); // the spec says a bare string
  expect(spec().check(answer, SPEC_OVERRIDES)).toEqual([]);
  expect(spec().check({ ...answer, bodyText: '{"compatibilityLevel":7}' }, SPEC_OVERRIDES)).toHaveLength(1);
});

testRequiring(REGISTRY_SPEC, 'every deliberate exception says why', () => {
  for (const e of SPEC_EXCEPTIONS) expect(e.why.length).toBeGreaterThan(20);
});
