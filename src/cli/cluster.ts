// `freshet cluster info`: the brokers (Metadata), the controller, and the controller quorum
// (DescribeQuorum, KIP-595, as `kafka-metadata-quorum.sh describe --status --replication`
// shows it): voters and learners, the leader and its term, the high watermark, and per member
// its log end offset, its lag behind the leader and when the leader last heard from it.
// Exit 0 with a quorum that has a leader, or on a node that runs alone (it has none: said so);
// 1 when the quorum has no leader now or it did not answer (the brokers are printed first).
//
// `freshet cluster health|config|maintenance|decommission`: the admin API, cluster-admin.ts.
//
// `freshet cluster add-voter NODE` / `remove-voter NODE`: the controller quorum's voters
// (KIP-853's AddRaftVoter / RemoveRaftVoter, as Admin.addRaftVoter and removeRaftVoter send
// them), e.g. to replace a dead seed: start the new node with the same --seeds (it joins as a
// learner), add it, remove the dead one. Retriable answers (a learner still catching up,
// another change pending, no controller now) are asked again for up to VOTER_CHANGE_WAIT_MS.

import { ErrorCode } from '../protocol/errors.ts';
import type { KafkaErr } from '../client/errors.ts';
import type { ClusterMetadata } from '../client/core.ts';
import type { QuorumInfo, QuorumReplica } from '../client/quorum.ts';
import { positionals, UsageError } from './args.ts';
import { SYSTEM_IO } from './node-deps.ts';
import { ADMIN_COMMANDS } from './cluster-admin.ts';
import { errorJson, EXIT_OK, type GroupEntry, kafkaFailure, printJson, printTable, runCommandGroup, subcommand } from './output.ts';

type Role = 'leader' | 'voter' | 'learner' | null;

interface MemberRow {
  nodeId: number;
  kafka: string | null;
  role: Role;
  logEndOffset: number | null;
  lag: number | null;
  lastFetchAgoMs: number | null;
}

const info = subcommand({
  args: '',
  summary: 'brokers, the controller, and the controller quorum: voters, learners, leader, term, each member\'s log end offset and lag',
  flags: {},
  parse: (flags) => positionals(flags, []),
  async run(ctx) {
    const md = await ctx.client.metadata([]);
    const q = await ctx.client.describeQuorum();
    const alone = q.error?.code === ErrorCode.INVALID_REQUEST;
    const rows = memberRows(md, q, SYSTEM_IO.clock.nowMs());
    if (ctx.options.format === 'json') {
      printJson({
        clusterId: md.clusterId,
        controllerId: md.controllerId,
        quorum: q.error === null ? { leaderId: q.leaderId, term: q.leaderEpoch, highWatermark: q.highWatermark } : null,
        error: errorJson(q.error),
        members: rows,
      });
    } else {
      process.stdout.write(`cluster ${md.clusterId ?? '-'}\n`);
      if (q.error === null) process.stdout.write(`controller: node ${q.leaderId} (term ${q.leaderEpoch}), metadata high watermark ${q.highWatermark}\n`);
      else if (alone) process.stdout.write(`controller: node ${md.controllerId}; no controller quorum: ${q.error.message ?? 'this node runs alone'}\n`);
      printTable(
        ['NODE', 'KAFKA', 'QUORUM', 'LOG-END', 'LAG', 'LAST-FETCH'],
        rows.map((r) => [r.nodeId, r.kafka, r.role, r.logEndOffset, r.lag, r.lastFetchAgoMs === null ? null : `${r.lastFetchAgoMs} ms ago`]),
      );
    }
    if (q.error !== null && !alone) return kafkaFailure(ctx.name, 'controller quorum', q.error);
    return EXIT_OK;
  },
});

/** One row per broker and quorum member, by node id. */
function memberRows(md: ClusterMetadata, q: QuorumInfo, nowMs: number): MemberRow[] {
  const leader = q.voters.find((v) => v.nodeId === q.leaderId);
  const role = new Map<number, { role: Role; r: QuorumReplica }>();
  for (const r of q.voters) role.set(r.nodeId, { role: r.nodeId === q.leaderId ? 'leader' : 'voter', r });
  for (const r of q.observers) role.set(r.nodeId, { role: 'learner', r });
  const ids = [...new Set([...md.brokers.map((b) => b.nodeId), ...role.keys()])].sort((a, b) => a - b);
  return ids.map((nodeId) => {
    const b = md.brokers.find((x) => x.nodeId === nodeId);
    const m = role.get(nodeId);
    const known = m !== undefined && m.r.logEndOffset >= 0;
    return {
      nodeId,
      kafka: b === undefined ? null : `${b.host}:${b.port}`,
      role: m?.role ?? null,
      logEndOffset: known ? m.r.logEndOffset : null,
      lag: known && leader !== undefined ? Math.max(0, leader.logEndOffset - m.r.logEndOffset) : null,
      lastFetchAgoMs: m !== undefined && m.r.lastFetchTimestampMs >= 0 ? Math.max(0, nowMs - m.r.lastFetchTimestampMs) : null,
    };
  });
}

/** How long add-voter and remove-voter ask again after a retriable answer. */
const VOTER_CHANGE_WAIT_MS = 60_000;
const VOTER_CHANGE_RETRY_MS = 500;
/** Answers that may change by themselves: a learner catching up, a change or an election under way. */
const RETRIABLE = new Set<number>([ErrorCode.REQUEST_TIMED_OUT, ErrorCode.NOT_CONTROLLER, ErrorCode.NOT_LEADER_OR_FOLLOWER]);

function voterChange(change: 'add' | 'remove') {
  return subcommand({
    args: 'NODE',
    summary:
      change === 'add'
        ? 'make NODE, a learner of the controller quorum (a node started with the same --seeds), a voter (KIP-853)'
        : 'take NODE out of the controller quorum\'s voters (KIP-853); stop the node afterwards to retire it',
    flags: {},
    parse(flags) {
      const [node] = positionals(flags, ['NODE']);
      if (!/^\d+$/.test(node)) throw new UsageError(`NODE must be a node id, not '${node}'`);
      return Number(node);
    },
    async run(ctx, nodeId) {
      const deadline = SYSTEM_IO.clock.monotonicMs() + VOTER_CHANGE_WAIT_MS;
      let error: KafkaErr | null = await ctx.client.changeVoter(change, nodeId);
      while (error !== null && RETRIABLE.has(error.code) && SYSTEM_IO.clock.monotonicMs() < deadline) {
        await Bun.sleep(VOTER_CHANGE_RETRY_MS);
        error = await ctx.client.changeVoter(change, nodeId);
      }
      if (ctx.options.format === 'json') printJson({ nodeId, change, error: errorJson(error) });
      if (error !== null) return kafkaFailure(ctx.name, `node ${nodeId}`, error);
      if (ctx.options.format === 'table') process.stdout.write(change === 'add' ? `node ${nodeId} is a voter of the controller quorum\n` : `node ${nodeId} is no longer a voter of the controller quorum\n`);
      return EXIT_OK;
    },
  });
}

// health, config, maintenance and decommission go through the admin API (cluster-admin.ts).
const COMMANDS: Readonly<Record<string, GroupEntry>> = { info, ...ADMIN_COMMANDS, 'add-voter': voterChange('add'), 'remove-voter': voterChange('remove') };

export function runCluster(argv: readonly string[]): Promise<number> {
  return runCommandGroup('freshet cluster', argv, COMMANDS);
}
