// The registry's HTTP handler under test, called as a client would, every answer checked on the
// way: its Content-Type is Confluent's, and it is one the OpenAPI spec describes (path, method,
// status, body schema) unless it is one of the deliberate exceptions below. A violation throws,
// failing the test that made the call. Without the spec the check is skipped, said once on
// stderr (a failing test under CI=true: see available()).

import { expect } from 'bun:test';
import { registryFetch, type RegistryHttpOptions } from '../../../src/registry/http/app.ts';
import { MemoryRegistryBackend } from '../../../src/registry/registry-backend.ts';
import { available } from '../../helpers/requirements.ts';
import { REGISTRY_SPEC, registrySpec, type SpecAnswer } from '../../helpers/openapi-spec.ts';

export const SR_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/**
 * Answers the spec does not describe, on purpose, each with why. The spec lists what each
 * resource declares; Jersey and rest-utils answer these for every resource.
 */
export const SPEC_EXCEPTIONS: ReadonlyArray<{ readonly why: string; readonly applies: (a: SpecAnswer, body: unknown) => boolean }> = [
  { why: "Jersey's 404 for a path no resource serves, or an {id} that is not an int", applies: (a, b) => a.status === 404 && errorCode(b) === 404 },
  { why: "Jersey's 405 for a known path with another method", applies: (a, b) => a.status === 405 && errorCode(b) === 405 },
  { why: "Jersey's 415 for a body of a media type the resources do not consume", applies: (a, b) => a.status === 415 && errorCode(b) === 415 },
  { why: 'our request body limit (413): Confluent has none of its own', applies: (a, b) => a.status === 413 && errorCode(b) === 413 },
  { why: "rest-utils' JsonParseException/JsonMappingException mappers: 400 for malformed JSON or a field of the wrong type", applies: (a, b) => a.status === 400 && errorCode(b) === 400 },
  { why: "rest-utils' ConstraintViolationExceptionMapper: 422 for a missing (@NotNull) body", applies: (a, b) => a.status === 422 && errorCode(b) === 422 },
  { why: 'RootResource answers an empty Map, {}; the spec says a string', applies: (a) => a.method === 'GET' && a.path === '/' && a.status === 200 && a.bodyText === '{}' },
  {
    why: "ServerMetadataResource.getClusterId answers ServerClusterId, whose scope.path is a list; the spec lists only a 500, and its ServerClusterId models every scope value as an object",
    applies: (a) => a.method === 'GET' && a.path === '/v1/metadata/id' && a.status === 200,
  },
  {
    why: "SubjectsResource.deleteSubject maps OperationNotPermittedException (42205) and ReferenceExistsException (42206) to 422; its annotation lists only 404 and 500",
    applies: (a, b) => a.method === 'DELETE' && /^\/subjects\/[^/]+$/.test(a.path) && a.status === 422 && [42205, 42206].includes(errorCode(b) as number),
  },
  {
    why: 'SubjectsResource.lookUpSchemaUnderSubject maps InvalidSchemaException to 42201; its annotation lists only 404 and 500',
    applies: (a, b) => a.method === 'POST' && /^\/subjects\/[^/]+$/.test(a.path) && a.status === 422 && errorCode(b) === 42201,
  },
];

/**
 * Answers the spec describes wrongly or not at all, checked against the entity Confluent's
 * code answers instead: "METHOD template status" -> component schema.
 */
export const SPEC_OVERRIDES: Readonly<Record<string, string>> = {
  // ConfigResource.deleteTopLevelConfig / deleteSubjectConfig resume with the deleted Config
  // entity ({"compatibilityLevel": ...}); the spec's annotation says a bare level string.
  // ServerMetadataResource.getSchemaRegistryVersion answers SchemaRegistryServerVersion; its
  // annotation lists only the 500.
  'GET /v1/metadata/version 200': 'SchemaRegistryServerVersion',
  'DELETE /config 200': 'Config',
  'DELETE /config/{subject} 200': 'Config',
};

function errorCode(body: unknown): unknown {
  return body !== null && typeof body === 'object' ? (body as { error_code?: unknown }).error_code : undefined;
}

const specAvailable = available(REGISTRY_SPEC);

export interface Answer {
  readonly status: number;
  readonly body: any;
  readonly text: string;
}

export interface CallOptions {
  /** Sent as is (a string) or as JSON; absent sends no body. */
  readonly body?: unknown;
  readonly contentType?: string | null;
}

export interface TestRegistry {
  readonly backend: MemoryRegistryBackend;
  call(method: string, path: string, options?: CallOptions): Promise<Answer>;
}

export function newRegistry(options: RegistryHttpOptions = {}): TestRegistry {
  const backend = new MemoryRegistryBackend();
  const fetch = registryFetch(backend, options);
  return {
    backend,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = {};
      const contentType = opts.contentType === undefined ? SR_CONTENT_TYPE : opts.contentType;
      let body: string | undefined;
      if (opts.body !== undefined) {
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
        if (contentType !== null) headers['content-type'] = contentType;
      }
      const response = await fetch(new Request(`http://localhost:8081${path}`, { method, body, headers }));
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
      expect(response.headers.get('content-type')).toBe(SR_CONTENT_TYPE);
      const answer: SpecAnswer = { method, path: path.split('?')[0], status: response.status, bodyText: text };
      const spec = specAvailable ? registrySpec() : undefined;
      if (spec !== undefined && !SPEC_EXCEPTIONS.some((e) => e.applies(answer, parsed))) {
        const problems = spec.check(answer, SPEC_OVERRIDES);
        if (problems.length > 0) throw new Error(`answer not as the spec describes it:\n${problems.join('\n')}`);
      }
      return { status: response.status, body: parsed, text };
    },
  };
}

/** A register/lookup body for an Avro schema given as a JS value. */
export const avro = (schema: unknown, extra: Record<string, unknown> = {}) => ({ schema: JSON.stringify(schema), ...extra });

/** A record R with the given fields. */
export const record = (...fields: unknown[]) => ({ type: 'record', name: 'R', fields });
