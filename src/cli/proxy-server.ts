// The HTTP proxy in a node's shell: its listener (Bun.serve on --proxy-addr) and its internal
// Kafka client, connected to this node's own Kafka listener (DESIGN.md section 6: the proxy
// talks to the cluster through the client, so it works the same on any node). Sockets are
// opened here, in cli, as the layering requires.
//
// Order (start.ts): bindProxy right after the Kafka listener is bound, before the data
// directory is opened, so a taken port fails the start cleanly; openProxy once the broker
// serves. Until then a request is answered at once with 500 50003 (Confluent's retriable Kafka
// error): the node is starting.

import { logger } from '../base/log.ts';
import { GroupMember, type GroupMemberOptions, KafkaClient, type MemberErr } from '../client/client.ts';
import type { NodeConfig } from '../config/node-config.ts';
import { advertisableHost, formatHostPort, type HostPort } from '../config/values.ts';
import { proxyFetch } from '../proxy/app.ts';
import { ConsumerManager } from '../proxy/consumers.ts';
import type { ProxySchemas } from '../proxy/schema-formats.ts';
import { KAFKA_V2_JSON, REQUEST_BYTES_MAX_DEFAULT } from '../proxy/wire.ts';
import { SYSTEM_IO } from './node-deps.ts';
import { type BunServer, listenHttp } from './http-listener.ts';

const log = logger('proxy');

/** Bun's cut-off for a request body: above the handler's own limit (REQUEST_BYTES_MAX_DEFAULT,
 *  answered 413 with Confluent's body), so the handler is the one that answers. */
export const PROXY_REQUEST_BYTES_MAX = REQUEST_BYTES_MAX_DEFAULT + 64 * 1024;

/** A records read waits up to consumer.request.timeout.ms (CONSUMER_REQUEST_TIMEOUT_MS_MAX, 30 s)
 *  and may queue behind another on its instance: Bun's default 10 s would cut it off. */
export const PROXY_IDLE_TIMEOUT_S = 75;

/** Test hook: consumer instances expire after this many idle milliseconds instead of
 *  consumer.instance.timeout.ms's 5 minutes (an integration test waits for an expiry). */
export const CONSUMER_TIMEOUT_ENV = 'FRESHET_TEST_PROXY_CONSUMER_TIMEOUT_MS';


export interface ProxyNode {
  readonly address: HostPort;
  readonly url: string;
  /** Stops listening (connections in flight are closed) and closes the client. */
  close(): Promise<void>;
}

export interface BoundProxy {
  readonly server: BunServer;
  client: KafkaClient | null;
  consumers: ConsumerManager | null;
  /** The advertised proxy URL (base_uri when a request names no Host). */
  url: string;
  handler: ((request: Request) => Promise<Response>) | null;
}

/** Binds the proxy's listener; requests get 50003 until openProxy. Throws NodeStartError. */
export function bindProxy(address: HostPort): { bound: BoundProxy; node: ProxyNode } {
  const state: { bound: BoundProxy | null } = { bound: null };
  const server = listenHttp({
    address,
    what: 'the HTTP proxy',
    flag: '--proxy-addr',
    maxRequestBodySize: PROXY_REQUEST_BYTES_MAX,
    idleTimeoutSeconds: PROXY_IDLE_TIMEOUT_S,
    fetch: (request) => serve(state.bound!, request),
    error: () => json(500, { error_code: 500, message: 'Internal Server Error' }),
  });
  const bound: BoundProxy = { server, client: null, consumers: null, url: '', handler: null };
  state.bound = bound;
  const actual = { host: address.host, port: server.port ?? address.port };
  const node: ProxyNode = {
    address: actual,
    url: `http://${formatHostPort({ host: advertisableHost(actual.host), port: actual.port })}`,
    close: async () => {
      void server.stop(true);
      // The instances leave their groups before the client they talk through closes.
      await bound.consumers?.close();
      await bound.client?.close();
    },
  };
  bound.url = node.url;
  return { bound, node };
}

/** Serves through an internal client to this node's Kafka listener (connected on first use);
 *  the schema formats through this node's registry (`schemas`; null when it is off). */
export function openProxy(bound: BoundProxy, config: NodeConfig, schemas: ProxySchemas | null): void {
  const kafka = { host: advertisableHost(config.kafkaAddr.host), port: config.kafkaAddr.port };
  const client = new KafkaClient({ io: SYSTEM_IO, bootstrap: [formatHostPort(kafka)], clientId: `freshet-rest-proxy-${config.nodeId}` });
  bound.client = client;
  const timeout = Number(process.env[CONSUMER_TIMEOUT_ENV] ?? '');
  let instances = 0;
  // Each instance reads through a client of its own, as each of Confluent's instances is a
  // KafkaConsumer with its own connections: a read long-polls its connection (up to its timeout,
  // or until fetch.min.bytes), and the broker answers a connection's requests in order, so on a
  // shared connection every produce and every other instance would wait behind it.
  const newMember = (options: GroupMemberOptions) =>
    new InstanceMember(new KafkaClient({ io: SYSTEM_IO, bootstrap: [formatHostPort(kafka)], clientId: `freshet-rest-proxy-${config.nodeId}-consumer-${++instances}` }), options);
  const consumers = new ConsumerManager(
    { clock: SYSTEM_IO.clock, scheduler: SYSTEM_IO.scheduler, newMember },
    Number.isInteger(timeout) && timeout > 0 ? { instanceTimeoutMs: timeout } : {},
  );
  if (Number.isInteger(timeout) && timeout > 0) log.warn(`${CONSUMER_TIMEOUT_ENV} is set: proxy consumer instances expire after ${timeout} ms idle (tests only)`);
  bound.consumers = consumers;
  bound.handler = proxyFetch(client, { consumers, advertisedUrl: bound.url, ...(schemas === null ? {} : { schemas }) });
  log.info(`proxy: reaching the cluster through ${formatHostPort(kafka)}`);
}

/** A consumer instance's member, which closes its own client when it closes. */
class InstanceMember extends GroupMember {
  constructor(
    private readonly own: KafkaClient,
    options: GroupMemberOptions,
  ) {
    super(own, options);
  }

  override async close(): Promise<MemberErr | null> {
    try {
      return await super.close();
    } finally {
      await this.own.close();
    }
  }
}

async function serve(bound: BoundProxy, request: Request): Promise<Response> {
  if (bound.handler === null) return json(500, { error_code: 50003, message: 'The HTTP proxy is not ready: the node is starting' });
  return await bound.handler(request);
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': KAFKA_V2_JSON } });
}
