// Node configuration: defaults, then the YAML file (--config), then flags, then --set.
// Flags and YAML keys share one set of names (`kafka-addr` in both places); broker properties
// use Kafka's names (`log.retention.ms`) under the YAML `set:` map or `--set key=value`.

import { BROKER_PROPERTIES, BROKER_PROPERTY_BY_NAME, parseProperty, type PropertyValue } from './properties.ts';

export interface HostPort {
  host: string;
  port: number;
}

export interface NodeConfig {
  nodeId: number;
  dataDir: string;
  kafkaAddr: HostPort;
  advertiseKafkaAddr: HostPort;
  /** Laptop / CI-sidecar mode: topics auto-created, fsync relaxed (unsafe). */
  dev: boolean;
  /** Broker properties by Kafka name, every one present (defaults filled in). */
  props: Map<string, PropertyValue>;
  /**
   * The properties set by --set, the config file, or --dev (a property's devDefault): all static
   * settings of this node, reported as such by DescribeConfigs.
   */
  explicit: Set<string>;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Flags whose subsystem is not built yet: accepted by the parser, refused with a clear message. */
const NOT_YET: Record<string, string> = {
  'rpc-addr': 'internal RPC (replication) is not available yet: this build runs a single node',
  'admin-addr': 'the admin API is not available yet',
  'schema-registry-addr': 'the schema registry is not available yet',
  'proxy-addr': 'the HTTP proxy is not available yet',
  seeds: 'clustering is not available yet: this build runs a single node',
};

const KNOWN_KEYS = ['config', 'data-dir', 'node-id', 'kafka-addr', 'advertise-kafka-addr', 'dev', 'set', ...Object.keys(NOT_YET)];

export function parseHostPort(text: string, what: string): HostPort {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text.trim());
  if (!m) throw new ConfigError(`${what}: expected HOST:PORT, got '${text}'`);
  const port = Number(m[2]);
  if (port > 65535) throw new ConfigError(`${what}: port ${port} is out of range`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

export interface RawConfig {
  [key: string]: unknown;
}

/** Parses `freshet start` arguments into raw key/values (flags win over the YAML file). */
export function parseStartArgs(argv: readonly string[]): RawConfig {
  const raw: RawConfig = {};
  const sets: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument '${arg}'`);
    let key = arg.slice(2);
    let value: string | undefined;
    const eq = key.indexOf('=');
    if (eq >= 0 && key !== 'set') {
      value = key.slice(eq + 1);
      key = key.slice(0, eq);
    }
    if (!KNOWN_KEYS.includes(key)) throw new ConfigError(`unknown flag --${key} (see 'freshet help')`);
    if (key === 'dev') {
      raw.dev = true;
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new ConfigError(`--${key} needs a value`);
    }
    if (key === 'set') sets.push(value);
    else raw[key] = value;
  }
  if (sets.length > 0) raw.set = sets;
  return raw;
}

/** Merges YAML file contents under the flags. */
export function mergeFileConfig(fromFlags: RawConfig, fromFile: RawConfig): RawConfig {
  const merged: RawConfig = { ...fromFile, ...fromFlags };
  const fileSet = fromFile.set;
  const flagSet = fromFlags.set;
  const sets: string[] = [];
  if (fileSet && typeof fileSet === 'object' && !Array.isArray(fileSet)) {
    for (const [k, v] of Object.entries(fileSet)) sets.push(`${k}=${v}`);
  } else if (fileSet !== undefined) {
    throw new ConfigError('config file: `set` must be a map of broker properties');
  }
  if (Array.isArray(flagSet)) sets.push(...(flagSet as string[]));
  if (sets.length > 0) merged.set = sets;
  for (const key of Object.keys(fromFile)) {
    if (!KNOWN_KEYS.includes(key)) throw new ConfigError(`config file: unknown key '${key}'`);
  }
  return merged;
}

export function buildNodeConfig(raw: RawConfig): NodeConfig {
  for (const key of Object.keys(NOT_YET)) {
    if (raw[key] !== undefined) throw new ConfigError(`--${key}: ${NOT_YET[key]}`);
  }
  const nodeId = raw['node-id'] === undefined ? 0 : Number(raw['node-id']);
  if (!Number.isInteger(nodeId) || nodeId < 0 || nodeId > 2147483647) {
    throw new ConfigError(`--node-id: expected a non-negative integer, got '${raw['node-id']}'`);
  }
  const kafkaAddr = parseHostPort(String(raw['kafka-addr'] ?? '127.0.0.1:9092'), '--kafka-addr');
  const advertiseKafkaAddr = raw['advertise-kafka-addr']
    ? parseHostPort(String(raw['advertise-kafka-addr']), '--advertise-kafka-addr')
    : { host: kafkaAddr.host === '0.0.0.0' || kafkaAddr.host === '::' ? '127.0.0.1' : kafkaAddr.host, port: kafkaAddr.port };
  const props = new Map<string, PropertyValue>(BROKER_PROPERTIES.map((d) => [d.name, d.default]));
  const explicit = new Set<string>();
  for (const kv of (raw.set as string[] | undefined) ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set: expected key=value, got '${kv}'`);
    const name = kv.slice(0, eq).trim();
    const def = BROKER_PROPERTY_BY_NAME.get(name);
    if (!def) throw new ConfigError(`--set: unknown broker property '${name}'`);
    const parsed = parseProperty(def, kv.slice(eq + 1));
    if (!parsed.ok) throw new ConfigError(`--set: ${parsed.error}`);
    props.set(name, parsed.value);
    explicit.add(name);
  }
  const dev = raw.dev === true || raw.dev === 'true';
  for (const d of BROKER_PROPERTIES) {
    if (!dev || d.devDefault === undefined || explicit.has(d.name)) continue;
    props.set(d.name, d.devDefault);
    explicit.add(d.name);
  }
  return {
    nodeId,
    dataDir: String(raw['data-dir'] ?? './data'),
    kafkaAddr,
    advertiseKafkaAddr,
    dev,
    props,
    explicit,
  };
}

export function intProp(c: NodeConfig, name: string): number {
  const v = c.props.get(name);
  if (typeof v !== 'number') throw new ConfigError(`broker property ${name} is not numeric`);
  return v;
}

export function boolProp(c: NodeConfig, name: string): boolean {
  return c.props.get(name) === true;
}
