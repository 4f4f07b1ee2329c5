// The schema registry in a node's shell: its HTTP listener (Bun.serve on --schema-registry-addr)
// and its store (registry/store: the `_schemas` topic through an internal client connected to
// this node's own Kafka listener). Sockets are opened here, in cli, as the layering requires.
//
// Order (start.ts): bindRegistry right after the Kafka listener is bound, before the data
// directory is opened, so a taken port fails the start cleanly; openRegistry once the broker
// serves. Until the store has replayed `_schemas`, requests wait (bounded) and then get 50002:
// the broker serves Kafka meanwhile, whatever the registry's state.

import { log } from '../base/log.ts';
import { KafkaClient } from '../client/client.ts';
import type { NodeConfig } from '../config/node-config.ts';
import { advertisableHost, formatHostPort, type HostPort } from '../config/values.ts';
import { DEFAULT_SUPPORTS, registryFetch } from '../registry/http/app.ts';
import { RegistryService, supportTable } from '../registry/registry-service.ts';
import { DEFAULT_CODECS, SchemaCodecs } from '../registry/serde/schema-codecs.ts';
import { KafkaSchemasLog } from '../registry/store/kafka-schemas-log.ts';
import { TopicRegistryBackend } from '../registry/store/topic-backend.ts';
import { REQUEST_BYTES_MAX_DEFAULT } from '../registry/http/wire.ts';
import { SYSTEM_IO } from './node-deps.ts';
import { type BunServer, listenHttp } from './http-listener.ts';

/** Bun's cut-off for a request body: above the handler's own limit (REQUEST_BYTES_MAX_DEFAULT,
 *  answered 413 with Confluent's body), so the handler is the one that answers. */
export const REGISTRY_REQUEST_BYTES_MAX = REQUEST_BYTES_MAX_DEFAULT + 64 * 1024;
/** How long a request waits for the store's replay before it is answered 50002. */
export const REQUEST_READY_WAIT_MS = 10_000;
/** Confluent's content type for every answer. */
const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';


export interface RegistryNode {
  readonly address: HostPort;
  readonly url: string;
  /** Stops listening (connections in flight are closed) and stops the store. */
  close(): Promise<void>;
}

interface Bound {
  readonly server: BunServer;
  backend: TopicRegistryBackend | null;
  handler: ((request: Request) => Promise<Response>) | null;
}

/** Binds the registry's listener; requests get 50002 until openRegistry. Throws NodeStartError. */
export function bindRegistry(address: HostPort): { bound: Bound; node: RegistryNode } {
  const state: { bound: Bound | null } = { bound: null };
  const server = listenHttp({
    address,
    what: 'the schema registry',
    flag: '--schema-registry-addr',
    maxRequestBodySize: REGISTRY_REQUEST_BYTES_MAX,
    // A request may wait REQUEST_READY_WAIT_MS for the replay and then for its write.
    idleTimeoutSeconds: 60,
    fetch: (request) => serve(state.bound!, request),
    error: (e) => json(500, { error_code: 500, message: `Internal Server Error: ${e.message}` }),
  });
  const bound: Bound = { server, backend: null, handler: null };
  state.bound = bound;
  const actual = { host: address.host, port: server.port ?? address.port };
  const node: RegistryNode = {
    address: actual,
    url: `http://${formatHostPort({ host: advertisableHost(actual.host), port: actual.port })}`,
    close: async () => {
      void server.stop(true);
      await bound.backend?.close();
    },
  };
  return { bound, node };
}

/** Starts the store over internal clients to this node's Kafka listener, and serves. */
export function openRegistry(bound: Bound, config: NodeConfig, clusterId: string): void {
  const kafka = { host: advertisableHost(config.kafkaAddr.host), port: config.kafkaAddr.port };
  const clientFor = (role: string) => new KafkaClient({ io: SYSTEM_IO, bootstrap: [formatHostPort(kafka)], clientId: `freshet-schema-registry-${config.nodeId}-${role}` });
  const topicLog = new KafkaSchemasLog({ client: clientFor('writer'), tail: clientFor('reader') }, { expectedBrokers: config.cluster?.seeds.length ?? 1 });
  const backend = new TopicRegistryBackend(topicLog, { scheduler: SYSTEM_IO.scheduler, name: `node ${config.nodeId}` });
  bound.backend = backend;
  bound.handler = registryFetch(backend, { clusterId });
  backend.start();
  log.info(`registry: reading _schemas through ${formatHostPort(kafka)}`);
}

/** The node's registry as the HTTP proxy's serializers use it: the same state the registry's
 *  API serves, waiting for the store's replay as a request does. Null before openRegistry. */
export function schemaCodecsOf(bound: Bound): SchemaCodecs | null {
  const backend = bound.backend;
  if (backend === null) return null;
  return new SchemaCodecs(new RegistryService(backend, supportTable(DEFAULT_SUPPORTS)), DEFAULT_CODECS, () => backend.whenReady(REQUEST_READY_WAIT_MS));
}

async function serve(bound: Bound, request: Request): Promise<Response> {
  const { backend, handler } = bound;
  if (backend === null || handler === null) return notReady('the node is starting');
  // Confluent answers nothing before its store is initialised; we wait for the replay, bounded.
  const ready = await backend.whenReady(REQUEST_READY_WAIT_MS);
  if (!ready.ok) return json(500, { error_code: ready.error.code, message: ready.error.message });
  return await handler(request);
}

function notReady(why: string): Response {
  return json(500, { error_code: 50002, message: `The schema registry is not ready: ${why}` });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': CONTENT_TYPE } });
}
