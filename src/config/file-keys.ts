// The config file's Redpanda-style keys (redpanda.yaml's node properties: data_directory,
// node_id, kafka_api, ..., https://docs.redpanda.com/current/reference/properties/broker-properties/),
// each standing for one `freshet start` flag, so a file can say either
//
//   kafka_api: {address: 0.0.0.0, port: 9092}      or      kafka-addr: 0.0.0.0:9092
//
// Pure: a parsed YAML value in, the flag's text value out (or a ConfigError naming the origin).
//
// Shapes:
//   address  {address, port} (Redpanda's; a one-element list of them, as redpanda.yaml lists
//            listeners, is taken too), or "HOST:PORT"; `none` where the flag takes it.
//   seeds    a list of "ID@HOST:PORT" or {node_id, address, port} (or Redpanda's
//            {node_id, host: {address, port}}). Redpanda's seed_servers carry no ids; ours must:
//            the controller quorum's first voter set is this list (cluster-config.ts says why),
//            so an entry without node_id is an error that says so.
//   scalar   a single value, as the flag takes it.

import { ConfigError, formatHostPort, parseHostPort } from './values.ts';

export type FileKeyShape = 'scalar' | 'address' | 'seeds';

export interface FileKey {
  /** The file's key (Redpanda's name). */
  readonly key: string;
  /** The `freshet start` flag it stands for. */
  readonly flag: string;
  readonly shape: FileKeyShape;
}

export const FILE_KEY_TABLE: readonly FileKey[] = [
  { key: 'data_directory', flag: 'data-dir', shape: 'scalar' },
  { key: 'node_id', flag: 'node-id', shape: 'scalar' },
  { key: 'kafka_api', flag: 'kafka-addr', shape: 'address' },
  { key: 'advertised_kafka_api', flag: 'advertise-kafka-addr', shape: 'address' },
  { key: 'rpc_server', flag: 'rpc-addr', shape: 'address' },
  { key: 'advertised_rpc_api', flag: 'advertise-rpc-addr', shape: 'address' },
  { key: 'admin_api', flag: 'admin-addr', shape: 'address' },
  { key: 'schema_registry_api', flag: 'schema-registry-addr', shape: 'address' },
  { key: 'proxy_api', flag: 'proxy-addr', shape: 'address' },
  { key: 'seed_servers', flag: 'seeds', shape: 'seeds' },
  { key: 'developer_mode', flag: 'dev', shape: 'scalar' },
];

export const FILE_KEY_BY_NAME: ReadonlyMap<string, FileKey> = new Map(FILE_KEY_TABLE.map((k) => [k.key, k]));

/** A listener address written in the file's shapes, as the flag's HOST:PORT text. */
export function addressText(value: unknown, origin: string): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    if (value.length !== 1) throw new ConfigError(`${origin}: expected one {address, port}, got a list of ${value.length} (one listener per API)`);
    return addressText(value[0], origin);
  }
  if (typeof value !== 'object' || value === null) throw new ConfigError(`${origin}: expected {address, port} or HOST:PORT, got '${String(value)}'`);
  const m = value as Record<string, unknown>;
  for (const k of Object.keys(m)) {
    // Redpanda's listeners carry a name (for its per-listener auth); one listener per API here.
    if (k !== 'address' && k !== 'port' && k !== 'name') throw new ConfigError(`${origin}: unknown key '${k}' (expected address and port)`);
  }
  if (typeof m.address !== 'string' || m.address === '') throw new ConfigError(`${origin}: address is missing`);
  if (typeof m.port !== 'number' && typeof m.port !== 'string') throw new ConfigError(`${origin}: port is missing`);
  const host = m.address.includes(':') && !m.address.startsWith('[') ? `[${m.address}]` : m.address;
  // Parsed here so a bad port is reported against the file's key, not a flag.
  return formatHostPort(parseHostPort(`${host}:${m.port}`, origin));
}

/** seed_servers as --seeds entries (ID@HOST:PORT). */
export function seedEntriesText(value: unknown, origin: string): string[] | string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) throw new ConfigError(`${origin}: expected a list of seeds ({node_id, address, port} or ID@HOST:PORT)`);
  return value.map((entry, i) => {
    const at = `${origin}[${i}]`;
    if (typeof entry === 'string') return entry;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new ConfigError(`${at}: expected {node_id, address, port} or ID@HOST:PORT`);
    const { node_id: id, host, ...rest } = entry as Record<string, unknown>;
    if (id === undefined) {
      throw new ConfigError(
        `${at}: node_id is missing: each seed is an initial voter of the controller quorum and every node must agree on their ids (Redpanda's seed_servers have none; here they do)`,
      );
    }
    if (typeof id !== 'number' && typeof id !== 'string') throw new ConfigError(`${at}: node_id must be a number`);
    const address = host !== undefined ? addressText(host, `${at}.host`) : addressText(rest, at);
    return `${id}@${address}`;
  });
}

/** The flag's value for a file key's YAML value. */
export function flagValueOf(k: FileKey, value: unknown, origin: string): unknown {
  if (k.shape === 'address') return addressText(value, origin);
  if (k.shape === 'seeds') return seedEntriesText(value, origin);
  return value;
}
