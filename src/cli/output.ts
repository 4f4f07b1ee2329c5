// What the client commands share: running a command against a client with the exit-code
// contract (0 success, 1 Kafka error or no broker, 2 usage), plain tables, JSON output, and one
// way to report a Kafka error ("NAME: message" on stderr).

import { SYSTEM_IO } from './node-deps.ts';
import { KafkaClient } from '../client/client.ts';
import { ClientError, describeKafkaErr, type KafkaErr } from '../client/errors.ts';
import { COMMON_FLAGS, type CommonOptions, commonOptions, flagHelp, type FlagTable, formatOption, hoistGlobalFlags, type Parsed, parseFlags, UsageError, wantsHelp } from './args.ts';
import { AdminCallError, AdminUnreachable, adminUrl } from './admin-http.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface CommandContext {
  /** "freshet topic create": the prefix of every message. */
  readonly name: string;
  readonly flags: Parsed;
  readonly options: CommonOptions;
  readonly client: KafkaClient;
}

/** A subcommand: `parse` checks its arguments before any connection is made (so usage
 *  mistakes exit 2 even with no broker up), `run` does the work. `args` and `summary` are
 *  its help, with the flags table. */
export interface Subcommand<A = unknown> {
  /** Positionals and the command's own flags in short, e.g. `NAME [-p N] [-c key=value ...]`. */
  readonly args: string;
  /** What the command does, for the command group's help and its own. */
  readonly summary: string;
  readonly flags: FlagTable;
  parse(flags: Parsed): A;
  run(ctx: CommandContext, args: A): Promise<number>;
}

/** Keeps each subcommand's argument type while listing them together. */
export function subcommand<A>(c: Subcommand<A>): Subcommand<unknown> {
  return c as Subcommand<unknown>;
}

export interface AdminContext {
  readonly name: string;
  readonly flags: Parsed;
  readonly format: CommonOptions['format'];
  /** The admin API's base URL (--admin-url), for admin-http.ts adminCall. */
  readonly adminUrl: string;
}

/** A subcommand over the node's admin API (HTTP) instead of Kafka: no broker is connected, so it
 *  works while the Kafka side is down (`cluster health` is asked exactly then). */
export interface AdminSubcommand<A = unknown> extends Omit<Subcommand<A>, 'run'> {
  readonly api: 'admin';
  run(ctx: AdminContext, args: A): Promise<number>;
}

export function adminSubcommand<A>(c: Omit<AdminSubcommand<A>, 'api'>): Subcommand<unknown> {
  return { ...c, api: 'admin' } as unknown as Subcommand<unknown>;
}

const isAdmin = (c: Subcommand): c is Subcommand & AdminSubcommand => (c as { api?: string }).api === 'admin';

/** A command group inside a group (`freshet cluster config get`): its own commands and help. */
export interface NestedGroup {
  readonly summary: string;
  readonly commands: Readonly<Record<string, Subcommand>>;
}

export type GroupEntry = Subcommand | NestedGroup;

const isGroup = (e: GroupEntry): e is NestedGroup => 'commands' in e;

/** A subcommand's own help: usage line, what it does, its flags, then the common ones. */
export function subcommandHelp(name: string, cmd: Subcommand): string {
  const own = Object.keys(cmd.flags).length > 0 ? `options:\n${flagHelp(cmd.flags)}\n` : '';
  return `usage: ${name} ${cmd.args}\n\n${cmd.summary}\n\n${own}connection and output options:\n${flagHelp(COMMON_FLAGS)}`;
}

/** A command group's help (`freshet topic --help`): its commands and the common options. */
export function groupHelp(prefix: string, commands: Readonly<Record<string, GroupEntry>>): string {
  const rows = Object.entries(commands).map(([sub, c]) => [isGroup(c) ? `${sub} <command>` : `${sub} ${c.args}`.trim(), c.summary] as const);
  const width = Math.max(...rows.map(([l]) => l.length));
  const lines = rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r.replaceAll('\n', `\n  ${''.padEnd(width)}  `)}`);
  return (
    `usage: ${prefix} <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n` +
    `connection and output options (every command):\n${flagHelp(COMMON_FLAGS)}\n'${prefix} <command> --help' shows a command's own options.\n` +
    `Exit codes: 0 success, 1 a Kafka or admin API error or nothing reachable, 2 a usage error.\n`
  );
}

