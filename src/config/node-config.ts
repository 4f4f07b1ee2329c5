// Node configuration for `freshet start`. A setting comes from the first of these that sets it:
//   1. a flag (`--kafka-addr 0.0.0.0:9092`),
//   2. an environment variable (`FRESHET_KAFKA_ADDR`: FRESHET_ and the flag's name in capitals),
//   3. the YAML file (`--config FILE` or FRESHET_CONFIG; its keys are the flags' names),
//   4. the default.
// Broker properties use Kafka's names (`log.retention.ms`) under the file's `set:` map or
// `--set key=value`; `--set` entries apply after the file's, so a flag still wins.
// Every value keeps its origin (the flag, the variable, or the file and line), so an error
// names exactly what to fix. Booleans are strict everywhere: true or false, nothing else.

import { type FlagTable, HELP_FLAG, parseBoolean, parseFlags } from '../base/flags.ts';
import { isLogFormat, LOG_FORMATS, type LogFormat } from '../base/log.ts';
import { type BrokerConfigLayers, effectiveBrokerProps } from './broker-config.ts';
import { type ClusterConfig, clusterConfigOf, DEFAULT_RPC_ADDR } from './cluster-config.ts';
import { BROKER_PROPERTIES, BROKER_PROPERTY_BY_NAME, parseProperty, type PropertyValue } from './properties.ts';
import { ConfigError, type HostPort, parseHostPort, scalar, type Setting } from './values.ts';

export { ConfigError, type HostPort, parseHostPort, type Setting } from './values.ts';
export type { ClusterConfig, Seed } from './cluster-config.ts';

export interface NodeConfig {
  nodeId: number;
  dataDir: string;
  kafkaAddr: HostPort;
  advertiseKafkaAddr: HostPort;
  /** Laptop / CI-sidecar mode: topics auto-created, fsync relaxed (unsafe). */
  dev: boolean;
  /** Clustering (--seeds, --rpc-addr): null for a node that runs alone, as before clusters. */
  cluster: ClusterConfig | null;
  /** The schema registry's HTTP listener (--schema-registry-addr); null when `none` turns it off. */
  schemaRegistryAddr: HostPort | null;
  /** The HTTP proxy's listener (--proxy-addr, Confluent REST Proxy v2); null when `none` turns it off. */
  proxyAddr: HostPort | null;
  /** The admin API's listener (--admin-addr, Redpanda's admin API paths); null when `none` turns it off. */
  adminAddr: HostPort | null;
  /** How log lines are written (--log-format): text for people, json (JSON Lines) for shippers. */
  logFormat: LogFormat;
  /**
   * Broker properties by Kafka name, every one with a value present (defaults filled in, synonym
   * chains such as log.retention.hours resolved into log.retention.ms). Effective values over
   * all layers; refreshed in place when a dynamic layer changes (refreshProps).
   */
  props: Map<string, PropertyValue>;
  /**
   * The properties set by --set, the config file, or --dev (a property's devDefault): all static
   * settings of this node, reported as such by DescribeConfigs.
   */
  explicit: Set<string>;
  /** Static, dynamic-default and dynamic-per-broker values (DescribeConfigs reports their sources). */
  layers: BrokerConfigLayers;
}

export const DEFAULT_DATA_DIR = './data';
export const DEFAULT_KAFKA_ADDR = '127.0.0.1:9092';
/** Confluent Schema Registry's default port (listeners=http://0.0.0.0:8081), on loopback as our Kafka listener. */
export const DEFAULT_SCHEMA_REGISTRY_ADDR = '127.0.0.1:8081';
/** The --schema-registry-addr value that turns the registry off. */
export const REGISTRY_OFF = 'none';
/** Confluent REST Proxy's default port (listeners=http://0.0.0.0:8082), on loopback as our Kafka listener. */
export const DEFAULT_PROXY_ADDR = '127.0.0.1:8082';
/** Redpanda's admin API port (redpanda.yaml admin: 0.0.0.0:9644), on loopback as our Kafka listener. */
export const DEFAULT_ADMIN_ADDR = '127.0.0.1:9644';

