// The proxy's request handler: Confluent REST Proxy v2 over the internal Kafka client, routed
// from a table (base/http-router.ts, as src/registry/http/app.ts). The node's shell serves it with Bun.serve on
// --proxy-addr (cli/proxy-server.ts); nothing here opens a socket.
//
// Every answer is JSON: application/vnd.kafka.v2+json, or the embedded format's media type for
// records read. Bad input is answered as Confluent answers it (wire.ts): an unknown path 404 and
// a known path with another method 405, as Jersey does; a produce body whose Content-Type is not
// an embedded format 415; a body past the limit 413; malformed JSON 400. A throw is a bug or a
// lost cluster: answered 500 {"error_code":500} without a stack, and the next request is served.

import { ClientError } from '../client/client.ts';
import { produce, type StickyPartition } from './produce.ts';
import { readRecords } from './read.ts';
import type { ProxySchemas } from './schema-formats.ts';
import { getOffsets, getPartition, getTopic, listBrokers, listPartitions, listTopics, type ProxyClient } from './routes.ts';
import { readBody } from '../base/http-body.ts';
import { compileRoutes, withoutBodyForHead } from '../base/http-router.ts';
import * as consumer from './consumer-routes.ts';
import { type ConsumerInstance, type ConsumerManager, consumerProblems, serially } from './consumers.ts';
import { embeddedFormatOf, intPath, json, mediaTypeOf, problem, problems, REQUEST_BYTES_MAX_DEFAULT } from './wire.ts';

export interface ProxyHttpOptions {
  /** Largest request body accepted, in bytes (413 beyond). */
  readonly requestBytesMax?: number;
  /** The consumer instances (/consumers/...); without it those paths answer 501. */
  readonly consumers?: ConsumerManager;
  /** The node's advertised proxy URL, for base_uri when a request names no Host. */
  readonly advertisedUrl?: string;
  /** The node's schema registry, for the avro, jsonschema and protobuf formats; without it
   *  they answer 422 as Confluent's proxy without a registry does. */
  readonly schemas?: ProxySchemas;
}

type Params = Record<string, string | null | undefined>;
interface Ctx {
  /** Percent-decoded path params; null for a malformed encoding (base/http-router.ts). */
  readonly params: Params;
  readonly request: Request;
}

interface Route {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly handle: (ctx: Ctx) => Promise<Response>;
}

export function proxyFetch(client: ProxyClient, options: ProxyHttpOptions = {}): (request: Request) => Promise<Response> {
  const max = options.requestBytesMax ?? REQUEST_BYTES_MAX_DEFAULT;
  const sticky: StickyPartition = { next: 0 };

  /** A path segment as text; a malformed percent-encoding is null (JAX-RS: 404). */
  const seg = (params: Params, name: string): string | null => {
    const v = params[name];
    return typeof v === 'string' ? v : null;
  };
  const withTopic = (f: (topic: string, ctx: Ctx) => Promise<Response>) => async (ctx: Ctx) => {
    const topic = seg(ctx.params, 'topic');
    return topic === null ? problem(problems.notFound()) : f(topic, ctx);
  };
  const withPartition = (f: (topic: string, partition: number, ctx: Ctx) => Promise<Response>) => async (ctx: Ctx) => {
    const topic = seg(ctx.params, 'topic');
    const text = seg(ctx.params, 'partition');
    const partition = text === null ? undefined : intPath(text);
    return topic === null || partition === undefined ? problem(problems.notFound()) : f(topic, partition, ctx);
  };
  const produceRoute = (pathPartition: (ctx: Ctx) => number | null) => async (topic: string, ctx: Ctx) => {
    const format = embeddedFormatOf(mediaTypeOf(ctx.request.headers.get('content-type')));
    if (format === null) return problem(problems.unsupportedMediaType());
    const raw = await readBody(ctx.request, max);
    if (raw.kind === 'too_large') return problem(problems.tooLarge(max));
    return produce(client, options.schemas, sticky, topic, pathPartition(ctx), format, raw.text);
  };

  const routes: Route[] = [
    // RootResource: an empty object, for liveness checks.
    { method: 'GET', path: '/', handle: async () => json({}) },
    { method: 'GET', path: '/topics', handle: () => listTopics(client) },
    { method: 'GET', path: '/topics/:topic', handle: withTopic((t) => getTopic(client, t)) },
    { method: 'POST', path: '/topics/:topic', handle: withTopic(produceRoute(() => null)) },
    { method: 'GET', path: '/topics/:topic/partitions', handle: withTopic((t) => listPartitions(client, t)) },
    { method: 'GET', path: '/topics/:topic/partitions/:partition', handle: withPartition((t, p) => getPartition(client, t, p)) },
    {
      method: 'POST',
      path: '/topics/:topic/partitions/:partition',
      handle: withPartition((t, p, ctx) => produceRoute(() => p)(t, ctx)),
    },
    { method: 'GET', path: '/topics/:topic/partitions/:partition/offsets', handle: withPartition((t, p) => getOffsets(client, t, p)) },
    {
      method: 'GET',
      path: '/topics/:topic/partitions/:partition/records',
      handle: withPartition((t, p, ctx) => readRecords(client, options.schemas, t, p, new URL(ctx.request.url).searchParams, ctx.request.headers.get('accept'))),
    },
    { method: 'GET', path: '/brokers', handle: () => listBrokers(client) },
    ...consumerRoutes(options, max),
  ];
  const compiled = compileRoutes(routes.map((route) => ({ method: route.method, path: route.path, route })));
  if (!compiled.ok) throw new Error(`proxy routes: ${compiled.error}`); // a bug in the table above
  const router = compiled.router;
  const answer = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    const found = router.match(request.method, path);
    if (found.kind === 'found') return await guarded(found.route, { params: found.params, request });
    if (options.consumers === undefined && (path === '/consumers' || path.startsWith('/consumers/'))) return problem(problems.consumersNotBuilt());
    return problem(found.kind === 'method_not_allowed' ? problems.methodNotAllowed() : problems.notFound());
  };
  return async (request) => {
    try {
      return await withoutBodyForHead(request, await answer(request));
    } catch {
      return problem(problems.internal());
    }
  };
}