/** Runs `prefix <sub> ...`: the command group's help, a usage error, or the subcommand. */
export async function runCommandGroup(prefix: string, argv: readonly string[], commands: Readonly<Record<string, GroupEntry>>): Promise<number> {
  const [sub, ...rest] = hoistGlobalFlags(argv);
  const usage = groupHelp(prefix, commands);
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    if (sub === 'help' && rest.length > 0 && Object.hasOwn(commands, rest[0])) {
      const entry = commands[rest[0]];
      process.stdout.write(isGroup(entry) ? groupHelp(`${prefix} ${rest[0]}`, entry.commands) : subcommandHelp(`${prefix} ${rest[0]}`, entry));
      return EXIT_OK;
    }
    (sub === undefined ? process.stderr : process.stdout).write(usage);
    return sub === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (!Object.hasOwn(commands, sub)) return usageFailure(prefix, new UsageError(`unknown command '${sub}'`), usage);
  const entry = commands[sub];
  if (isGroup(entry)) return runCommandGroup(`${prefix} ${sub}`, rest, entry.commands);
  return runSubcommand(`${prefix} ${sub}`, rest, entry);
}

/** Parses flags, connects, runs, closes; maps every failure to its exit code. */
export async function runSubcommand(name: string, argv: readonly string[], cmd: Subcommand): Promise<number> {
  const usage = subcommandHelp(name, cmd);
  let flags: Parsed;
  let options: CommonOptions;
  let args: unknown;
  try {
    flags = parseFlags(argv, { ...cmd.flags, ...COMMON_FLAGS });
    if (wantsHelp(flags)) {
      process.stdout.write(usage);
      return EXIT_OK;
    }
    // An admin API command does not use --brokers: a bad one (or FRESHET_BROKERS) is not its error.
    if (isAdmin(cmd)) {
      const ctx: AdminContext = { name, flags, format: formatOption(flags), adminUrl: adminUrl(flags) };
      return await runAdmin(cmd, ctx, cmd.parse(flags), usage);
    }
    options = commonOptions(flags);
    args = cmd.parse(flags);
  } catch (e) {
    return usageFailure(name, e, usage);
  }
  let client: KafkaClient | null = null;
  try {
    client = await KafkaClient.connect({ io: SYSTEM_IO, bootstrap: options.brokers, clientId: 'freshet-cli' });
    return await cmd.run({ name, flags, options, client }, args);
  } catch (e) {
    if (e instanceof UsageError) return usageFailure(name, e, usage);
    if (e instanceof ClientError) {
      process.stderr.write(`${name}: ${e.message}\n`);
      return EXIT_FAILURE;
    }
    throw e;
  } finally {
    await client?.close();
  }
}

/** Runs an admin API subcommand: an admin API error or no answer is its message and exit 1. */
async function runAdmin(cmd: AdminSubcommand, ctx: AdminContext, args: unknown, usage: string): Promise<number> {
  try {
    return await cmd.run(ctx, args);
  } catch (e) {
    if (e instanceof UsageError) return usageFailure(ctx.name, e, usage);
    if (e instanceof AdminCallError || e instanceof AdminUnreachable) {
      if (ctx.format === 'json') printJson({ error: { status: e instanceof AdminCallError ? e.status : null, message: e.message } });
      process.stderr.write(`${ctx.name}: ${e.message}\n`);
      return EXIT_FAILURE;
    }
    throw e;
  }
}

export function usageFailure(name: string, e: unknown, usage: string): number {
  if (!(e instanceof UsageError)) throw e;
  process.stderr.write(`${name}: ${e.message}\n\n${usage}`);
  return EXIT_USAGE;
}

/** Prints a Kafka error as "<command>: <what>: NAME: message" and returns exit code 1. */
export function kafkaFailure(name: string, what: string, error: KafkaErr): number {
  process.stderr.write(`${name}: ${what}: ${describeKafkaErr(error)}\n`);
  return EXIT_FAILURE;
}

/** A KafkaErr for JSON output: {code, name, message} or null. */
export function errorJson(e: KafkaErr | null): { code: number; name: string; message: string | null } | null {
  return e === null ? null : { code: e.code, name: e.name, message: e.message };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Left-aligned columns separated by two spaces; cells are stringified, null shows as "-". */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null>>): string {
  const cells = rows.map((r) => r.map((c) => (c === null ? '-' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

export function printTable(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null>>): void {
  process.stdout.write(renderTable(headers, rows));
}