/** `freshet start` flags; the YAML keys and FRESHET_* variables are derived from these names. */
export const START_FLAGS: FlagTable = {
  config: { kind: 'string', value: 'FILE', help: 'a YAML file with the keys below (flag names without --) and a set: map' },
  'data-dir': { kind: 'string', value: 'DIR', help: 'where logs and metadata live', defaultText: DEFAULT_DATA_DIR },
  'node-id': { kind: 'string', value: 'N', help: "this node's id", defaultText: '0' },
  'kafka-addr': { kind: 'string', value: 'HOST:PORT', help: 'the Kafka listener', defaultText: DEFAULT_KAFKA_ADDR },
  'advertise-kafka-addr': {
    kind: 'string',
    value: 'HOST:PORT',
    help: 'the address given to clients in Metadata',
    defaultText: "the listener's; 127.0.0.1 for a wildcard host",
  },
  dev: {
    kind: 'boolean',
    help: 'laptop / CI-sidecar mode: auto-create topics, fsync relaxed. Acknowledged writes can be lost on a crash: never in production',
    defaultText: 'false',
  },
  seeds: {
    kind: 'string',
    value: 'ID@HOST:PORT,...',
    help: "the controller quorum's initial voters and their RPC addresses (KRaft's controller.quorum.voters); the same on every node. A node whose id is listed is a voter, any other joins as a learner. Without it the node runs alone",
  },
  'rpc-addr': {
    kind: 'string',
    value: 'HOST:PORT',
    help: 'the internal RPC listener (Raft, node-to-node), with --seeds only',
    defaultText: `this node's address in --seeds, else ${DEFAULT_RPC_ADDR}`,
  },
  'advertise-rpc-addr': {
    kind: 'string',
    value: 'HOST:PORT',
    help: 'the RPC address other nodes dial to reach this one',
    defaultText: "this node's address in --seeds, else the listener's; 127.0.0.1 for a wildcard host",
  },
  'schema-registry-addr': {
    kind: 'string',
    value: 'HOST:PORT|none',
    help: "the Confluent-compatible schema registry's HTTP listener (its state in the _schemas topic); none turns it off",
    defaultText: DEFAULT_SCHEMA_REGISTRY_ADDR,
  },
  'proxy-addr': {
    kind: 'string',
    value: 'HOST:PORT|none',
    help: "the Confluent REST Proxy v2 compatible HTTP proxy's listener (topics, brokers, produce, stateless reads, consumer instances); none turns it off",
    defaultText: DEFAULT_PROXY_ADDR,
  },
  'admin-addr': {
    kind: 'string',
    value: 'HOST:PORT|none',
    help: "the admin API's HTTP listener (Redpanda's paths: /v1/status/ready, /v1/brokers, /v1/cluster_config, ..., /metrics); none turns it off",
    defaultText: DEFAULT_ADMIN_ADDR,
  },
  'log-format': {
    kind: 'string',
    value: LOG_FORMATS.join('|'),
    help: 'text: one line per event for people; json: one JSON object per line (time, level, logger, message and the event\'s fields) for log shippers',
    // Text whether stderr is a terminal or a pipe: a format that changed with isatty would make
    // a container's or CI job's log differ from the same node's on a terminal; json is asked for.
    defaultText: 'text',
  },
  set: { kind: 'repeat', value: 'key=value', help: 'a broker property by its Kafka name, repeatable (listed below)' },
};

/** The environment variable of a start flag: FRESHET_ and the name in capitals. */
export function envName(flag: string): string {
  return `FRESHET_${flag.toUpperCase().replaceAll('-', '_')}`;
}

/** `--set` has no environment variable: it is repeatable and its values hold any character. */
const NO_ENV: ReadonlySet<string> = new Set(['set']);

export interface SetEntry {
  readonly name: string;
  readonly value: string;
  readonly origin: string;
}

/** One source of settings: the flags, the environment or the file. */
export interface ConfigLayer {
  readonly values: ReadonlyMap<string, Setting>;
  readonly sets: readonly SetEntry[];
}

export const EMPTY_LAYER: ConfigLayer = { values: new Map(), sets: [] };

/** Parses `freshet start` arguments. `help` is true for -h/--help. */
export function startFlagsLayer(argv: readonly string[]): ConfigLayer & { help: boolean } {
  const p = parseFlags(argv, { ...START_FLAGS, ...HELP_FLAG });
  if (p.positionals.length > 0) throw new ConfigError(`unexpected argument '${p.positionals[0]}'`);
  const values = new Map<string, Setting>();
  for (const [name, value] of p.strings) values.set(name, { value, origin: `--${name}` });
  for (const [name, value] of p.booleans) if (name !== 'help') values.set(name, { value, origin: `--${name}` });
  const sets = (p.repeats.get('set') ?? []).map((kv) => setEntry(kv, '--set'));
  return { values, sets, help: p.booleans.get('help') === true };
}

