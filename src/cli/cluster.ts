// `freshet cluster info`: the brokers (Metadata), the controller, and the controller quorum
// (DescribeQuorum, KIP-595, as `kafka-metadata-quorum.sh describe --status --replication`
// shows it): voters and learners, the leader and its term, the high watermark, and per member
// its log end offset, its lag behind the leader and when the leader last heard from it.
// Exit 0 with a quorum that has a leader, or on a node that runs alone (it has none: said so);
// 1 when the quorum has no leader now or it did not answer (the brokers are printed first).

import { ErrorCode } from '../protocol/errors.ts';
import type { ClusterMetadata } from '../client/core.ts';
import type { QuorumInfo, QuorumReplica } from '../client/quorum.ts';
import { positionals } from './args.ts';
import { SYSTEM_IO } from './node-deps.ts';
import { errorJson, EXIT_OK, kafkaFailure, printJson, printTable, runCommandGroup, type Subcommand, subcommand } from './output.ts';

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

const COMMANDS: Readonly<Record<string, Subcommand>> = { info };

export function runCluster(argv: readonly string[]): Promise<number> {
  return runCommandGroup('freshet cluster', argv, COMMANDS);
}
