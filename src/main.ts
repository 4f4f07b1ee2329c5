// freshet: the server and its command-line tool in one executable.
//   freshet start [flags]   run a node (see src/cli/start.ts)
//   freshet topic ...       topic administration (src/cli/topic.ts)
//   freshet group ...       consumer group administration (src/cli/group.ts)
//   freshet cluster info    brokers, controller and controller quorum (src/cli/cluster.ts)
//   freshet registry ...    the schema registry over its REST API (src/cli/registry.ts)
//   freshet config ...      the effective node configuration, an annotated example (src/cli/config.ts)
//   freshet status          whether a node answers (src/cli/status.ts)
//   freshet version         print the version
// Every level answers --help / -h (and `freshet help COMMAND`).

import { log, logLevelOf } from './base/log.ts';
import { hoistGlobalFlags } from './cli/args.ts';
import { VERSION } from './version.ts';
import { installAccelerators } from './compression/accelerators.ts';
import { applyAllocatorSetting } from './cli/allocator.ts';

const USAGE = `usage: freshet <command> [options]

commands:
  start      run a node: the Kafka API on 127.0.0.1:9092 and the schema registry on
             127.0.0.1:8081 by default, data in ./data
  topic      create, list, describe, delete topics; produce and consume records
  group      list, describe, seek, delete consumer groups
  cluster    info: brokers, the controller and the controller quorum; health, config,
             maintenance, decommission over the admin API (--admin-url URL, default
             http://127.0.0.1:9644)
  registry   schemas, subjects, compatibility levels and modes in the schema registry
             (--registry-url URL, default http://127.0.0.1:8081)
  config     print: the effective node configuration and where each value came from;
             example: an annotated config file
  status     check that a node answers (exit 0) or not (exit 1)
  version    print the version

'freshet <command> --help' (or 'freshet help <command>') shows a command's options.
topic, group, cluster and status take --brokers HOST:PORT[,...] (default $FRESHET_BROKERS, else
127.0.0.1:9092), --admin-url, --registry-url and --format table|json, before or after the
command; they exit 0 on success, 1 on a Kafka or admin API error or an unreachable node, 2 on a
usage error.
`;

const VERSION_USAGE = 'usage: freshet version\n\nprints the version of this executable, its platform, and the CRC32C it uses\n';

// Each command's module is imported when that command runs: evaluating them all cost every
// process the memory of the others' code (a node idling with every listener on kept the CLI's
// topic, group, cluster and registry commands resident; bench/README.md, "Startup"). The
// bundler keeps a module reached only through import() unevaluated until it is called.
// test/unit/start-imports.test.ts holds `freshet start` to this.
const COMMANDS: Readonly<Record<string, (argv: readonly string[]) => Promise<number | null>>> = {
  start: async (argv) => (await import('./cli/start.ts')).runStart(argv),
  topic: async (argv) => (await import('./cli/topic.ts')).runTopic(argv),
  group: async (argv) => (await import('./cli/group.ts')).runGroup(argv),
  cluster: async (argv) => (await import('./cli/cluster.ts')).runCluster(argv),
  registry: async (argv) => (await import('./cli/registry.ts')).runRegistry(argv),
  config: async (argv) => (await import('./cli/config.ts')).runConfig(argv),
  status: async (argv) => (await import('./cli/status.ts')).runStatus(argv),
  version: async (argv) => {
    if (argv.length > 0 && argv[0] !== '--help' && argv[0] !== '-h') {
      process.stderr.write(`freshet version: unexpected argument '${argv[0]}'\n\n${VERSION_USAGE}`);
      return 2;
    }
    if (argv.length > 0) process.stdout.write(VERSION_USAGE);
    else process.stdout.write(`freshet ${VERSION} (${process.platform}-${process.arch}, bun ${Bun.version})\ncrc32c: ${installAccelerators().crc32cDescription}\n`);
    return 0;
  },
};

/** Returns the exit code, or null while `freshet start` serves. */
async function main(argv: readonly string[]): Promise<number | null> {
  // --brokers, --admin-url, --registry-url, --format before the command go to it (args.ts).
  const [cmd, ...rest] = hoistGlobalFlags(argv);
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    const topic = cmd === 'help' ? rest[0] : undefined;
    if (topic !== undefined && Object.hasOwn(COMMANDS, topic)) return COMMANDS[topic](['--help']);
    (cmd === undefined ? process.stderr : process.stdout).write(USAGE);
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === '--version') return COMMANDS.version([]);
  // A serving node re-executes itself with mimalloc's purge delay set (cli/allocator.ts says
  // why); the short-lived commands do not need it.
  if (cmd === 'start') applyAllocatorSetting();
  if (!Object.hasOwn(COMMANDS, cmd)) {
    process.stderr.write(`freshet: unknown command '${cmd}'\n\n${USAGE}`);
    return 2;
  }
  return COMMANDS[cmd](rest);
}

log.setLevel(logLevelOf(process.env.FRESHET_LOG));
const code = await main(process.argv.slice(2));
if (code !== null) process.exit(code);
