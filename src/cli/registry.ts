// `freshet registry ...`: the schema registry from the command line, over Confluent's REST paths
// (docs.confluent.io "Schema Registry API Reference"), so it works against any Confluent-
// compatible registry, ours or Confluent's. Groups: schema, subject, compatibility-level, mode.
// Output as the other command groups (a table, or --format json / --json); a registry error
// prints Confluent's error_code and message and exits 1.

import { readFileSync } from 'node:fs';
import { flagHelp, type FlagTable, type Parsed, parseFlags, UsageError, wantsHelp } from '../base/flags.ts';
import { intFlag, positionals } from './args.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, printJson, printTable } from './output.ts';
import { query, REGISTRY_COMMON_FLAGS, registryCall, RegistryCallError, type RegistryOptions, registryOptions, RegistryUnreachable, seg } from './registry-http.ts';

/** Versions `schema list SUBJECT` fetches one by one, at most. */
export const LIST_VERSIONS_MAX = 1_000;
/** A schema file larger than this is refused before it is sent (our registry's request limit). */
export const SCHEMA_FILE_BYTES_MAX = 16 * 1024 * 1024;

interface Ctx {
  readonly name: string;
  readonly options: RegistryOptions;
}

interface Command<A = unknown> {
  readonly args: string;
  readonly summary: string;
  readonly flags: FlagTable;
  parse(flags: Parsed): A;
  run(ctx: Ctx, args: A): Promise<number>;
}

const command = <A>(c: Command<A>): Command => c as Command;

/** What a version or an id answers (GET /subjects/{s}/versions/{v}, GET /schemas/ids/{id}). */
interface SchemaAnswer {
  subject?: string;
  version?: number;
  id?: number;
  schemaType?: string;
  references?: unknown[];
  schema: string;
}

// ---- schema input ----

const SCHEMA_INPUT_FLAGS: FlagTable = {
  schema: { kind: 'string', value: 'TEXT', help: 'the schema itself' },
  'schema-file': { kind: 'string', short: 'f', value: 'FILE', help: 'a file holding the schema' },
  type: { kind: 'string', short: 't', value: 'AVRO|PROTOBUF|JSON', help: 'the schema type', defaultText: 'AVRO' },
  'references-file': { kind: 'string', value: 'FILE', help: 'a JSON array of references: [{"name", "subject", "version"}]' },
};

/** The request body Confluent takes: {schema, schemaType?, references?}. */
function schemaBody(flags: Parsed): Record<string, unknown> {
  const text = flags.strings.get('schema');
  const file = flags.strings.get('schema-file');
  if ((text === undefined) === (file === undefined)) throw new UsageError('give the schema with exactly one of --schema TEXT or --schema-file FILE');
  const schema = text ?? readText(file!, '--schema-file');
  const type = (flags.strings.get('type') ?? 'AVRO').toUpperCase();
  if (type !== 'AVRO' && type !== 'PROTOBUF' && type !== 'JSON') throw new UsageError(`--type must be AVRO, PROTOBUF or JSON, not '${type}'`);
  const body: Record<string, unknown> = { schema };
  if (type !== 'AVRO') body.schemaType = type;
  const refs = flags.strings.get('references-file');
  if (refs !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readText(refs, '--references-file'));
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`--references-file ${refs}: not JSON`);
    }
    if (!Array.isArray(parsed)) throw new UsageError(`--references-file ${refs}: expected a JSON array of {"name", "subject", "version"}`);
    body.references = parsed;
  }
  return body;
}

function readText(path: string, flag: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(`${flag} ${path}: ${(e as { code?: string }).code === 'ENOENT' ? 'no such file' : 'cannot read it'}`);
  }
  if (bytes.length > SCHEMA_FILE_BYTES_MAX) throw new UsageError(`${flag} ${path}: over ${SCHEMA_FILE_BYTES_MAX} bytes`);
  return bytes.toString('utf8');
}

function versionArg(text: string): string {
  if (text !== 'latest' && !/^-?\d+$/.test(text)) throw new UsageError(`VERSION must be a number or latest, not '${text}'`);
  return text;
}

