// `freshet group list|describe|seek|delete`: consumer group administration through the
// internal client. describe and seek have their own files.

import { positionals, UsageError } from './args.ts';
import { describeGroup } from './group-describe.ts';
import { seekGroup } from './group-seek.ts';
import { errorJson, EXIT_FAILURE, EXIT_OK, kafkaFailure, printJson, printTable, runCommandGroup, type Subcommand, subcommand } from './output.ts';

const list = subcommand({
  args: '',
  summary: 'every group with its state and protocol type',
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
  args: 'GROUP [GROUP ...]',
  summary: 'delete empty groups and their committed offsets',
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
  return runCommandGroup('freshet group', argv, COMMANDS);
}
