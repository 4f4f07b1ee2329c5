// `freshet start`: read the configuration, bind the listeners (Kafka, and the internal RPC with
// --seeds), open the broker (and the node's Raft state), serve; stop cleanly on SIGTERM/SIGINT.
// The wiring itself is node.ts, shared with the cluster simulation.
//
// Order matters: the listeners are bound before the Broker opens or creates anything in the data
// directory, so a port in use or a bad host fails with the data directory untouched.
// Exit codes: 2 for a usage or configuration mistake (nothing was started), 1 for a failure to
// start (the address, the data directory), 0 after a clean stop.

import * as fs from 'node:fs';
import { UsageError } from '../base/flags.ts';
import { log, logFormat, setLogFormat } from '../base/log.ts';
import { startStallDetector } from './stall-detector.ts';
import { systemDeps } from './node-deps.ts';
import { parseConfigFile } from '../config/config-file.ts';
import { buildFromLayer, type ConfigLayer, ConfigError, EMPTY_LAYER, envLayer, mergeLayers, type NodeConfig, startFlagsLayer } from '../config/node-config.ts';
import type { NodeDeps } from '../base/deps.ts';
import { formatHostPort } from '../config/values.ts';
import { type BoundNode, bindNode, openNode, type RunningNode } from './node.ts';
import { VERSION } from '../version.ts';
import { acceleratorsInstalled, installAccelerators } from '../compression/accelerators.ts';
import { lockDataDir } from '../storage/dir-lock.ts';
import { startHelp } from './start-help.ts';
import { raiseFdLimit } from '../base/fd-limit.ts';
import { bindRegistry, openRegistry, type RegistryNode, schemaCodecsOf } from './registry-server.ts';
import { bindProxy, openProxy, type ProxyNode } from './proxy-server.ts';
import { type AdminServer, bindAdmin } from './admin-server.ts';
import { renderMetrics } from '../base/metrics-text.ts';
import { nodeMetrics, type NodeMetrics } from './metrics.ts';

/** From the stop signal to exit, whatever happens: orchestrators (Kubernetes gives 30 s,
 *  Docker 10 s) kill a process that takes longer, and a kill flushes nothing. */
export const STOP_DEADLINE_MS = 5_000;
/** How long requests in flight get to be answered before their connections are closed; the
 *  rest of the deadline is for flushing the logs. */
export const STOP_DRAIN_MS = 2_000;

/** Test hook: wait this many milliseconds between binding the listeners and opening the data
 *  directory, so a test can see the admin API answer 503 before the node serves. */
export const START_DELAY_ENV = 'FRESHET_TEST_START_DELAY_MS';
/** The longest START_DELAY_ENV taken. */
const START_DELAY_MS_MAX = 30_000;

export const EXIT_USAGE = 2;
export const EXIT_FAILURE = 1;