/** FRESHET_DATA_DIR, FRESHET_KAFKA_ADDR, ...: one variable per start flag but `--set`. */
export function envLayer(env: Readonly<Record<string, string | undefined>>): ConfigLayer {
  const values = new Map<string, Setting>();
  for (const name of Object.keys(START_FLAGS)) {
    const text = env[envName(name)];
    if (NO_ENV.has(name) || text === undefined) continue;
    values.set(name, { value: text, origin: envName(name) });
  }
  return { values, sets: [] };
}

/** Layers in precedence order, highest first; `set` entries apply lowest first. */
export function mergeLayers(...layers: readonly ConfigLayer[]): ConfigLayer {
  const values = new Map<string, Setting>();
  for (const layer of layers) {
    for (const [name, s] of layer.values) if (!values.has(name)) values.set(name, s);
  }
  const sets = layers.toReversed().flatMap((l) => l.sets);
  return { values, sets };
}

function setEntry(kv: string, origin: string): SetEntry {
  const eq = kv.indexOf('=');
  if (eq <= 0) throw new ConfigError(`${origin}: expected key=value, got '${kv}'`);
  return { name: kv.slice(0, eq).trim(), value: kv.slice(eq + 1), origin };
}

function boolSetting(s: Setting | undefined): boolean {
  if (s === undefined) return false;
  if (typeof s.value === 'boolean') return s.value;
  return parseBoolean(scalar(s), s.origin);
}

/** The node configuration from merged layers; every mistake names its origin. */
export function buildFromLayer(layer: ConfigLayer): NodeConfig {
  const get = (name: string): Setting | undefined => layer.values.get(name);
  const id = get('node-id');
  const nodeId = id === undefined ? 0 : Number(scalar(id));
  if (!Number.isInteger(nodeId) || nodeId < 0 || nodeId > 2147483647) {
    throw new ConfigError(`${id?.origin}: expected a non-negative integer, got '${id === undefined ? '' : scalar(id)}'`);
  }
  const addr = get('kafka-addr');
  const kafkaAddr = parseHostPort(addr === undefined ? DEFAULT_KAFKA_ADDR : scalar(addr), addr?.origin ?? '--kafka-addr');
  const adv = get('advertise-kafka-addr');
  const advertiseKafkaAddr = adv
    ? parseHostPort(scalar(adv), adv.origin)
    : { host: kafkaAddr.host === '0.0.0.0' || kafkaAddr.host === '::' ? '127.0.0.1' : kafkaAddr.host, port: kafkaAddr.port };
  const dir = get('data-dir');
  const dataDir = dir === undefined ? DEFAULT_DATA_DIR : scalar(dir);
  const dev = boolSetting(get('dev'));
  const cluster = clusterConfigOf(get, nodeId);
  const schemaRegistryAddr = listenerAddrOf(get('schema-registry-addr'), DEFAULT_SCHEMA_REGISTRY_ADDR, '--schema-registry-addr');
  const proxyAddr = listenerAddrOf(get('proxy-addr'), DEFAULT_PROXY_ADDR, '--proxy-addr');
  const adminAddr = listenerAddrOf(get('admin-addr'), DEFAULT_ADMIN_ADDR, '--admin-addr');
  const logFormat = logFormatOf(get('log-format'));
  const { fixed, explicit } = staticProperties(layer.sets);
  // --dev settles what it stands for (auto-creation on) unless set explicitly: static settings.
  for (const d of BROKER_PROPERTIES) {
    if (!dev || d.devDefault === undefined || explicit.has(d.name)) continue;
    fixed.set(d.name, d.devDefault);
    explicit.add(d.name);
  }
  for (const [k, v] of flagProperties(nodeId, kafkaAddr, advertiseKafkaAddr, dataDir)) fixed.set(k, v);
  const layers: BrokerConfigLayers = { static: fixed, dynamicDefault: new Map(), dynamicBroker: new Map() };
  const props = effectiveBrokerProps(layers, BROKER_PROPERTIES);
  checkRequestBudget(props);
  return { nodeId, dataDir, kafkaAddr, advertiseKafkaAddr, dev, cluster, schemaRegistryAddr, proxyAddr, adminAddr, logFormat, props, explicit, layers };
}

function logFormatOf(s: Setting | undefined): LogFormat {
  if (s === undefined) return 'text';
  const text = scalar(s).trim();
  if (!isLogFormat(text)) throw new ConfigError(`${s.origin}: expected one of ${LOG_FORMATS.join(', ')}, got '${text}'`);
  return text;
}

