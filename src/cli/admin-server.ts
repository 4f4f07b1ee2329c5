// The admin API in a node's shell: its listener (Bun.serve on --admin-addr) and the AdminNode
// over the running broker (admin-node.ts). Sockets are opened here, in cli, as the layering
// requires.
//
// Order (start.ts): bindAdmin right after the Kafka listener is bound, before the data directory
// is opened, so a taken port fails the start cleanly; until openAdmin (once the broker serves)
// /v1/status/ready answers 503 {"status":"booting"}, log levels already answer, and every route
// that needs the node answers 503.

import { adminApp, type AdminApp } from '../admin/app.ts';
import type { MetricsSource } from '../admin/routes.ts';
import { ADMIN_REQUEST_BYTES_MAX, adminError } from '../admin/wire.ts';
import type { NodeConfig } from '../config/node-config.ts';
import { advertisableHost, formatHostPort, type HostPort } from '../config/values.ts';
import { RunningAdminNode } from './admin-node.ts';
import { listenHttp } from './http-listener.ts';
import { SYSTEM_IO } from './node-deps.ts';
import type { RunningNode } from './node.ts';

/** Bun's cut-off for a request body: above the app's own limit, so the app answers 413 itself. */
export const ADMIN_LISTENER_BYTES_MAX = ADMIN_REQUEST_BYTES_MAX + 64 * 1024;

export interface AdminServer {
  readonly address: HostPort;
  readonly url: string;
  /** The node serves Kafka: the admin API answers from it from now on. */
  open(node: RunningNode, config: NodeConfig): void;
  /** Stops listening (connections in flight are closed) and the internal client. */
  close(): Promise<void>;
}

/** Binds the admin listener. Throws NodeStartError (the port is taken, no such address). */
export function bindAdmin(address: HostPort, metrics?: MetricsSource): AdminServer {
  let running: RunningAdminNode | null = null;
  const app: AdminApp = adminApp({
    node: () => running,
    clock: SYSTEM_IO.clock,
    scheduler: SYSTEM_IO.scheduler,
    ...(metrics === undefined ? {} : { metrics }),
  });
  const server = listenHttp({
    address,
    what: 'the admin API',
    flag: '--admin-addr',
    maxRequestBodySize: ADMIN_LISTENER_BYTES_MAX,
    // A leadership transfer or a cluster config change waits on the cluster; Bun's 10 s default
    // would cut a slow one off.
    idleTimeoutSeconds: 30,
    fetch: app.fetch,
    error: () => adminError(500, 'Internal error'),
  });
  const actual = { host: address.host, port: server.port ?? address.port };
  return {
    address: actual,
    url: `http://${formatHostPort({ host: advertisableHost(actual.host), port: actual.port })}`,
    open: (node, config) => {
      running = new RunningAdminNode(node, config);
    },
    close: async () => {
      void server.stop(true);
      app.close();
      await running?.close();
    },
  };
}
