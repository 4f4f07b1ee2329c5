// The one flag parser of the executable, used by `freshet start` (src/config/node-config.ts)
// and by the client commands (src/cli). Each command declares a table of flags; the parser and
// the `--help` text are both derived from that table, so the flags a command takes and the
// flags its help lists cannot drift apart.
//
// Accepted forms: `--flag value`, `--flag=value`, short aliases (`-p 3`), repeatable flags
// (`-c a=1 -c b=2`) and booleans. A boolean is `--flag` (true) or `--flag=true|false`; any
// other value is a usage error (`--dev=false` once turned dev mode on). Usage mistakes throw
// UsageError, which every command turns into exit code 2.

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
  /** What the value looks like in help (`HOST:PORT`, `N`); booleans have none. */
  readonly value?: string;
  /** One line for `--help`. */
  readonly help: string;
  /** The default as help shows it; absent when there is none worth showing. */
  readonly defaultText?: string;
}

export type FlagTable = Readonly<Record<string, FlagSpec>>;

export interface Parsed {
  positionals: string[];
  strings: Map<string, string>;
  /** Booleans given on the command line, with their value (absent ones are not in the map). */
  booleans: Map<string, boolean>;
  repeats: Map<string, string[]>;
}

/** `-h` and `--help`: every command accepts them. */
export const HELP_FLAG: FlagTable = { help: { kind: 'boolean', short: 'h', help: 'show this help and exit' } };

/** Parses a strict boolean: only `true` and `false` (YAML, environment, `--flag=`). */
export function parseBoolean(text: string, what: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new UsageError(`${what} takes true or false, not '${text}'`);
}

export function parseFlags(argv: readonly string[], specs: FlagTable): Parsed {
  const byShort = new Map(Object.entries(specs).flatMap(([name, s]) => (s.short ? [[s.short, name] as const] : [])));
  const out: Parsed = { positionals: [], strings: new Map(), booleans: new Map(), repeats: new Map() };
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
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (spec === undefined) throw new UsageError(`unknown flag --${name}`);
    if (spec.kind === 'boolean') {
      out.booleans.set(name, inline === undefined ? true : parseBoolean(inline, `--${name}`));
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${arg} needs a value`);
    if (spec.kind === 'string') out.strings.set(name, value);
    else out.repeats.set(name, [...(out.repeats.get(name) ?? []), value]);
  }
  return out;
}

/** True when the boolean flag was given as true. */
export function boolFlag(p: Parsed, name: string): boolean {
  return p.booleans.get(name) === true;
}

export function wantsHelp(p: Parsed): boolean {
  return boolFlag(p, 'help');
}

/** The help lines of a flag table: `  -p, --partitions N   what it does (default 1)`. */
export function flagHelp(specs: FlagTable): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const left = `${s.short ? `-${s.short}, ` : '    '}--${name}${s.value ? ` ${s.value}` : ''}`;
    const right = s.defaultText === undefined ? s.help : `${s.help} (default ${s.defaultText})`;
    return [left, right] as const;
  });
  const width = Math.min(36, Math.max(...rows.map(([l]) => l.length)));
  return rows.map(([l, r]) => (l.length > width ? `  ${l}\n  ${''.padEnd(width)}  ${r}` : `  ${l.padEnd(width)}  ${r}`)).join('\n') + '\n';
}