const typeOf = (a: { schemaType?: string }): string => a.schemaType ?? 'AVRO';

function printSchema(ctx: Ctx, a: SchemaAnswer, extra: Record<string, unknown> = {}): void {
  if (ctx.options.format === 'json') return printJson({ ...extra, ...a });
  const row: Array<[string, string | number | null]> = [];
  if (a.subject !== undefined || extra.subject !== undefined) row.push(['SUBJECT', (a.subject ?? extra.subject) as string]);
  if (a.version !== undefined) row.push(['VERSION', a.version]);
  row.push(['ID', (a.id ?? extra.id ?? null) as number | null], ['TYPE', typeOf(a)]);
  printTable(row.map(([h]) => h), [row.map(([, v]) => v)]);
  process.stdout.write(`\n${a.schema}\n`);
}

// ---- schema ----

const schemaCreate = command({
  args: 'SUBJECT (--schema TEXT | --schema-file FILE) [--type T] [--references-file FILE] [--normalize]',
  summary: 'register a schema under a subject (a new version, or the existing one if the subject holds it)',
  flags: { ...SCHEMA_INPUT_FLAGS, normalize: { kind: 'boolean', help: 'normalize the schema before registering it' } },
  parse: (flags) => ({ subject: positionals(flags, ['SUBJECT'])[0], body: schemaBody(flags), normalize: flags.booleans.get('normalize') === true }),
  async run(ctx, { subject, body, normalize }) {
    const registered = (await registryCall(ctx.options, 'POST', `/subjects/${seg(subject)}/versions${query({ normalize })}`, body)) as { id: number; version?: number };
    // Older registries answer the id alone: the version comes from a lookup of the same schema.
    let version = registered.version;
    if (version === undefined) {
      const found = (await registryCall(ctx.options, 'POST', `/subjects/${seg(subject)}${query({ normalize })}`, body)) as { version: number };
      version = found.version;
    }
    if (ctx.options.format === 'json') printJson({ subject, version, id: registered.id });
    else process.stdout.write(`registered schema id ${registered.id} as version ${version} of ${subject}\n`);
    return EXIT_OK;
  },
});

const schemaGet = command({
  args: '(--id ID | SUBJECT [--version V]) [--deleted]',
  summary: 'a schema by its id, or a subject\'s version (latest by default)',
  flags: {
    id: { kind: 'string', value: 'ID', help: 'the schema id' },
    version: { kind: 'string', short: 'v', value: 'V', help: 'the version, or latest', defaultText: 'latest' },
    deleted: { kind: 'boolean', help: 'include soft-deleted versions' },
  },
  parse(flags) {
    const deleted = flags.booleans.get('deleted') === true;
    if (flags.strings.has('id')) {
      positionals(flags, []);
      if (flags.strings.has('version')) throw new UsageError('--id and --version do not go together');
      return { id: intFlag(flags, 'id', 0, 0), deleted };
    }
    const [subject] = positionals(flags, ['SUBJECT']);
    return { subject, version: versionArg(flags.strings.get('version') ?? 'latest'), deleted };
  },
  async run(ctx, a) {
    if ('id' in a) {
      const got = (await registryCall(ctx.options, 'GET', `/schemas/ids/${a.id}`)) as SchemaAnswer;
      printSchema(ctx, got, { id: a.id });
    } else {
      const got = (await registryCall(ctx.options, 'GET', `/subjects/${seg(a.subject)}/versions/${seg(a.version)}${query({ deleted: a.deleted })}`)) as SchemaAnswer;
      printSchema(ctx, got);
    }
    return EXIT_OK;
  },
});

