// The YAML file of `freshet start --config FILE`: the flags' names as keys, and a `set:` map of
// broker properties by their Kafka names.
//
//   data-dir: /var/lib/freshet
//   kafka-addr: 0.0.0.0:9092
//   dev: false
//   set:
//     log.retention.ms: 86400000
//
// Every error names the file and the line: YAML syntax, an unknown or repeated key, a bad
// value. Bun.YAML.parse reports no position in its errors, so the line is found here: for a
// syntax error, the line after the longest prefix of the file that still parses; for a key,
// the line that starts with it.

import { type ConfigLayer, ConfigError, type SetEntry, type Setting, START_FLAGS } from './node-config.ts';

/** Keys the file may hold: every start flag but `config` (files do not include files). */
export const FILE_KEYS: readonly string[] = Object.keys(START_FLAGS).filter((k) => k !== 'config');

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
  let sets: SetEntry[] = [];
  for (const [key, value] of Object.entries(doc)) {
    if (!FILE_KEYS.includes(key)) {
      throw new ConfigError(`${where(key)}: unknown key '${key}' (known keys: ${FILE_KEYS.join(', ')})`);
    }
    if (value === null || value === undefined) throw new ConfigError(`${where(key)}: ${key} has no value`);
    if (key === 'set') sets = setEntries(path, where(key), value, lines.set);
    else values.set(key, { value, origin: `${where(key)}: ${key}` });
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

function setEntries(path: string, where: string, value: unknown, lines: ReadonlyMap<string, number>): SetEntry[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${where}: set must be a map of broker properties (name: value)`);
  }
  return Object.entries(value).map(([name, v]) => {
    const at = lines.has(name) ? `${path}:${lines.get(name)}` : where;
    if (v === null || typeof v === 'object') throw new ConfigError(`${at}: set.${name} needs a single value`);
    return { name, value: String(v), origin: `${at}: set.${name}` };
  });
}

interface KeyLines {
  /** Top-level keys and their 1-based lines. */
  top: Map<string, number>;
  /** Keys indented under `set:`. */
  set: Map<string, number>;
  repeated: { key: string; first: number; again: number } | null;
}

const TOP_KEY = /^(["']?)([^\s#"'][^:#]*?)\1\s*:(\s|$)/;
const NESTED_KEY = /^\s+(["']?)([^\s#"'][^:#]*?)\1\s*:(\s|$)/;

/** Where each key of a block-style file starts (flow-style maps fall back to the file name). */
function keyLines(text: string): KeyLines {
  const out: KeyLines = { top: new Map(), set: new Map(), repeated: null };
  let inSet = false;
  text.split('\n').forEach((line, i) => {
    const top = TOP_KEY.exec(line);
    if (top) {
      const key = top[2];
      const first = out.top.get(key);
      if (first !== undefined && out.repeated === null) out.repeated = { key, first, again: i + 1 };
      if (first === undefined) out.top.set(key, i + 1);
      inSet = key === 'set';
      return;
    }
    const nested = inSet ? NESTED_KEY.exec(line) : null;
    if (nested && !out.set.has(nested[2])) out.set.set(nested[2], i + 1);
  });
  return out;
}
