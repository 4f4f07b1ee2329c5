// The admin API's request handler: the routes of routes.ts served by Elysia over an AdminNode.
// The shell serves it with Bun.serve on --admin-addr (src/cli/admin-server.ts); nothing here
// opens a socket.
//
// Bad input is answered as Redpanda's Seastar httpd answers it, {"message", "code"}: an
// unknown path 404, a known path with another method 405, a body past ADMIN_REQUEST_BYTES_MAX
// 413, a malformed body 400; a route that needs the node answers 503 until the node serves.
// Nothing a request does makes a 500 with a stack: a throw is a bug, answered 500 without one.

import { Elysia } from 'elysia';
import { readBody } from '../base/http-body.ts';
import { logger } from '../base/log.ts';
import type { Clock } from '../base/clock.ts';
import type { Scheduler } from '../base/scheduler.ts';
import type { AdminNode } from './admin-node.ts';
import { type LevelStore, LogLevels, PROCESS_LEVELS } from './log-levels.ts';
import { type MetricsSource, type Route, ROUTES, type RouteEnv } from './routes.ts';
import { ADMIN_REQUEST_BYTES_MAX, adminError, notFound } from './wire.ts';

const adminLog = logger('admin');

export interface AdminAppOptions {
  /** The node once it serves Kafka; null before (readiness answers 503). */
  readonly node: () => AdminNode | null;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** GET /metrics and /public_metrics; without it they answer 404. */
  readonly metrics?: MetricsSource;
  /** Where log levels live: the process's (base/log.ts) unless a test gives its own. */
  readonly levels?: LevelStore;
  readonly requestBytesMax?: number;
}

export interface AdminApp {
  readonly fetch: (request: Request) => Promise<Response>;
  /** Cancels the log level expiry timers. */
  close(): void;
}

/** Elysia finds the path from the 12th character of the URL on (registry/http/app.ts says why). */
function routable(request: Request): Request {
  const url = request.url;
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  if (slash >= 11) return request;
  return new Request(`http://admin-api${slash < 0 ? '/' : url.slice(slash)}`, request);
}

function patternOf(path: string): RegExp {
  const source = path.split('/').map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
  return new RegExp(`^${source}/?$`);
}

async function run(route: Route, env: RouteEnv, ctx: { params: Record<string, string | null | undefined>; request: Request }, max: number): Promise<Response> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.params ?? {})) {
    if (typeof value !== 'string') return notFound(new URL(ctx.request.url).pathname);
    params[name] = value;
  }
  const node = env.node();
  if (node === null && route.early !== true) return adminError(503, 'The node is starting: it does not serve Kafka yet');
  let body = '';
  if (route.body === true) {
    const raw = await readBody(ctx.request, max);
    if (raw.kind === 'too_large') return adminError(413, `The request body is larger than ${max} bytes`);
    body = raw.text;
  }
  const url = new URL(ctx.request.url);
  return await route.handle({ params, query: url.searchParams, headers: ctx.request.headers, body }, env, node!);
}

export function adminApp(options: AdminAppOptions): AdminApp {
  const max = options.requestBytesMax ?? ADMIN_REQUEST_BYTES_MAX;
  const logLevels = new LogLevels(options.clock, options.scheduler, options.levels ?? PROCESS_LEVELS);
  const env: RouteEnv = { node: options.node, logLevels, metrics: options.metrics ?? null };
  const patterns = ROUTES.map((r) => patternOf(r.path));
  let app = new Elysia({ normalize: false })
    // Routes read the body themselves, within the limit, whatever its declared type.
    .onParse(() => '')
    .onError(({ code, request }) => {
      const path = new URL(request.url).pathname;
      if (code === 'NOT_FOUND') return patterns.some((p) => p.test(path)) ? adminError(405, `Method ${request.method} not allowed on ${path}`) : notFound(path);
      adminLog.error(`${request.method} ${path}: ${code}`);
      return adminError(500, 'Internal error');
    });
  for (const route of ROUTES) {
    app = app.route(route.method, route.path, (ctx) => run(route, env, ctx as never, max)) as typeof app;
  }
  return {
    fetch: async (request) => {
      try {
        return await app.handle(routable(request));
      } catch (e) {
        adminLog.error(`${request.method} ${request.url}: ${e instanceof Error ? e.message : e}`);
        return adminError(500, 'Internal error');
      }
    },
    close: () => logLevels.close(),
  };
}