/** Runs a node. Returns an exit code when it stopped before serving, null while it serves. */
export async function runStart(argv: readonly string[], env: Record<string, string | undefined> = process.env): Promise<number | null> {
  const config = loadConfig(argv, env);
  if (typeof config === 'number') return config;
  setLogFormat(config.logFormat); // before the first line
  installAccelerators();
  const node: Running = { bound: null, running: null, registry: null, proxy: null, admin: null, metrics: null };
  stopOnSignals(node);
  // Which CRC32C checks every batch, said once at start: where the prebuilt addon is missing the
  // pure one is ~2-4x slower on large batches, and that should not be a surprise.
  log.info(`crc32c: ${acceleratorsInstalled()?.crc32cDescription ?? 'pure (no accelerator installed)'}`);
  let deps: NodeDeps;
  let registry: ReturnType<typeof bindRegistry> | null = null;
  let proxy: ReturnType<typeof bindProxy> | null = null;
  try {
    raiseFdLimit();
    deps = systemDeps(env);
    node.bound = await bindNode(config, deps);
  } catch (e) {
    return startFailed(e);
  }
  try {
    // The registry's, the proxy's and the admin API's listeners too are bound before the data
    // directory is touched; the admin API answers /v1/status/ready 503 until the node serves.
    // /metrics: the registry's families alone until the node serves, then the node's too.
    if (config.adminAddr !== null) {
      const registry = deps.metrics;
      node.admin = bindAdmin(config.adminAddr, (set, format) => node.metrics?.render(set, format) ?? renderMetrics(registry, set, format));
    }
    if (config.schemaRegistryAddr !== null) {
      registry = bindRegistry(config.schemaRegistryAddr);
      node.registry = registry.node;
    }
    if (config.proxyAddr !== null) {
      proxy = bindProxy(config.proxyAddr);
      node.proxy = proxy.node;
    }
  } catch (e) {
    node.bound.server.close();
    void node.bound.cluster?.close().catch(() => {});
    void registry?.node.close();
    void node.admin?.close();
    return startFailed(e);
  }
  const delayMs = Number(env[START_DELAY_ENV] ?? '');
  if (Number.isInteger(delayMs) && delayMs > 0) {
    log.warn(`${START_DELAY_ENV} is set: the data directory is opened ${Math.min(delayMs, START_DELAY_MS_MAX)} ms after the listeners are bound (tests only)`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(delayMs, START_DELAY_MS_MAX)));
  }
  try {
    if (config.dev) {
      log.warn('DEV MODE: fsync is relaxed; acknowledged writes can be lost on a crash. Never use --dev in production.');
    }
    lockDataDir(config.dataDir); // before anything in it is opened; held until exit
    node.running = openNode(node.bound, config, deps);
  } catch (e) {
    node.bound.server.close();
    void node.bound.cluster?.close().catch(() => {});
    void registry?.node.close();
    void proxy?.node.close();
    void node.admin?.close();
    return startFailed(e);
  }
  // The broker serves Kafka from here on; the registry reads _schemas through it, in the background.
  if (registry !== null) openRegistry(registry.bound, config, node.running.broker.clusterId);
  if (proxy !== null) openProxy(proxy.bound, config, registry === null ? null : schemaCodecsOf(registry.bound));
  if (node.admin !== null) {
    node.metrics = nodeMetrics(node.running, config, deps);
    node.admin.open(node.running, config);
  }
  startStallDetector();
  const { host, port } = config.kafkaAddr;
  const { broker, cluster } = node.running;
  const rpc = cluster === null ? '' : `, rpc ${formatHostPort(cluster.rpcAddress)} (${config.cluster!.isSeed ? 'a seed: voter' : 'not a seed: learner'})`;
  const schemaRegistry = registry === null ? 'schema registry off' : `schema registry ${registry.node.url}`;
  const httpProxy = proxy === null ? 'proxy off' : `proxy ${proxy.node.url}`;
  const admin = node.admin === null ? 'admin API off' : `admin API ${node.admin.url}`;
  log.info(`freshet ${VERSION} node ${config.nodeId} ready: kafka ${host}:${port}${rpc}, data ${config.dataDir}, cluster ${broker.clusterId}, ${schemaRegistry}, ${httpProxy}, ${admin}`, {
    event: 'ready',
    version: VERSION,
    node_id: config.nodeId,
    kafka: `${host}:${port}`,
    rpc: cluster === null ? null : formatHostPort(cluster.rpcAddress),
    data_dir: config.dataDir,
    cluster_id: broker.clusterId,
    schema_registry: registry === null ? null : registry.node.url,
    proxy: proxy === null ? null : proxy.node.url,
    admin_api: node.admin === null ? null : node.admin.url,
  });
  return null;
}

function startFailed(e: unknown): number {
  const message = `freshet start: ${e instanceof Error ? e.message : String(e)}`;
  // A log shipper reading json lines gets the failure as one of them.
  if (logFormat() === 'json') log.error(message, { event: 'start_failed' });
  else process.stderr.write(`${message}\n`);
  return EXIT_FAILURE;
}

