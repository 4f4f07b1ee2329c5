// The registry's request handler: Confluent's Schema Registry REST API over a RegistryBackend,
// routed from the table in routes.ts (base/http-router.ts). The node's shell serves it with Bun.serve on
// --schema-registry-addr; nothing here opens a socket.
//
// Every answer is application/vnd.schemaregistry.v1+json. Bad input is answered as Confluent
// answers it (wire.ts): an unknown path 404 and a known path with another method 405, as Jersey
// does; a body of a media type the resources do not consume 415; a body past the limit 413;
// malformed JSON 400; and nothing a request does makes a 500 with a stack: a throw is a bug,
// answered 500 {"error_code":500} and the handler keeps serving.

import { readBody } from '../../base/http-body.ts';
import { compileRoutes, withoutBodyForHead } from '../../base/http-router.ts';
import type { RegistryBackend } from '../registry-backend.ts';
import { RegistryService, supportTable } from '../registry-service.ts';
import type { SchemaSupport } from '../schema-types.ts';
import { LAZY_AVRO_SUPPORT, LAZY_JSON_SUPPORT, LAZY_PROTOBUF_SUPPORT } from '../lazy-formats.ts';
import { ROUTES, type Route, type RouteEnv } from './routes.ts';
import { ACCEPTED_CONTENT_TYPES, REQUEST_BYTES_MAX_DEFAULT, httpProblems, mediaTypeOf, problem } from './wire.ts';

export interface RegistryHttpOptions {
  /** Largest request body accepted, in bytes (413 beyond). */
  readonly requestBytesMax?: number;
  /** The schema types served, one support each; Avro, JSON Schema and Protobuf by default. */
  readonly supports?: readonly SchemaSupport[];
  /** The Kafka cluster id /v1/metadata/id answers. */
  readonly clusterId?: string;
  /** The version /v1/metadata/version answers (the node's own). */
  readonly serverVersion?: string;
}

/** Every schema type Confluent's registry serves (GET /schemas/types); each type's parser
 *  library is loaded when a schema of that type is first parsed (lazy-formats.ts). */
export const DEFAULT_SUPPORTS: readonly SchemaSupport[] = [LAZY_AVRO_SUPPORT, LAZY_JSON_SUPPORT, LAZY_PROTOBUF_SUPPORT];

async function run(route: Route, env: RouteEnv, request: Request, url: URL, rawParams: Record<string, string | null>, max: number): Promise<Response> {
  // A segment whose percent-encoding is malformed ("%ZZ") is null (base/http-router.ts); a
  // @PathParam that cannot be converted makes JAX-RS answer 404.
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(rawParams)) {
    if (value === null) return problem(httpProblems.notFound());
    params[name] = value;
  }
  let body: string | undefined;
  if (route.body) {
    const type = mediaTypeOf(request.headers.get('content-type'));
    if (type !== null && !ACCEPTED_CONTENT_TYPES.has(type)) return problem(httpProblems.unsupportedMediaType());
    const raw = await readBody(request, max);
    if (raw.kind === 'too_large') return problem(httpProblems.tooLarge(max));
    body = raw.text;
  }
  return route.handle({ params, query: url.searchParams, body }, env);
}

export function registryFetch(backend: RegistryBackend, options: RegistryHttpOptions = {}): (request: Request) => Promise<Response> {
  const max = options.requestBytesMax ?? REQUEST_BYTES_MAX_DEFAULT;
  const env: RouteEnv = {
    service: new RegistryService(backend, supportTable(options.supports ?? DEFAULT_SUPPORTS)),
    clusterId: options.clusterId ?? '',
    serverVersion: options.serverVersion ?? '',
  };
  const compiled = compileRoutes(ROUTES.map((route) => ({ method: route.method, path: route.path, route })));
  if (!compiled.ok) throw new Error(`registry routes: ${compiled.error}`); // a bug in routes.ts
  const router = compiled.router;
  const answer = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const found = router.match(request.method, url.pathname);
    if (found.kind === 'not_found') return problem(httpProblems.notFound());
    if (found.kind === 'method_not_allowed') return problem(httpProblems.methodNotAllowed());
    return await run(found.route, env, request, url, found.params, max);
  };
  return async (request) => {
    try {
      return await withoutBodyForHead(request, await answer(request));
    } catch {
      return problem(httpProblems.internal());
    }
  };
}