const schemaList = command({
  args: '[SUBJECT] [--deleted]',
  summary: "a subject's versions with their ids, or the latest schema of every subject",
  flags: { deleted: { kind: 'boolean', help: 'include soft-deleted versions' } },
  parse(flags) {
    if (flags.positionals.length > 1) throw new UsageError(`unexpected argument '${flags.positionals[1]}'`);
    return { subject: flags.positionals[0] as string | undefined, deleted: flags.booleans.get('deleted') === true };
  },
  async run(ctx, { subject, deleted }) {
    let rows: SchemaAnswer[];
    if (subject === undefined) {
      rows = (await registryCall(ctx.options, 'GET', `/schemas${query({ deleted, latestOnly: true })}`)) as SchemaAnswer[];
    } else {
      const versions = (await registryCall(ctx.options, 'GET', `/subjects/${seg(subject)}/versions${query({ deleted })}`)) as number[];
      rows = [];
      for (const v of versions.slice(0, LIST_VERSIONS_MAX)) rows.push((await registryCall(ctx.options, 'GET', `/subjects/${seg(subject)}/versions/${v}${query({ deleted })}`)) as SchemaAnswer);
    }
    if (ctx.options.format === 'json') printJson(rows.map((r) => ({ subject: r.subject ?? subject, version: r.version, id: r.id, schemaType: typeOf(r) })));
    else printTable(['SUBJECT', 'VERSION', 'ID', 'TYPE'], rows.map((r) => [r.subject ?? subject ?? null, r.version ?? null, r.id ?? null, typeOf(r)]));
    return EXIT_OK;
  },
});

const schemaDelete = command({
  args: 'SUBJECT VERSION [--permanent]',
  summary: 'delete a version of a subject (soft; --permanent after a soft delete removes it for good)',
  flags: { permanent: { kind: 'boolean', help: 'a hard delete (the version must be soft-deleted first)' } },
  parse(flags) {
    const [subject, version] = positionals(flags, ['SUBJECT', 'VERSION']);
    return { subject, version: versionArg(version), permanent: flags.booleans.get('permanent') === true };
  },
  async run(ctx, { subject, version, permanent }) {
    const deleted = (await registryCall(ctx.options, 'DELETE', `/subjects/${seg(subject)}/versions/${seg(version)}${query({ permanent })}`)) as number;
    if (ctx.options.format === 'json') printJson({ subject, version: deleted, permanent });
    else process.stdout.write(`deleted version ${deleted} of ${subject}${permanent ? ' permanently' : ''}\n`);
    return EXIT_OK;
  },
});

const schemaCheck = command({
  args: 'SUBJECT (--schema TEXT | --schema-file FILE) [--version V] [--type T]',
  summary: 'whether a schema is compatible with a version of the subject (latest by default); exit 1 when it is not',
  flags: { ...SCHEMA_INPUT_FLAGS, version: { kind: 'string', short: 'v', value: 'V', help: 'the version to check against, or latest', defaultText: 'latest' } },
  parse: (flags) => ({ subject: positionals(flags, ['SUBJECT'])[0], body: schemaBody(flags), version: versionArg(flags.strings.get('version') ?? 'latest') }),
  async run(ctx, { subject, body, version }) {
    const path = `/compatibility/subjects/${seg(subject)}/versions/${seg(version)}${query({ verbose: true })}`;
    const verdict = (await registryCall(ctx.options, 'POST', path, body)) as { is_compatible: boolean; messages?: string[] };
    if (ctx.options.format === 'json') printJson(verdict);
    else process.stdout.write(`${verdict.is_compatible ? 'compatible' : 'incompatible'}\n${(verdict.messages ?? []).map((m) => `  ${m}\n`).join('')}`);
    return verdict.is_compatible ? EXIT_OK : EXIT_FAILURE;
  },
});

// ---- subject ----

const subjectList = command({
  args: '[--prefix P] [--deleted]',
  summary: 'every subject',
  flags: {
    prefix: { kind: 'string', value: 'P', help: 'only subjects starting with P' },
    deleted: { kind: 'boolean', help: 'include soft-deleted subjects' },
  },
  parse: (flags) => (positionals(flags, []), { prefix: flags.strings.get('prefix'), deleted: flags.booleans.get('deleted') === true }),
  async run(ctx, { prefix, deleted }) {
    const subjects = (await registryCall(ctx.options, 'GET', `/subjects${query({ subjectPrefix: prefix, deleted })}`)) as string[];
    if (ctx.options.format === 'json') printJson(subjects);
    else printTable(['SUBJECT'], subjects.map((s) => [s]));
    return EXIT_OK;
  },
});

