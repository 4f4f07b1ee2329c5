// What `freshet config print` and `freshet config example` show. Pure: the merged layers and
// the node configuration built from them in, rows or YAML text out.
//
// Both are derived from START_FLAGS, FILE_KEY_TABLE and BROKER_PROPERTIES, so a flag or property
// added there appears here without an edit (a flag this file knows no effective value for shows
// what was set, else its documented default).

import { FILE_KEY_TABLE } from './file-keys.ts';
import { type ConfigLayer, envName, type NodeConfig, START_FLAGS } from './node-config.ts';
import { formatSeeds } from './cluster-config.ts';
import { BROKER_PROPERTIES, BROKER_PROPERTY_BY_NAME, formatProperty } from './properties.ts';
import { formatHostPort, type HostPort, parseHostPort } from './values.ts';

export interface EffectiveSetting {
  /** The config file's key (Redpanda-style where there is one), `cluster.NAME` for a property. */
  key: string;
  /** The `freshet start` flag, null for a property (set by --set or the file's cluster: map). */
  flag: string | null;
  /** The environment variable, null where there is none. */
  env: string | null;
  /** The effective value as the flag takes it; null when unset and without a default (no seeds). */
  value: string | null;
  /** `default`, `--flag`, `FRESHET_X`, or `file:line: key`. */
  source: string;
}

/** Flags that are not node settings: the file itself, and the property list. */
const NOT_SETTINGS: ReadonlySet<string> = new Set(['config', 'set']);

export function fileKeyOf(flag: string): string {
  return FILE_KEY_TABLE.find((k) => k.flag === flag)?.key ?? flag;
}

const addr = (a: HostPort | null): string => (a === null ? 'none' : formatHostPort(a));

/** The values NodeConfig holds, by flag (derived defaults resolved: the advertised address...). */
function knownValues(c: NodeConfig): Map<string, string | null> {
  return new Map<string, string | null>([
    ['data-dir', c.dataDir],
    ['node-id', String(c.nodeId)],
    ['kafka-addr', addr(c.kafkaAddr)],
    ['advertise-kafka-addr', addr(c.advertiseKafkaAddr)],
    ['dev', String(c.dev)],
    ['seeds', c.cluster === null ? null : formatSeeds(c.cluster.seeds)],
    ['rpc-addr', c.cluster === null ? null : addr(c.cluster.rpcAddr)],
    ['advertise-rpc-addr', c.cluster === null ? null : addr(c.cluster.advertiseRpcAddr)],
    ['schema-registry-addr', addr(c.schemaRegistryAddr)],
    ['proxy-addr', addr(c.proxyAddr)],
    ['admin-addr', addr(c.adminAddr)],
    ['log-format', c.logFormat],
  ]);
}

/** Every node setting and every explicitly set property, with its effective value and origin. */
export function effectiveSettings(layer: ConfigLayer, c: NodeConfig): EffectiveSetting[] {
  const known = knownValues(c);
  const rows: EffectiveSetting[] = [];
  for (const [flag, spec] of Object.entries(START_FLAGS)) {
    if (NOT_SETTINGS.has(flag)) continue;
    const set = layer.values.get(flag);
    const value = known.has(flag) ? (known.get(flag) ?? null) : set !== undefined ? String(set.value) : (spec.defaultText ?? null);
    rows.push({ key: fileKeyOf(flag), flag: `--${flag}`, env: envName(flag), value, source: set?.origin ?? 'default' });
  }
  const devOrigin = layer.values.get('dev')?.origin ?? '--dev';
  for (const name of [...c.explicit].sort()) {
    const def = BROKER_PROPERTY_BY_NAME.get(name);
    // The last entry wins (the file's, then --set's, in order), as buildFromLayer applies them.
    const from = layer.sets.findLast((e) => e.name === name);
    rows.push({ key: `cluster.${name}`, flag: null, env: null, value: def ? formatProperty(def, c.props.get(name) ?? null) : null, source: from?.origin ?? devOrigin });
  }
  return rows;
}

/** A default as the file writes it, or null when it is not a value (a description such as "this node's address in --seeds"). */
function concreteDefault(flag: string, text: string | undefined, address: boolean): string | null {
  if (text === undefined) return null;
  if (address) {
    try {
      const a = parseHostPort(text, flag);
      return `{address: ${a.host.includes(':') ? `"${a.host}"` : a.host}, port: ${a.port}}`;
    } catch {
      return null;
    }
  }
  return /^[^\s'"]+$/.test(text) ? text : null;
}

/**
 * An annotated config file: every node setting with what it does, its flag and variable and
 * its default; settings whose default is a value are written out (so the file starts a node
 * exactly as no file does), the others commented with their shape. Every broker property is
 * listed, commented, under `cluster:` with its default and what it does.
 */
export function exampleFile(): string {
  const out: string[] = [
    '# freshet node configuration (freshet start --config FILE).',
    '# Precedence: a flag, then its FRESHET_* variable, then this file, then the default.',
    '# Every key may also be written as its flag is named (data-dir: ./data).',
    '',
  ];
  for (const [flag, spec] of Object.entries(START_FLAGS)) {
    if (NOT_SETTINGS.has(flag)) continue;
    const fileKey = FILE_KEY_TABLE.find((k) => k.flag === flag);
    const key = fileKey?.key ?? flag;
    out.push(`# ${spec.help}.`);
    out.push(`# flag --${flag}, variable ${envName(flag)}; default: ${spec.defaultText ?? 'none'}`);
    const value = concreteDefault(flag, spec.defaultText, fileKey?.shape === 'address');
    if (value !== null) out.push(`${key}: ${value}`);
    else if (fileKey?.shape === 'seeds') out.push(`# ${key}:`, '#   - {node_id: 0, address: HOST, port: 33145}');
    else if (fileKey?.shape === 'address') out.push(`# ${key}: {address: HOST, port: PORT}`);
    else out.push(`# ${key}: ${spec.value ?? 'VALUE'}`);
    out.push('');
  }
  out.push('# Broker properties by their Kafka names: the cluster-config defaults this node starts with.');
  out.push('cluster:');
  for (const def of BROKER_PROPERTIES) {
    if (def.setByFlag !== undefined) continue;
    const dflt = formatProperty(def, def.default);
    const dev = def.devDefault === undefined ? '' : ` (${formatProperty(def, def.devDefault)} under developer_mode)`;
    out.push(`  # ${def.name}: ${dflt ?? '(unset)'}${dev}    # ${def.doc}`);
  }
  return `${out.join('\n')}\n`;
}
