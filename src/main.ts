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
import { runCluster } from './cli/cluster.ts';
import { runConfig } from './cli/config.ts';
import { runGroup } from './cli/group.ts';
import { runRegistry } from './cli/registry.ts';
import { runStart } from './cli/start.ts';
import { runStatus } from './cli/status.ts';
import { runTopic } from './cli/topic.ts';
import { VERSION } from './version.ts';
import { installAccelerators } from './compression/accelerators.ts';

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

const COMMANDS: Readonly<Record<string, (argv: readonly string[]) => Promise<number | null>>> = {
  start: (argv) => runStart(argv),
  topic: runTopic,
  group: runGroup,
  cluster: runCluster,
  registry: runRegistry,
  config: (argv) => runConfig(argv),
  status: runStatus,
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
  if (!Object.hasOwn(COMMANDS, cmd)) {
    process.stderr.write(`freshet: unknown command '${cmd}'\n\n${USAGE}`);
    return 2;
  }
  return COMMANDS[cmd](rest);
}

log.setLevel(logLevelOf(process.env.FRESHET_LOG));
const code = await main(process.argv.slice(2));
if (code !== null) process.exit(code);