const subjectDelete = command({
  args: 'SUBJECT [--permanent]',
  summary: 'delete every version of a subject (soft; --permanent after a soft delete removes them for good)',
  flags: { permanent: { kind: 'boolean', help: 'a hard delete (the subject must be soft-deleted first)' } },
  parse: (flags) => ({ subject: positionals(flags, ['SUBJECT'])[0], permanent: flags.booleans.get('permanent') === true }),
  async run(ctx, { subject, permanent }) {
    const versions = (await registryCall(ctx.options, 'DELETE', `/subjects/${seg(subject)}${query({ permanent })}`)) as number[];
    if (ctx.options.format === 'json') printJson({ subject, versions, permanent });
    else process.stdout.write(`deleted ${subject}${permanent ? ' permanently' : ''}: versions ${versions.join(', ')}\n`);
    return EXIT_OK;
  },
});

// ---- compatibility-level and mode: /config and /mode ----

const SUBJECT_FLAG: FlagTable = { subject: { kind: 'string', short: 's', value: 'SUBJECT', help: "a subject's own setting", defaultText: 'the global one' } };

/** get/set for /config (compatibility) and /mode: the same shape. */
function settingCommands(what: 'compatibility-level' | 'mode'): Record<string, Command> {
  const base = what === 'mode' ? '/mode' : '/config';
  const answerKey = what === 'mode' ? 'mode' : 'compatibilityLevel';
  const values = what === 'mode' ? 'READWRITE|READONLY|READONLY_OVERRIDE|IMPORT' : 'NONE|BACKWARD|BACKWARD_TRANSITIVE|FORWARD|FORWARD_TRANSITIVE|FULL|FULL_TRANSITIVE';
  const pathOf = (subject: string | undefined) => (subject === undefined ? base : `${base}/${seg(subject)}`);
  const get = command({
    args: '[--subject S] [--default-to-global]',
    summary: `the ${what}, global or of a subject`,
    flags: { ...SUBJECT_FLAG, 'default-to-global': { kind: 'boolean', help: "the global one when the subject has none of its own" } },
    parse: (flags) => (positionals(flags, []), { subject: flags.strings.get('subject'), defaultToGlobal: flags.booleans.get('default-to-global') === true }),
    async run(ctx, { subject, defaultToGlobal }) {
      const got = (await registryCall(ctx.options, 'GET', `${pathOf(subject)}${query({ defaultToGlobal })}`)) as Record<string, string>;
      const value = got[answerKey];
      if (ctx.options.format === 'json') printJson({ subject: subject ?? null, [what === 'mode' ? 'mode' : 'compatibility']: value });
      else process.stdout.write(`${value}\n`);
      return EXIT_OK;
    },
  });
  const set = command({
    args: `VALUE [--subject S]${what === 'mode' ? ' [--force]' : ''}`,
    summary: `set the ${what}, global or of a subject (VALUE: ${values.replaceAll('|', ', ')})`,
    flags: { ...SUBJECT_FLAG, ...(what === 'mode' ? { force: { kind: 'boolean' as const, help: 'enter IMPORT even with schemas registered' } } : {}) },
    parse: (flags) => ({ value: positionals(flags, ['VALUE'])[0], subject: flags.strings.get('subject'), force: flags.booleans.get('force') === true }),
    async run(ctx, { value, subject, force }) {
      const body = what === 'mode' ? { mode: value } : { compatibility: value };
      const got = (await registryCall(ctx.options, 'PUT', `${pathOf(subject)}${query({ force })}`, body)) as Record<string, string>;
      const now = got[what === 'mode' ? 'mode' : 'compatibility'];
      if (ctx.options.format === 'json') printJson({ subject: subject ?? null, [what === 'mode' ? 'mode' : 'compatibility']: now });
      else process.stdout.write(`${what} ${subject === undefined ? '(global)' : `of ${subject}`} set to ${now}\n`);
      return EXIT_OK;
    },
  });
  return { get, set };
}

