// freshet: the server and its command-line tool in one executable.
//   freshet start [flags]   run a node (see src/cli/start.ts)
//   freshet topic ...       topic administration (src/cli/topic.ts)
//   freshet group ...       consumer group administration (src/cli/group.ts)
//   freshet version         print the version

import { runGroup } from './cli/group.ts';
import { runStart } from './cli/start.ts';
import { runTopic } from './cli/topic.ts';
import { VERSION } from './version.ts';

const USAGE = `usage: freshet <command> [options]

commands:
  start      run a node: the Kafka API on 127.0.0.1:9092 by default, data in ./data
  topic      create, list, describe, delete topics ('freshet topic help')
  group      list, describe, seek, delete consumer groups ('freshet group help')
  version    print the version

topic and group commands take --brokers HOST:PORT[,...] (default $FRESHET_BROKERS, else
127.0.0.1:9092) and --format table|json; they exit 0 on success, 1 on a Kafka error or an
unreachable broker, 2 on a usage error.

freshet start flags:
  --config FILE                 YAML file with the same keys as the flags, and a 'set:' map
  --data-dir DIR                where logs and metadata live (default ./data)
  --node-id N                   this node's id (default 0)
  --kafka-addr HOST:PORT        Kafka listener (default 127.0.0.1:9092)
  --advertise-kafka-addr H:P    address given to clients in Metadata
  --dev                         laptop / CI-sidecar mode: auto-create topics, fsync relaxed (UNSAFE)
  --set key=value               a broker property, Kafka's name (e.g. log.retention.ms=60000)
  --rpc-addr, --admin-addr, --schema-registry-addr, --proxy-addr, --seeds
                                reserved: their subsystems are not built yet
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'start':
      return runStart(rest);
    case 'topic':
      return runTopic(rest);
    case 'group':
      return runGroup(rest);
    case 'version':
    case '--version':
      console.log(`freshet ${VERSION}`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`freshet: unknown command '${cmd}'\n\n${USAGE}`);
      return 2;
  }
}

const code = await main(process.argv.slice(2));
if (code !== 0 || process.argv[2] !== 'start') process.exit(code);
