// `freshet group list|describe|seek|delete`: consumer group administration through the
// internal client. describe and seek have their own files.

import { positionals, UsageError } from './args.ts';
import { describeGroup } from './group-describe.ts';
import { seekGroup } from './group-seek.ts';
import { errorJson, EXIT_FAILURE, EXIT_OK, kafkaFailure, printJson, printTable, runSubcommand, type Subcommand, subcommand, usageFailure } from './output.ts';

export const GROUP_USAGE = `usage: freshet group <command> [options]

commands:
  list                          every group with its state and protocol type
  describe GROUP                members (id, instance id, client id, host, assigned partitions)
                                and per partition the committed offset, log end offset and lag;
                                KIP-848 consumer groups also show the group and assignment
                                epochs, the assignor, member epochs and target assignments
  seek GROUP --to WHERE [--topics a,b] [--dry-run]
                                reset committed offsets (the group must be Empty or Dead);
                                WHERE is start, end, epoch milliseconds or an ISO-8601 time;
                                topics default to those the group has offsets for
  delete GROUP [GROUP ...]      delete empty groups and their committed offsets

options (every command):
  --brokers HOST:PORT[,...]   brokers to bootstrap from (default $FRESHET_BROKERS, else 127.0.0.1:9092)
  --format table|json         output format (default table)
`;

const list = subcommand({
  flags: {},
  parse: (flags) => positionals(flags, []),
  async run(ctx) {
    const { groups, errors } = await ctx.client.listGroups();
    if (ctx.options.format === 'json') {
      printJson(groups.map((g) => ({ groupId: g.groupId, state: g.state || null, protocolType: g.protocolType, type: g.type || null })));
    } else {
      printTable(['GROUP', 'STATE', 'PROTOCOL-TYPE'], groups.map((g) => [g.groupId, g.state || null, g.protocolType || null]));
    }
    for (const e of errors) kafkaFailure(ctx.name, `broker ${e.nodeId}`, e.error);
    return errors.length > 0 ? EXIT_FAILURE : EXIT_OK;
  },
});

const del = subcommand({
  flags: {},
  parse(flags) {
    if (flags.positionals.length === 0) throw new UsageError('missing GROUP');
    return flags.positionals;
  },
  async run(ctx, groupIds) {
    const results = await ctx.client.deleteGroups(groupIds);
    if (ctx.options.format === 'json') printJson(results.map((r) => ({ groupId: r.groupId, error: errorJson(r.error) })));
    let failed = false;
    for (const r of results) {
      if (r.error !== null) {
        kafkaFailure(ctx.name, `group '${r.groupId}'`, r.error);
        failed = true;
      } else if (ctx.options.format === 'table') {
        process.stdout.write(`deleted group ${r.groupId}\n`);
      }
    }
    return failed ? EXIT_FAILURE : EXIT_OK;
  },
});

const COMMANDS: Readonly<Record<string, Subcommand>> = { list, describe: describeGroup, seek: seekGroup, delete: del };

export async function runGroup(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    (sub === undefined ? process.stderr : process.stdout).write(GROUP_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (!Object.hasOwn(COMMANDS, sub)) return usageFailure('freshet group', new UsageError(`unknown command '${sub}'`), GROUP_USAGE);
  return runSubcommand(`freshet group ${sub}`, rest, COMMANDS[sub], GROUP_USAGE);
}