/** An HTTP listener's flag (--schema-registry-addr, --proxy-addr, --admin-addr): HOST:PORT, `none` (off), or the default. */
function listenerAddrOf(s: Setting | undefined, fallback: string, flag: string): HostPort | null {
  if (s === undefined) return parseHostPort(fallback, flag);
  const text = scalar(s).trim();
  if (text === REGISTRY_OFF) return null;
  return parseHostPort(text, s.origin);
}

/** The broker properties set by --set or the file's `set:` map: the static layer. */
function staticProperties(sets: readonly SetEntry[]): { fixed: Map<string, PropertyValue>; explicit: Set<string> } {
  const fixed = new Map<string, PropertyValue>();
  const explicit = new Set<string>();
  for (const e of sets) {
    const def = BROKER_PROPERTY_BY_NAME.get(e.name);
    if (!def) throw new ConfigError(`${e.origin}: unknown broker property '${e.name}' (see 'freshet start --help')`);
    if (def.setByFlag) throw new ConfigError(`${e.origin}: ${e.name} is set by ${def.setByFlag}`);
    const parsed = parseProperty(def, e.value);
    if (!parsed.ok) throw new ConfigError(`${e.origin}: ${parsed.error}`);
    fixed.set(e.name, parsed.value);
    explicit.add(e.name);
  }
  return { fixed, explicit };
}

/** The Kafka properties our flags stand for, as a Kafka broker's server.properties would say. */
function flagProperties(nodeId: number, addr: HostPort, advertised: HostPort, dataDir: string): Array<[string, PropertyValue]> {
  const url = (h: HostPort) => `PLAINTEXT://${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`;
  return [
    ['node.id', nodeId],
    ['broker.id', nodeId],
    ['process.roles', 'broker,controller'],
    ['listeners', url(addr)],
    ['advertised.listeners', url(advertised)],
    ['log.dirs', dataDir],
  ];
}

/** Recomputes the effective properties after a dynamic layer changed. */
export function refreshProps(c: NodeConfig): void {
  const next = effectiveBrokerProps(c.layers, BROKER_PROPERTIES);
  c.props.clear();
  for (const [k, v] of next) c.props.set(k, v);
}

/** Kafka refuses a memory pool smaller than one request (SimpleMemoryPool's constructor);
 *  so do we: otherwise a request of the largest allowed size could never be read. */
function checkRequestBudget(props: ReadonlyMap<string, PropertyValue>): void {
  const budget = props.get('queued.max.request.bytes') as number;
  const requestMax = props.get('socket.request.max.bytes') as number;
  if (budget < requestMax) {
    throw new ConfigError(
      `queued.max.request.bytes (${budget}) must be at least socket.request.max.bytes (${requestMax}): a request of the largest allowed size could never be read`,
    );
  }
}

/** Settings given as a plain object, each as if by its flag (tests and tools build these). */
export interface RawConfig {
  [key: string]: unknown;
}

/** The node configuration from flag-like settings: `{ 'data-dir': d, dev: true, set: ['k=v'] }`. */
export function buildNodeConfig(raw: RawConfig): NodeConfig {
  const values = new Map<string, Setting>();
  for (const [name, value] of Object.entries(raw)) {
    if (name === 'set' || value === undefined) continue;
    if (!Object.hasOwn(START_FLAGS, name)) throw new ConfigError(`unknown flag --${name} (see 'freshet start --help')`);
    values.set(name, { value, origin: `--${name}` });
  }
  const sets = ((raw.set as string[] | undefined) ?? []).map((kv) => setEntry(kv, '--set'));
  return buildFromLayer({ values, sets });
}

/** Parses `freshet start` flags alone into the plain form buildNodeConfig takes. */
export function parseStartArgs(argv: readonly string[]): RawConfig {
  const layer = startFlagsLayer(argv);
  const raw: RawConfig = Object.fromEntries([...layer.values].map(([name, s]) => [name, s.value]));
  if (layer.sets.length > 0) raw.set = layer.sets.map((e) => `${e.name}=${e.value}`);
  return raw;
}

export function intProp(c: NodeConfig, name: string): number {
  const v = c.props.get(name);
  if (typeof v !== 'number') throw new ConfigError(`broker property ${name} is not numeric`);
  return v;
}

export function boolProp(c: NodeConfig, name: string): boolean {
  return c.props.get(name) === true;
}