const GROUPS: Readonly<Record<string, { summary: string; commands: Readonly<Record<string, Command>> }>> = {
  schema: {
    summary: 'register, get, list, delete schemas; check compatibility',
    commands: { create: schemaCreate, get: schemaGet, list: schemaList, delete: schemaDelete, 'check-compatibility': schemaCheck },
  },
  subject: { summary: 'list and delete subjects', commands: { list: subjectList, delete: subjectDelete } },
  'compatibility-level': { summary: 'get and set the compatibility level', commands: settingCommands('compatibility-level') },
  mode: { summary: 'get and set the mode (READWRITE, READONLY, IMPORT)', commands: settingCommands('mode') },
};

const FOOTER =
  `connection and output options (every command):\n${flagHelp(REGISTRY_COMMON_FLAGS)}\n` +
  'Exit codes: 0 success, 1 a registry error (its error_code and message are shown) or no registry reachable, 2 a usage error.\n';

function registryHelp(): string {
  const rows = Object.entries(GROUPS).map(([g, { summary }]) => `  ${g.padEnd(20)}  ${summary}`);
  return `usage: freshet registry <group> <command> [options]\n\nthe schema registry, over Confluent's REST API\n\ngroups:\n${rows.join('\n')}\n\n${FOOTER}`;
}

function groupHelp(prefix: string, commands: Readonly<Record<string, Command>>): string {
  const rows = Object.entries(commands).map(([n, c]) => [`${n} ${c.args}`.trim(), c.summary] as const);
  const width = Math.max(...rows.map(([l]) => l.length));
  return `usage: ${prefix} <command> [options]\n\ncommands:\n${rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`).join('\n')}\n\n${FOOTER}`;
}

function commandHelp(name: string, c: Command): string {
  const own = Object.keys(c.flags).length > 0 ? `options:\n${flagHelp(c.flags)}\n` : '';
  return `usage: ${name} ${c.args}\n\n${c.summary}\n\n${own}${FOOTER}`;
}

const isHelp = (a: string | undefined) => a === 'help' || a === '--help' || a === '-h';

export async function runRegistry(argv: readonly string[]): Promise<number> {
  const [group, sub, ...rest] = argv;
  if (group === undefined || isHelp(group)) {
    (group === undefined ? process.stderr : process.stdout).write(registryHelp());
    return group === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (!Object.hasOwn(GROUPS, group)) return usage('freshet registry', `unknown group '${group}'`, registryHelp());
  const prefix = `freshet registry ${group}`;
  const { commands } = GROUPS[group];
  if (sub === undefined || isHelp(sub)) {
    (sub === undefined ? process.stderr : process.stdout).write(groupHelp(prefix, commands));
    return sub === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (!Object.hasOwn(commands, sub)) return usage(prefix, `unknown command '${sub}'`, groupHelp(prefix, commands));
  return await runCommand(`${prefix} ${sub}`, commands[sub], rest);
}

async function runCommand(name: string, c: Command, argv: readonly string[]): Promise<number> {
  const help = commandHelp(name, c);
  let options: RegistryOptions;
  let args: unknown;
  try {
    const flags = parseFlags(argv, { ...c.flags, ...REGISTRY_COMMON_FLAGS });
    if (wantsHelp(flags)) {
      process.stdout.write(help);
      return EXIT_OK;
    }
    options = registryOptions(flags);
    args = c.parse(flags);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return usage(name, e.message, help);
  }
  try {
    return await c.run({ name, options }, args);
  } catch (e) {
    if (e instanceof RegistryCallError) {
      if (options.format === 'json') printJson({ error_code: e.errorCode, message: e.message });
      process.stderr.write(`${name}: error ${e.errorCode}: ${e.message}\n`);
      return EXIT_FAILURE;
    }
    if (e instanceof RegistryUnreachable) {
      process.stderr.write(`${name}: ${e.message}\n`);
      return EXIT_FAILURE;
    }
    throw e;
  }
}

function usage(name: string, message: string, help: string): number {
  process.stderr.write(`${name}: ${message}\n\n${help}`);
  return EXIT_USAGE;
}
