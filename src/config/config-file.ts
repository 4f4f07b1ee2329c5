// The YAML file of `freshet start --config FILE`: each node setting under its flag's name or its
// Redpanda-style key (file-keys.ts), and broker properties by their Kafka names in a `cluster:`
// map (the cluster-config defaults, Redpanda's name) or `set:` (the same, as --set).
//
//   data_directory: /var/lib/freshet        # or  data-dir: /var/lib/freshet
//   kafka_api: {address: 0.0.0.0, port: 9092}   # or  kafka-addr: 0.0.0.0:9092
//   developer_mode: false
//   cluster:
//     log.retention.ms: 86400000
//
// A setting named twice (data_directory and data-dir, or a property in both cluster: and set:)
// is an error, as a repeated key is.
//
// Every error names the file and the line: YAML syntax, an unknown or repeated key, a bad
// value. Bun.YAML.parse reports no position in its errors, so the line is found here: for a
// syntax error, the line after the longest prefix of the file that still parses; for a key,
// the line that starts with it.

import { FILE_KEY_BY_NAME, FILE_KEY_TABLE, flagValueOf } from './file-keys.ts';
import { type ConfigLayer, ConfigError, type SetEntry, type Setting, START_FLAGS } from './node-config.ts';

/** Property maps: `cluster:` (Redpanda's name for cluster-config defaults) and `set:` (as --set). */
const PROPERTY_MAPS: readonly string[] = ['cluster', 'set'];

/** Keys the file may hold: every start flag but `config` (files do not include files), their
 *  Redpanda-style names, and the property maps. */
export const FILE_KEYS: readonly string[] = [
  ...Object.keys(START_FLAGS).filter((k) => k !== 'config'),
  ...FILE_KEY_TABLE.filter((k) => Object.hasOwn(START_FLAGS, k.flag)).map((k) => k.key),
  'cluster',
];

/** The layer a config file contributes; `path` is used in messages only. */
export function parseConfigFile(path: string, text: string): ConfigLayer {
  const doc = parseYaml(path, text);
  const lines = keyLines(text);
  const where = (key: string): string => (lines.top.has(key) ? `${path}:${lines.top.get(key)}` : path);
  if (lines.repeated !== null) {
    const { key, first, again } = lines.repeated;
    throw new ConfigError(`${path}:${again}: key '${key}' repeats the one on line ${first}`);
  }
  const values = new Map<string, Setting>();
  /** Which key set each flag, to refuse a setting named twice. */
  const setBy = new Map<string, string>();
  const sets: SetEntry[] = [];
  for (const [key, value] of Object.entries(doc)) {
    if (!FILE_KEYS.includes(key)) {
      throw new ConfigError(`${where(key)}: unknown key '${key}' (known keys: ${FILE_KEYS.join(', ')})`);
    }
    // A property map with nothing but comments under it is empty, as `freshet config example` writes `cluster:`.
    if (PROPERTY_MAPS.includes(key) && value === null) continue;
    if (value === null || value === undefined) throw new ConfigError(`${where(key)}: ${key} has no value`);
    if (PROPERTY_MAPS.includes(key)) {
      for (const e of setEntries(path, where(key), key, value, lines.nested.get(key) ?? new Map())) {
        const twin = sets.find((x) => x.name === e.name);
        if (twin !== undefined) throw new ConfigError(`${e.origin}: ${e.name} is also set at ${twin.origin}`);
        sets.push(e);
      }
      continue;
    }
    const fileKey = FILE_KEY_BY_NAME.get(key);
    const flag = fileKey?.flag ?? key;
    const origin = `${where(key)}: ${key}`;
    const twin = setBy.get(flag);
    if (twin !== undefined) throw new ConfigError(`${where(key)}: ${key} and ${twin} (line ${lines.top.get(twin) ?? '?'}) both set --${flag}`);
    setBy.set(flag, key);
    values.set(flag, { value: fileKey === undefined ? value : flagValueOf(fileKey, value, origin), origin });
  }
  return { values, sets };
}

function parseYaml(path: string, text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = Bun.YAML.parse(text);
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).replace(/^YAML Parse error:\s*/, '');
    throw new ConfigError(`${path}:${syntaxErrorLine(text)}: not valid YAML: ${why}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(`${path}: expected a map of settings (key: value), got ${Array.isArray(doc) ? 'a list' : `'${String(doc)}'`}`);
  }
  return doc as Record<string, unknown>;
}

/** The first line that cannot belong to a valid document: one past the longest prefix that parses. */
export function syntaxErrorLine(text: string): number {
  const lines = text.split('\n');
  let lastGood = 0;
  for (let n = 1; n <= lines.length; n++) {
    try {
      Bun.YAML.parse(lines.slice(0, n).join('\n'));
      lastGood = n;
    } catch {
      // A prefix may end inside a multi-line value; only the longest good prefix counts.
    }
  }
  return Math.min(lastGood + 1, lines.length);
}

function setEntries(path: string, where: string, map: string, value: unknown, lines: ReadonlyMap<string, number>): SetEntry[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${where}: ${map} must be a map of broker properties (name: value)`);
  }
  return Object.entries(value).map(([name, v]) => {
    const at = lines.has(name) ? `${path}:${lines.get(name)}` : where;
    if (v === null || typeof v === 'object') throw new ConfigError(`${at}: ${map}.${name} needs a single value`);
    return { name, value: String(v), origin: `${at}: ${map}.${name}` };
  });
}

interface KeyLines {
  /** Top-level keys and their 1-based lines. */
  top: Map<string, number>;
  /** Keys indented under `set:` and `cluster:`, by map. */
  nested: Map<string, Map<string, number>>;
  repeated: { key: string; first: number; again: number } | null;
}

const TOP_KEY = /^(["']?)([^\s#"'][^:#]*?)\1\s*:(\s|$)/;
const NESTED_KEY = /^\s+(["']?)([^\s#"'][^:#]*?)\1\s*:(\s|$)/;

/** Where each key of a block-style file starts (flow-style maps fall back to the file name). */
function keyLines(text: string): KeyLines {
  const out: KeyLines = { top: new Map(), nested: new Map(), repeated: null };
  let inMap: Map<string, number> | null = null;
  text.split('\n').forEach((line, i) => {
    const top = TOP_KEY.exec(line);
    if (top) {
      const key = top[2];
      const first = out.top.get(key);
      if (first !== undefined && out.repeated === null) out.repeated = { key, first, again: i + 1 };
      if (first === undefined) out.top.set(key, i + 1);
      inMap = null;
      if (PROPERTY_MAPS.includes(key)) {
        inMap = out.nested.get(key) ?? new Map();
        out.nested.set(key, inMap);
      }
      return;
    }
    const nested = inMap !== null ? NESTED_KEY.exec(line) : null;
    if (nested && inMap !== null && !inMap.has(nested[2])) inMap.set(nested[2], i + 1);
  });
  return out;
}
