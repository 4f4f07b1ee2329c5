// The registry's request handler: Confluent's Schema Registry REST API over a RegistryBackend,
// routed by Elysia from the table in routes.ts. The node's shell serves it with Bun.serve on
// --schema-registry-addr; nothing here opens a socket.
//
// Every answer is application/vnd.schemaregistry.v1+json. Bad input is answered as Confluent
// answers it (wire.ts): an unknown path 404 and a known path with another method 405, as Jersey
// does; a body of a media type the resources do not consume 415; a body past the limit 413;
// malformed JSON 400; and nothing a request does makes a 500 with a stack: a throw is a bug,
// answered 500 {"error_code":500} and the handler keeps serving.

import { Elysia } from 'elysia';
import { type RawBody, readBody } from '../../base/http-body.ts';
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

/** Elysia finds the path from the 12th character of the URL on (its getPath: indexOf('/', 11)),
 *  which misses it behind a scheme and host shorter than that ("http://h/subjects"). Such a
 *  request is given a longer host; the path, query and body are kept. */
function routable(request: Request): Request {
  const url = request.url;
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  if (slash >= 11) return request;
  return new Request(`http://registry${slash < 0 ? '/' : url.slice(slash)}`, request);
}

/** '/subjects/:subject/versions' -> a RegExp matching its paths, for telling 405 from 404. */
function patternOf(path: string): RegExp {
  const source = path.split('/').map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
  return new RegExp(`^${source}/?$`);
}

async function run(route: Route, env: RouteEnv, ctx: { params: Record<string, string | null | undefined>; request: Request; body: unknown }, max: number): Promise<Response> {
  // Elysia gives a segment whose percent-encoding is malformed ("%ZZ") as null; a @PathParam
  // that cannot be converted makes JAX-RS answer 404.
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.params ?? {})) {
    if (typeof value !== 'string') return problem(httpProblems.notFound());
    params[name] = value;
  }
  let body: string | undefined;
  if (route.body) {
    const type = mediaTypeOf(ctx.request.headers.get('content-type'));
    if (type !== null && !ACCEPTED_CONTENT_TYPES.has(type)) return problem(httpProblems.unsupportedMediaType());
    // Elysia calls the parse hook only when a Content-Type is sent; otherwise read it here.
    const raw = (ctx.body as RawBody | undefined) ?? (await readBody(ctx.request, max));
    if (raw.kind === 'too_large') return problem(httpProblems.tooLarge(max));
    body = raw.text;
  }
  const query = new URL(ctx.request.url).searchParams;
  return route.handle({ params, query, body }, env);
}

export function registryFetch(backend: RegistryBackend, options: RegistryHttpOptions = {}): (request: Request) => Promise<Response> {
  const max = options.requestBytesMax ?? REQUEST_BYTES_MAX_DEFAULT;
  const env: RouteEnv = {
    service: new RegistryService(backend, supportTable(options.supports ?? DEFAULT_SUPPORTS)),
    clusterId: options.clusterId ?? '',
    serverVersion: options.serverVersion ?? '',
  };
  const patterns = ROUTES.map((r) => ({ method: r.method, pattern: patternOf(r.path) }));

  let app = new Elysia()
    // Our routes read the body as text themselves, whatever its declared type.
    .onParse(({ request }) => readBody(request, max))
    .onError(({ code, request }) => {
      if (code === 'NOT_FOUND') {
        const path = new URL(request.url).pathname;
        const known = patterns.some((p) => p.pattern.test(path));
        return problem(known ? httpProblems.methodNotAllowed() : httpProblems.notFound());
      }
      return problem(httpProblems.internal());
    });
  for (const route of ROUTES) {
    app = app.route(route.method, route.path, (ctx) => run(route, env, ctx as never, max)) as typeof app;
  }
  return async (request) => {
    try {
      return await app.handle(routable(request));
    } catch {
      return problem(httpProblems.internal());
    }
  };
}
