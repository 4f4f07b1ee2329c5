// `freshet config print [--config FILE] [start flags...] [--format text|json]`: the node
// configuration `freshet start` would run with those flags, the FRESHET_* environment and the
// file, each value with where it came from (default, --flag, FRESHET_X, file:line: key).
// `freshet config example`: an annotated config file on stdout (src/config/config-view.ts).
// Neither talks to a node. Exit codes as everywhere: 0, 1 (cannot write), 2 (a usage or
// configuration mistake, naming the flag, variable or file and line).

import { flagHelp, type FlagTable, HELP_FLAG, parseFlags, UsageError, wantsHelp } from '../base/flags.ts';
import { effectiveSettings, exampleFile } from '../config/config-view.ts';
import { buildFromLayer, envLayer, mergeLayers, START_FLAGS, startFlagsLayer } from '../config/node-config.ts';
import { EXIT_OK, EXIT_USAGE, printJson, renderTable } from './output.ts';
import { readConfigFile } from './start.ts';

const PRINT_FLAGS: FlagTable = {
  format: { kind: 'string', value: 'text|json', help: 'output format', defaultText: 'text' },
};

const PRINT_USAGE =
  `usage: freshet config print [--format text|json] [--config FILE] [freshet start flags...]\n\n` +
  `the node configuration 'freshet start' would run with these flags, the FRESHET_* environment\n` +
  `and the config file: every setting with its value and where it came from, then the broker\n` +
  `properties set explicitly (cluster.NAME)\n\noptions:\n${flagHelp({ ...PRINT_FLAGS, ...HELP_FLAG })}\n` +
  `and every 'freshet start' flag (see 'freshet start --help')\n`;

const EXAMPLE_USAGE = `usage: freshet config example > freshet.yaml\n\nwrites an annotated config file: every key, its default and what it does\n\noptions:\n${flagHelp(HELP_FLAG)}`;

const USAGE =
  `usage: freshet config <command>\n\ncommands:\n` +
  `  print    the effective node configuration and where each value came from\n` +
  `  example  an annotated config file with every key and its default\n\n` +
  `'freshet config <command> --help' shows a command's options.\n` +
  `Exit codes: 0 success, 2 a usage or configuration error.\n`;

export async function runConfig(argv: readonly string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    if (sub === 'help' && (rest[0] === 'print' || rest[0] === 'example')) return runConfig([rest[0], '--help'], env);
    (sub === undefined ? process.stderr : process.stdout).write(USAGE);
    return sub === undefined ? EXIT_USAGE : EXIT_OK;
  }
  try {
    if (sub === 'example') {
      const p = parseFlags(rest, HELP_FLAG);
      if (wantsHelp(p)) return help(EXAMPLE_USAGE);
      if (p.positionals.length > 0) throw new UsageError(`unexpected argument '${p.positionals[0]}'`);
      process.stdout.write(exampleFile());
      return EXIT_OK;
    }
    if (sub === 'print') return print(rest, env);
    throw new UsageError(`unknown command '${sub}'`);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`freshet config${sub === 'print' || sub === 'example' ? ` ${sub}` : ''}: ${e.message}\n(see 'freshet config --help')\n`);
    return EXIT_USAGE;
  }
}

function help(text: string): number {
  process.stdout.write(text);
  return EXIT_OK;
}

function print(argv: readonly string[], env: Record<string, string | undefined>): number {
  // Checked against the start flags and ours together, then --format taken out for the start parser.
  const all = parseFlags(argv, { ...START_FLAGS, ...PRINT_FLAGS, ...HELP_FLAG });
  if (wantsHelp(all)) return help(PRINT_USAGE);
  const format = all.strings.get('format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not '${format}'`);
  const flags = startFlagsLayer(withoutFormat(argv));
  const envs = envLayer(env);
  const layer = mergeLayers(flags, envs, readConfigFile(mergeLayers(flags, envs)));
  const rows = effectiveSettings(layer, buildFromLayer(layer));
  const file = layer.values.get('config');
  if (format === 'json') {
    printJson({ config: file === undefined ? null : String(file.value), settings: rows });
    return EXIT_OK;
  }
  if (file !== undefined) process.stdout.write(`config file: ${String(file.value)} (${file.origin})\n\n`);
  process.stdout.write(renderTable(['KEY', 'VALUE', 'SOURCE'], rows.map((r) => [r.key, r.value, r.source])));
  return EXIT_OK;
}

function withoutFormat(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (argv[i] === '--format') i++;
    else if (!argv[i].startsWith('--format=')) out.push(argv[i]);
  }
  return out;
}
