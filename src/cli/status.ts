// `freshet status`: whether a node answers. It connects, exchanges ApiVersions and asks for
// cluster metadata (no topics), as every Kafka client does first, and exits 0 when that worked
// and 1 when no broker answered. The container image's HEALTHCHECK runs it: the image has no
// kcat or curl, and this checks the Kafka listener itself rather than a process table.

import { positionals } from './args.ts';
import { EXIT_OK, printJson, printTable, runSubcommand, subcommand } from './output.ts';

export const statusCommand = subcommand({
  args: '[--brokers HOST:PORT]',
  summary: 'check that a node answers Kafka requests: exit 0 when it does, 1 when none answers',
  flags: {},
  parse: (flags) => positionals(flags, []),
  async run(ctx) {
    const md = await ctx.client.metadata([]);
    if (ctx.options.format === 'json') {
      printJson({ clusterId: md.clusterId, controllerId: md.controllerId, brokers: md.brokers });
      return EXIT_OK;
    }
    process.stdout.write(`cluster ${md.clusterId ?? '-'}, controller ${md.controllerId}\n`);
    printTable(
      ['NODE', 'HOST', 'PORT', 'RACK'],
      md.brokers.map((b) => [b.nodeId, b.host, b.port, b.rack]),
    );
    return EXIT_OK;
  },
});

export async function runStatus(argv: readonly string[]): Promise<number> {
  return runSubcommand('freshet status', argv, statusCommand);
}
