// Flag parsing for the client commands (topic, group): `--flag value`, `--flag=value`, short
// aliases (`-p 3`), repeatable flags (`-c a=1 -c b=2`) and booleans. The options every client
// command shares (--brokers, --format) are resolved here too. Usage mistakes throw UsageError,
// which the command turns into exit code 2.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type FlagKind = 'string' | 'boolean' | 'repeat';

export interface FlagSpec {
  readonly kind: FlagKind;
  readonly short?: string;
}

export interface Parsed {
  positionals: string[];
  strings: Map<string, string>;
  booleans: Set<string>;
  repeats: Map<string, string[]>;
}

/** Flags every client command accepts. */
export const COMMON_FLAGS: Readonly<Record<string, FlagSpec>> = {
  brokers: { kind: 'string', short: 'b' },
  format: { kind: 'string' },
  help: { kind: 'boolean', short: 'h' },
};

export const DEFAULT_BROKERS = '127.0.0.1:9092';

export function parseFlags(argv: readonly string[], specs: Readonly<Record<string, FlagSpec>>): Parsed {
  const all = { ...COMMON_FLAGS, ...specs };
  const byShort = new Map(Object.entries(all).flatMap(([name, s]) => (s.short ? [[s.short, name] as const] : [])));
  const out: Parsed = { positionals: [], strings: new Map(), booleans: new Set(), repeats: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else if (arg.startsWith('-') && arg.length > 1 && !/^-\d/.test(arg)) {
      name = byShort.get(arg.slice(1));
      if (name === undefined) throw new UsageError(`unknown flag ${arg}`);
    } else {
      out.positionals.push(arg);
      continue;
    }
    const spec = all[name];
    if (spec === undefined) throw new UsageError(`unknown flag --${name}`);
    if (spec.kind === 'boolean') {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      out.booleans.add(name);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${arg} needs a value`);
    if (spec.kind === 'string') out.strings.set(name, value);
    else out.repeats.set(name, [...(out.repeats.get(name) ?? []), value]);
  }
  return out;
}

export type Format = 'table' | 'json';

export interface CommonOptions {
  brokers: string[];
  format: Format;
}

/** --brokers (else FRESHET_BROKERS, else 127.0.0.1:9092) and --format. */
export function commonOptions(p: Parsed, env: Record<string, string | undefined> = process.env): CommonOptions {
  const brokers = (p.strings.get('brokers') ?? env.FRESHET_BROKERS ?? DEFAULT_BROKERS)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (brokers.length === 0) throw new UsageError('--brokers is empty');
  for (const b of brokers) {
    if (!/^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/.test(b)) throw new UsageError(`bad broker address '${b}' (expected HOST:PORT)`);
  }
  const format = p.strings.get('format') ?? 'table';
  if (format !== 'table' && format !== 'json') throw new UsageError(`--format must be table or json, not '${format}'`);
  return { brokers, format };
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
