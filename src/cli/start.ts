// `freshet start`: load configuration, open the broker, listen, and stop cleanly on
// SIGINT/SIGTERM (flushing logs so a clean stop loses nothing even in --dev mode).

import * as fs from 'node:fs';
import { log } from '../base/log.ts';
import { startStallDetector } from '../base/stall-detector.ts';
import { buildNodeConfig, ConfigError, mergeFileConfig, parseStartArgs, type RawConfig } from '../config/node-config.ts';
import { Broker } from '../broker/broker.ts';
import { KafkaServer } from '../broker/server.ts';
import { VERSION } from '../version.ts';
import { installAccelerators } from '../compression/accelerators.ts';
import { raiseFdLimit } from '../base/fd-limit.ts';

export async function runStart(argv: string[]): Promise<number> {
  let broker: Broker;
  let server: KafkaServer;
  try {
    let raw = parseStartArgs(argv);
    if (typeof raw.config === 'string') {
      const text = fs.readFileSync(raw.config, 'utf8');
      const fromFile = (Bun.YAML.parse(text) ?? {}) as RawConfig;
      if (typeof fromFile !== 'object' || Array.isArray(fromFile)) throw new ConfigError(`${raw.config}: expected a YAML map`);
      raw = mergeFileConfig(raw, fromFile);
    }
    const config = buildNodeConfig(raw);
    installAccelerators();
    if (config.dev) {
      log.warn('DEV MODE: fsync is relaxed; acknowledged writes can be lost on a crash. Never use --dev in production.');
    }
    raiseFdLimit();
    broker = new Broker(config);
    server = new KafkaServer(broker);
    const at = server.start();
    startStallDetector();
    log.info(`freshet ${VERSION} node ${config.nodeId} ready: kafka ${at.host}:${at.port}, data ${config.dataDir}, cluster ${broker.clusterId}`);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`freshet start: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`freshet start: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping`);
    server.stop();
    await broker.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return 0;
}
