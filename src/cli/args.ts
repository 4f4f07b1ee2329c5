// What the client commands (topic, group, status) share on top of the flag parser in
// src/base/flags.ts: the connection and output flags (--brokers, --format), positionals, and
// typed flag values. Usage mistakes throw UsageError, which the command turns into exit code 2.

import { type FlagTable, HELP_FLAG, type Parsed, UsageError } from '../base/flags.ts';

export { boolFlag, flagHelp, type FlagSpec, type FlagTable, type Parsed, parseFlags, UsageError, wantsHelp } from '../base/flags.ts';

/** Flags every client command accepts. */
export const COMMON_FLAGS: FlagTable = {
  brokers: {
    kind: 'string',
    short: 'b',
    value: 'HOST:PORT[,...]',
    help: 'brokers to bootstrap from',
    defaultText: '$FRESHET_BROKERS, else $FRESHET_KAFKA_ADDR, else 127.0.0.1:9092',
  },
  'admin-url': { kind: 'string', value: 'URL', help: "the node's admin API (cluster health, config, maintenance, decommission)", defaultText: '$FRESHET_ADMIN_URL, else $FRESHET_ADMIN_ADDR, else http://127.0.0.1:9644' },
  'registry-url': { kind: 'string', value: 'URL', help: 'the schema registry (freshet registry ...)', defaultText: '$FRESHET_REGISTRY_URL, else $FRESHET_SCHEMA_REGISTRY_ADDR, else http://127.0.0.1:8081' },
  format: { kind: 'string', value: 'table|json', help: 'output format', defaultText: 'table' },
  ...HELP_FLAG,
};

/** The flags every client command accepts before or after its name (`freshet --brokers B topic list`). */
const GLOBAL_VALUE_FLAGS = new Set(['--brokers', '-b', '--admin-url', '--registry-url', '--format']);

/**
 * Moves the global flags that come before the command (`freshet --admin-url U cluster health`,
 * `freshet topic --brokers B list`) to the end, where the command's own parser reads them: the
 * same flags are accepted on either side of the command's name. Stops at the first word that is
 * not one of them (the command), so nothing after it is reordered.
 */
export function hoistGlobalFlags(argv: readonly string[]): string[] {
  const moved: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0 && GLOBAL_VALUE_FLAGS.has(arg.slice(0, eq))) {
      moved.push(arg);
      i += 1;
    } else if (GLOBAL_VALUE_FLAGS.has(arg) && i + 1 < argv.length) {
      moved.push(arg, argv[i + 1]);
      i += 2;
    } else break;
  }
  return [...argv.slice(i), ...moved];
}

export const DEFAULT_BROKERS = '127.0.0.1:9092';

export type Format = 'table' | 'json';

export interface CommonOptions {
  brokers: string[];
  format: Format;
}

/**
 * The brokers when --brokers is not given: FRESHET_BROKERS, else the listener of a node
 * configured in this environment (FRESHET_KAFKA_ADDR, a wildcard host read as loopback: how
 * `docker exec` and the image's HEALTHCHECK reach the node they sit beside), else 127.0.0.1:9092.
 */
export function defaultBrokers(env: Record<string, string | undefined>): string {
  // An empty variable counts as unset, as shells and compose files often leave them.
  if (env.FRESHET_BROKERS !== undefined && env.FRESHET_BROKERS.trim() !== '') return env.FRESHET_BROKERS;
  const listener = env.FRESHET_KAFKA_ADDR?.trim();
  if (listener === undefined || listener === '') return DEFAULT_BROKERS;
  return reachableListener(listener);
}

/** A listener address as a client on this host reaches it: a wildcard host is loopback. */
export function reachableListener(listener: string): string {
  return listener.replace(/^(0\.0\.0\.0|\[::\]|::):/, '127.0.0.1:');
}

/**
 * An HTTP service's URL when its flag is not given: `$urlVar`, else the listener of a node
 * configured in this environment (`$listenerVar`, unless `none`), else `fallback`. An empty
 * variable counts as unset.
 */
export function defaultServiceUrl(env: Record<string, string | undefined>, urlVar: string, listenerVar: string, fallback: string): string {
  const url = env[urlVar]?.trim();
  if (url !== undefined && url !== '') return url;
  const listener = env[listenerVar]?.trim();
  if (listener === undefined || listener === '' || listener === 'none') return fallback;
  return `http://${reachableListener(listener)}`;
}

/** `url` checked as an http(s) URL for `--flag`, without a trailing slash; a UsageError if not. */
export function checkedServiceUrl(flag: string, url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw new UsageError(`--${flag}: '${trimmed}' is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--${flag}: '${trimmed}' is not an http(s) URL`);
  return trimmed;
}

/** --brokers (else defaultBrokers) and --format. */
export function commonOptions(p: Parsed, env: Record<string, string | undefined> = process.env): CommonOptions {
  const brokers = (p.strings.get('brokers') ?? defaultBrokers(env))
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (brokers.length === 0) throw new UsageError('--brokers is empty');
  for (const b of brokers) {
    if (!/^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/.test(b)) throw new UsageError(`bad broker address '${b}' (expected HOST:PORT)`);
  }
  return { brokers, format: formatOption(p) };
}

/** --format table|json (default table). */
export function formatOption(p: Parsed): Format {
  const format = p.strings.get('format') ?? 'table';
  if (format !== 'table' && format !== 'json') throw new UsageError(`--format must be table or json, not '${format}'`);
  return format;
}

/** Exactly `n` positionals, else a usage error naming what is expected. */
export function positionals(p: Parsed, names: readonly string[]): string[] {
  if (p.positionals.length < names.length) throw new UsageError(`missing ${names.slice(p.positionals.length).join(' ')}`);
  if (p.positionals.length > names.length) throw new UsageError(`unexpected argument '${p.positionals[names.length]}'`);
  return p.positionals;
}

/** A non-negative integer flag value, or the default. */
export function intFlag(p: Parsed, name: string, fallback: number, min = 0): number {
  const s = p.strings.get(name);
  if (s === undefined) return fallback;
  if (!/^-?\d+$/.test(s) || Number(s) < min) throw new UsageError(`--${name} must be an integer >= ${min}, not '${s}'`);
  return Number(s);
}

/** Comma-separated list flag, e.g. --topics a,b. */
export function listFlag(p: Parsed, name: string): string[] | null {
  const s = p.strings.get(name);
  if (s === undefined) return null;
  const items = s.split(',').map((x) => x.trim()).filter((x) => x.length > 0);
  if (items.length === 0) throw new UsageError(`--${name} is empty`);
  return items;
}
