// The I/O half of the Kafka peer: fetches Apache Kafka's jars from Maven Central once into a
// cache folder outside git, formats a fresh KRaft log dir, starts `kafka.Kafka` on free loopback
// ports, waits until a Metadata request is answered with this broker in it, and stops it.
// The returned handle has the shape of bench/broker.ts's RunningBroker, so a phase can drive
// Kafka and Freshet alike.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Subprocess } from 'bun';
import { freePort, type RunningBroker } from '../broker.ts';
import { clusterId, formatArgv, KAFKA_VERSION, LOG4J2_PROPERTIES, propertiesText, serverArgv, serverProperties, TOOLS_LOG4J2_PROPERTIES, type JavaCommand, type KafkaDurability } from './config.ts';
import { metadataBrokerCount } from './metadata.ts';
import { terminate } from '../proc.ts';

const MVN_TIMEOUT_MS = 10 * 60_000;
const FORMAT_TIMEOUT_MS = 60_000;
/** A JVM broker on a busy 2-core machine: start-up is seconds, not milliseconds. */
const READY_TIMEOUT_MS = 90_000;
const READY_POLL_MS = 5;
/** kafka.Kafka's shutdown hook closes the log (flushes, writes a clean-shutdown marker). */
const STOP_GRACE_MS = 30_000;
const CLUSTER_ID_ATTEMPTS = 8;