/** A route, with the cluster's silence answered as Kafka's retriable error (KafkaExceptionMapper:
 *  a TimeoutException or NetworkException is 500 50003). */
async function guarded(route: Route, ctx: Ctx): Promise<Response> {
  try {
    return await route.handle(ctx);
  } catch (e) {
    if (e instanceof ClientError) return problem(problems.kafkaRetriable(e.message));
    return problem(problems.internal());
  }
}

/** The /consumers routes (ConsumersResource), when the app has a ConsumerManager. */
function consumerRoutes(options: ProxyHttpOptions, max: number): Route[] {
  const manager = options.consumers;
  if (manager === undefined) return [];
  const body = async (ctx: Ctx) => {
    const raw = await readBody(ctx.request, max);
    if (raw.kind === 'too_large') return { ok: false as const, problem: problems.tooLarge(max) };
    return consumer.parseBody(raw.text);
  };
  const group = (ctx: Ctx): string | null => (typeof ctx.params.group === 'string' ? ctx.params.group : null);
  // An instance route: the instance (its idle time restarted) or 40403.
  const on = (f: (i: ConsumerInstance, ctx: Ctx) => Promise<Response> | Response) => async (ctx: Ctx) => {
    const g = group(ctx);
    const name = typeof ctx.params.instance === 'string' ? ctx.params.instance : null;
    const i = g === null || name === null ? null : manager.get(g, name);
    return i === null ? problem(consumerProblems.notFound()) : await serially(manager, i, async () => await f(i, ctx));
  };
  const withBody = (f: (i: ConsumerInstance, b: Record<string, unknown> | null) => Promise<Response> | Response) =>
    on(async (i, ctx) => {
      const b = await body(ctx);
      return b.ok ? await f(i, b.value) : problem(b.problem);
    });
  const base = '/consumers/:group/instances/:instance';
  return [
    {
      method: 'POST',
      path: '/consumers/:group',
      handle: async (ctx) => {
        const g = group(ctx);
        if (g === null) return problem(problems.notFound());
        const b = await body(ctx);
        if (!b.ok) return problem(b.problem);
        return consumer.createInstance(manager, options.schemas, g, b.value, baseUrlOf(ctx.request, options.advertisedUrl));
      },
    },
    {
      method: 'DELETE',
      path: base,
      handle: async (ctx) => {
        const g = group(ctx);
        const name = typeof ctx.params.instance === 'string' ? ctx.params.instance : null;
        const gone = g !== null && name !== null && (await manager.delete(g, name));
        return gone ? new Response(null, { status: 204 }) : problem(consumerProblems.notFound());
      },
    },
    { method: 'POST', path: `${base}/subscription`, handle: withBody((i, b) => consumer.subscribe(i, b)) },
    { method: 'GET', path: `${base}/subscription`, handle: on((i) => consumer.subscription(i)) },
    { method: 'DELETE', path: `${base}/subscription`, handle: on((i) => consumer.unsubscribe(i)) },
    { method: 'POST', path: `${base}/assignments`, handle: withBody((i, b) => consumer.assign(i, b)) },
    { method: 'GET', path: `${base}/assignments`, handle: on((i) => consumer.assignments(i)) },
    { method: 'POST', path: `${base}/positions`, handle: withBody((i, b) => consumer.seek(i, b)) },
    { method: 'POST', path: `${base}/positions/beginning`, handle: withBody((i, b) => consumer.seekTo(i, b, 'earliest')) },
    { method: 'POST', path: `${base}/positions/end`, handle: withBody((i, b) => consumer.seekTo(i, b, 'latest')) },
    {
      method: 'GET',
      path: `${base}/records`,
      handle: on((i, ctx) => consumer.records(manager, i, options.schemas, new URL(ctx.request.url).searchParams, ctx.request.headers.get('accept'))),
    },
    { method: 'POST', path: `${base}/offsets`, handle: withBody((i, b) => consumer.commit(i, b)) },
    { method: 'GET', path: `${base}/offsets`, handle: withBody((i, b) => consumer.committed(i, b)) },
  ];
}

/** base_uri's origin: the request's Host (UriUtils.absoluteUri uses the request's base URI),
 *  else the node's advertised proxy address. */
function baseUrlOf(request: Request, advertised: string | undefined): string {
  const host = request.headers.get('host');
  if (host !== null && host !== '') return `http://${host}`;
  return advertised ?? new URL(request.url).origin;
}
