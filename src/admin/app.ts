// The admin API's request handler: the routes of routes.ts (base/http-router.ts) over an AdminNode.
// The shell serves it with Bun.serve on --admin-addr (src/cli/admin-server.ts); nothing here
// opens a socket.
//
// Bad input is answered as Redpanda's Seastar httpd answers it, {"message", "code"}: an
// unknown path 404, a known path with another method 405, a body past ADMIN_REQUEST_BYTES_MAX
// 413, a malformed body 400; a route that needs the node answers 503 until the node serves.
// Nothing a request does makes a 500 with a stack: a throw is a bug, answered 500 without one.

import { readBody } from '../base/http-body.ts';
import { compileRoutes, withoutBodyForHead } from '../base/http-router.ts';
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

async function run(route: Route, env: RouteEnv, request: Request, url: URL, rawParams: Record<string, string | null>, max: number): Promise<Response> {
  // A malformed percent-encoding in a segment (router: null) names nothing: 404, as before.
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(rawParams)) {
    if (value === null) return notFound(url.pathname);
    params[name] = value;
  }
  const node = env.node();
  if (node === null && route.early !== true) return adminError(503, 'The node is starting: it does not serve Kafka yet');
  let body = '';
  if (route.body === true) {
    const raw = await readBody(request, max);
    if (raw.kind === 'too_large') return adminError(413, `The request body is larger than ${max} bytes`);
    body = raw.text;
  }
  return await route.handle({ params, query: url.searchParams, headers: request.headers, body }, env, node!);
}

export function adminApp(options: AdminAppOptions): AdminApp {
  const max = options.requestBytesMax ?? ADMIN_REQUEST_BYTES_MAX;
  const logLevels = new LogLevels(options.clock, options.scheduler, options.levels ?? PROCESS_LEVELS);
  const env: RouteEnv = { node: options.node, logLevels, metrics: options.metrics ?? null };
  const compiled = compileRoutes(ROUTES.map((route) => ({ method: route.method, path: route.path, route })));
  if (!compiled.ok) throw new Error(`admin routes: ${compiled.error}`); // a bug in routes.ts
  const router = compiled.router;
  const answer = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const found = router.match(request.method, url.pathname);
    if (found.kind === 'not_found') return notFound(url.pathname);
    if (found.kind === 'method_not_allowed') return adminError(405, `Method ${request.method} not allowed on ${url.pathname}`);
    return await run(found.route, env, request, url, found.params, max);
  };
  return {
    fetch: async (request) => {
      try {
        return await withoutBodyForHead(request, await answer(request));
      } catch (e) {
        adminLog.error(`${request.method} ${request.url}: ${e instanceof Error ? e.message : e}`);
        return adminError(500, 'Internal error');
      }
    },
    close: () => logLevels.close(),
  };
}
