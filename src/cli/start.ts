// `freshet start`: read the configuration, bind the Kafka listener, open the broker, serve; stop
// cleanly on SIGTERM/SIGINT.
//
// Order matters: the listener is bound before the Broker opens or creates anything in the data
// directory, so a port in use or a bad host fails with the data directory untouched.
// Exit codes: 2 for a usage or configuration mistake (nothing was started), 1 for a failure to
// start (the address, the data directory), 0 after a clean stop.

import * as fs from 'node:fs';
import { UsageError } from '../base/flags.ts';
import { log } from '../base/log.ts';
import { startStallDetector } from './stall-detector.ts';
import { SYSTEM_IO, systemDeps } from './node-deps.ts';
import { parseConfigFile } from '../config/config-file.ts';
import { buildFromLayer, type ConfigLayer, ConfigError, EMPTY_LAYER, envLayer, mergeLayers, type NodeConfig, startFlagsLayer } from '../config/node-config.ts';
import { Broker } from '../broker/broker.ts';
import { KafkaServer, ListenError } from '../broker/server.ts';
import { VERSION } from '../version.ts';
import { installAccelerators } from '../compression/accelerators.ts';
import { lockDataDir } from '../storage/dir-lock.ts';
import { startHelp } from './start-help.ts';
import { raiseFdLimit } from '../base/fd-limit.ts';

/** From the stop signal to exit, whatever happens: orchestrators (Kubernetes gives 30 s,
 *  Docker 10 s) kill a process that takes longer, and a kill flushes nothing. */
export const STOP_DEADLINE_MS = 5_000;
/** How long requests in flight get to be answered before their connections are closed; the
 *  rest of the deadline is for flushing the logs. */
export const STOP_DRAIN_MS = 2_000;

export const EXIT_USAGE = 2;
export const EXIT_FAILURE = 1;

/** Runs a node. Returns an exit code when it stopped before serving, null while it serves. */
export async function runStart(argv: readonly string[], env: Record<string, string | undefined> = process.env): Promise<number | null> {
  const config = loadConfig(argv, env);
  if (typeof config === 'number') return config;
  installAccelerators();
  const server = new KafkaServer(config, SYSTEM_IO);
  const node: Running = { server, broker: null };
  stopOnSignals(node);
  try {
    await server.listen();
  } catch (e) {
    if (!(e instanceof ListenError)) throw e;
    process.stderr.write(`freshet start: ${e.message}\n`);
    return EXIT_FAILURE;
  }
  let broker: Broker;
  try {
    if (config.dev) {
      log.warn('DEV MODE: fsync is relaxed; acknowledged writes can be lost on a crash. Never use --dev in production.');
    }
    raiseFdLimit();
    lockDataDir(config.dataDir); // before anything in it is opened; held until exit
    broker = new Broker(config, systemDeps(env));
  } catch (e) {
    server.close();
    process.stderr.write(`freshet start: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_FAILURE;
  }
  server.serve(broker);
  node.broker = broker;
  startStallDetector();
  const { host, port } = config.kafkaAddr;
  log.info(`freshet ${VERSION} node ${config.nodeId} ready: kafka ${host}:${port}, data ${config.dataDir}, cluster ${broker.clusterId}`);
  return null;
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

/** What a stop signal has to stop; the broker is null until the node serves. */
interface Running {
  readonly server: KafkaServer;
  broker: Broker | null;
}

/** The file named by --config or FRESHET_CONFIG, if any; a missing file is a usage error. */
function readConfigFile(above: ConfigLayer): ConfigLayer {
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
    const { server, broker } = node;
    if (broker === null) {
      // Still binding: nothing is open in the data directory yet.
      server.close();
      log.info(`${signal} before the node served: stopped`);
      process.exit(0);
    }
    log.info(`${signal}: stopping: no new connections or requests; answering those in flight`);
    let phase = 'answering requests in flight';
    let flushed = false;
    const deadline = setTimeout(() => {
      log.error(`stop took longer than ${STOP_DEADLINE_MS} ms (still ${phase}); exiting ${flushed ? 'with everything flushed' : 'before the logs were flushed'}`);
      process.exit(flushed ? 0 : EXIT_FAILURE);
    }, STOP_DEADLINE_MS);
    const { cut } = await server.shutdown(STOP_DRAIN_MS);
    if (cut > 0) log.warn(`${cut} connection(s) closed after ${STOP_DRAIN_MS} ms with requests still in flight (their clients retry)`);
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