/** The node configuration, or the exit code when there is none to run (help, a mistake). */
function loadConfig(argv: readonly string[], env: Record<string, string | undefined>): NodeConfig | number {
  try {
    const flags = startFlagsLayer(argv);
    if (flags.help) {
      process.stdout.write(startHelp());
      return 0;
    }
    const envs = envLayer(env);
    return buildFromLayer(mergeLayers(flags, envs, readConfigFile(mergeLayers(flags, envs))));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`freshet start: ${e.message}\n(see 'freshet start --help')\n`);
    return EXIT_USAGE;
  }
}

/** What a stop signal has to stop: the listeners once bound, the whole node once it serves. */
interface Running {
  bound: BoundNode | null;
  running: RunningNode | null;
  registry: RegistryNode | null;
  proxy: ProxyNode | null;
  admin: AdminServer | null;
  /** The node's metrics, served by the admin API (null without it). */
  metrics: NodeMetrics | null;
}

/** The file named by --config or FRESHET_CONFIG, if any; a missing file is a usage error. */
export function readConfigFile(above: ConfigLayer): ConfigLayer {
  const named = above.values.get('config');
  if (named === undefined) return EMPTY_LAYER;
  const path = String(named.value);
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot read it (${code ?? e})`;
    throw new ConfigError(`${named.origin} ${path}: ${why}`);
  }
  return parseConfigFile(path, text);
}

/**
 * SIGTERM/SIGINT: stop accepting and reading, answer requests in flight (long polls answer at
 * once), flush the logs, log "stopped", exit 0. A second signal changes nothing; the deadline
 * exits anyway, with 0 only if the logs were flushed.
 */
function stopOnSignals(node: Running): void {
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const { bound, running } = node;
    if (running === null) {
      // Still binding: nothing is open in the data directory yet.
      bound?.server.close();
      void node.registry?.close();
      void node.proxy?.close();
      void node.admin?.close();
      log.info(`${signal} before the node served: stopped`);
      process.exit(0);
    }
    const { server, cluster, broker } = running;
    log.info(`${signal}: stopping: no new connections or requests; answering those in flight`);
    let phase = 'answering requests in flight';
    let flushed = false;
    const deadline = setTimeout(() => {
      log.error(`stop took longer than ${STOP_DEADLINE_MS} ms (still ${phase}); exiting ${flushed ? 'with everything flushed' : 'before the logs were flushed'}`);
      process.exit(flushed ? 0 : EXIT_FAILURE);
    }, STOP_DEADLINE_MS);
    // The admin API, the proxy and the registry first: they are clients of this node's Kafka listener.
    if (node.admin !== null) {
      phase = 'stopping the admin API';
      node.metrics?.stop();
      await node.admin.close().catch((e) => log.warn(`stopping the admin API: ${e instanceof Error ? e.message : e}`));
    }
    if (node.proxy !== null) {
      phase = 'stopping the HTTP proxy';
      await node.proxy.close().catch((e) => log.warn(`stopping the HTTP proxy: ${e instanceof Error ? e.message : e}`));
    }
    if (node.registry !== null) {
      phase = 'stopping the schema registry';
      await node.registry.close().catch((e) => log.warn(`stopping the schema registry: ${e instanceof Error ? e.message : e}`));
    }
    phase = 'answering requests in flight';
    const { cut } = await server.shutdown(STOP_DRAIN_MS);
    if (cut > 0) log.warn(`${cut} connection(s) closed after ${STOP_DRAIN_MS} ms with requests still in flight (their clients retry)`);
    if (cluster !== null) {
      // The RPC closes and the controller group stops before its log and journal are flushed.
      phase = 'stopping the controller group';
      try {
        await cluster.close();
      } catch (e) {
        log.error(`stopping: ${e instanceof Error ? e.message : e}`);
        process.exit(EXIT_FAILURE);
      }
    }
    phase = 'flushing logs';
    try {
      await broker.close();
    } catch (e) {
      log.error(`stopping: flushing the logs failed: ${e instanceof Error ? e.message : e}`);
      process.exit(EXIT_FAILURE);
    }
    flushed = true;
    clearTimeout(deadline);
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