const live = new Set<Subprocess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/** $FRESHET_BENCH_CACHE, else $XDG_CACHE_HOME/freshet-bench, else ~/.cache/freshet-bench. */
export function cacheRoot(): string {
  const env = process.env;
  if (env.FRESHET_BENCH_CACHE) return path.resolve(env.FRESHET_BENCH_CACHE);
  return path.join(env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache'), 'freshet-bench');
}

export type KafkaInstall = { version: string; libDir: string; java: string; javaVersion: string };

const POM = path.join(import.meta.dir, 'pom.xml');

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** `java` from $JAVA_HOME, else from PATH (Kafka 4.x brokers need Java 17 or newer). */
function findJava(): string | Error {
  const home = process.env.JAVA_HOME;
  if (home && fs.existsSync(path.join(home, 'bin', 'java'))) return path.join(home, 'bin', 'java');
  return Bun.which('java') ?? new Error('java not found (Kafka 4.x needs Java 17+: apt-get install -y openjdk-17-jre-headless)');
}

/**
 * The jars of Kafka KAFKA_VERSION in <cache>/kafka-<version>/lib, fetched with
 * `mvn dependency:copy-dependencies` from pom.xml the first time (about 55 MB) and reused while
 * the stamp (pom.xml's sha256) matches. A failed fetch leaves no stamp, so the next run retries.
 */
export async function ensureKafka(log: (m: string) => void): Promise<KafkaInstall | Error> {
  const java = findJava();
  if (java instanceof Error) return java;
  const v = Bun.spawnSync([java, '-version'], { stdout: 'pipe', stderr: 'pipe' });
  const javaVersion = /version "([^"]+)"/.exec(v.stderr.toString())?.[1] ?? 'unknown';
  const dir = path.join(cacheRoot(), `kafka-${KAFKA_VERSION}`);
  const libDir = path.join(dir, 'lib');
  const stampFile = path.join(dir, '.stamp');
  const want = sha256(POM);
  const done = (): KafkaInstall => {
    // Written on every run (not part of the fetch): a change to them needs no new download.
    fs.writeFileSync(path.join(dir, 'log4j2.properties'), LOG4J2_PROPERTIES);
    fs.writeFileSync(path.join(dir, 'tools-log4j2.properties'), TOOLS_LOG4J2_PROPERTIES);
    return { version: KAFKA_VERSION, libDir, java, javaVersion };
  };
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8').trim() === want) return done();
  if (!Bun.which('mvn')) return new Error('mvn not found: apt-get install -y maven (fetches Kafka from Maven Central)');
  log(`kafka-peer: fetching Apache Kafka ${KAFKA_VERSION} from Maven Central into ${libDir} (once)`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const proc = Bun.spawn(['mvn', '-q', '-B', '-f', POM, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${libDir}`], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
  const timer = setTimeout(() => proc.kill('SIGKILL'), MVN_TIMEOUT_MS);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  clearTimeout(timer);
  if (proc.exitCode !== 0) return new Error(`mvn dependency:copy-dependencies failed (${proc.exitCode ?? proc.signalCode}):\n${(out + err).slice(-4000)}`);
  fs.writeFileSync(stampFile, want + '\n');
  return done();
}

function javaCommand(k: KafkaInstall): JavaCommand {
  return { java: k.java, classpath: path.join(k.libDir, '*'), log4jConfig: path.join(path.dirname(k.libDir), 'log4j2.properties') };
}

/** The command the perf tools run with: the same jars, Kafka's tools logging (WARN, stderr). */
export function toolsCommand(k: KafkaInstall): JavaCommand {
  return { ...javaCommand(k), log4jConfig: path.join(path.dirname(k.libDir), 'tools-log4j2.properties') };
}

export type KafkaOptions = { install: KafkaInstall; dir: string; durability: KafkaDurability; logFile: string };

export type RunningKafka = RunningBroker & { readonly formatMs: number };

function randomClusterId(): string {
  for (let i = 0; i < CLUSTER_ID_ATTEMPTS; i++) {
    const id = clusterId(crypto.randomBytes(16));
    if (!(id instanceof Error)) return id;
  }
  throw new Error('no usable cluster id drawn');
}

/**
 * Formats `dir`/logs (kafka-storage.sh format) and starts the broker. readyMs is spawn of
 * kafka.Kafka to the first Metadata response listing a broker (the format step is formatMs).
 */
export async function startKafka(o: KafkaOptions): Promise<RunningKafka> {
  fs.rmSync(o.dir, { recursive: true, force: true });
  fs.mkdirSync(o.dir, { recursive: true });
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const text = propertiesText(serverProperties({ port, controllerPort, logDir: path.join(o.dir, 'logs'), durability: o.durability }));
  if (text instanceof Error) throw text;
  const propsFile = path.join(o.dir, 'server.properties');
  fs.writeFileSync(propsFile, text);
  const cmd = javaCommand(o.install);
  const log = fs.openSync(o.logFile, 'a');

  const f0 = performance.now();
  const format = Bun.spawn(formatArgv(cmd, propsFile, randomClusterId()), { stdin: 'ignore', stdout: log, stderr: log });
  const formatTimer = setTimeout(() => format.kill('SIGKILL'), FORMAT_TIMEOUT_MS);
  await format.exited;
  clearTimeout(formatTimer);
  const formatMs = performance.now() - f0;
  if (format.exitCode !== 0) {
    fs.closeSync(log);
    throw new Error(`kafka-storage format failed (${format.exitCode ?? format.signalCode}); see ${o.logFile}`);
  }

  const t0 = performance.now();
  const proc = Bun.spawn(serverArgv(cmd, propsFile), { stdin: 'ignore', stdout: log, stderr: log });
  live.add(proc);
  const stop = async () => {
    await terminate(proc, STOP_GRACE_MS);
    live.delete(proc);
    fs.closeSync(log);
  };
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      await stop();
      throw new Error(`kafka exited (${proc.exitCode ?? proc.signalCode}) before answering Metadata; see ${o.logFile}`);
    }
    const brokers = await metadataBrokerCount(port);
    if (brokers !== null && brokers > 0) break;
    if (performance.now() - t0 > READY_TIMEOUT_MS) {
      await stop();
      throw new Error(`kafka did not answer Metadata on ${port} within ${READY_TIMEOUT_MS} ms; see ${o.logFile}`);
    }
    await Bun.sleep(READY_POLL_MS);
  }
  return { port, bootstrap: `127.0.0.1:${port}`, pid: proc.pid, readyMs: performance.now() - t0, formatMs, stop };
}
