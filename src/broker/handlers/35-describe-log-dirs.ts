// DescribeLogDirs (35) v1-4. This node has one log directory: its data directory, reported by
// absolute path as Kafka does (ReplicaManager.describeLogDirs).
// - A null topic list means every partition; otherwise only the partitions asked for that exist
//   here, and a topic none of whose partitions matched is left out.
// - Each partition's size is the bytes of its segments; offsetLag is 0 and isFutureKey false
//   (there are no replica moves between directories).
// - v3 adds the top-level error code; v4 total and usable bytes of the file system (KIP-827),
//   from statfs. If statfs fails the directory is answered with KAFKA_STORAGE_ERROR.

import * as path from 'node:path';
import { ErrorCode } from '../../protocol/errors.ts';
import { DescribeLogDirs } from '../../protocol/messages/index.ts';
import type { Encodable, RequestOf, ResponseOf } from '../../protocol/schema.ts';
import type { Broker } from '../broker.ts';
import { handler } from '../handler.ts';

type TopicOut = Encodable<ResponseOf<typeof DescribeLogDirs>['results'][number]['topics'][number]>;
type Wanted = RequestOf<typeof DescribeLogDirs>['topics'];

export default handler(DescribeLogDirs, (ctx, req) => {
  const broker = ctx.broker;
  const logDir = path.resolve(broker.config.dataDir);
  let space: { totalBytes: number; usableBytes: number };
  try {
    const s = broker.deps.fs.space(broker.config.dataDir);
    space = { totalBytes: s.totalBytes, usableBytes: s.availableBytes };
  } catch {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: [{ errorCode: ErrorCode.KAFKA_STORAGE_ERROR, logDir, topics: [] }],
    };
  }
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    results: [{ errorCode: ErrorCode.NONE, logDir, topics: describeTopics(broker, req.topics), ...space }],
  };
});

function describeTopics(broker: Broker, wanted: Wanted): TopicOut[] {
  const out: TopicOut[] = [];
  const add = (name: string, indexes: Iterable<number>): void => {
    const partitions = [];
    for (const i of indexes) {
      const p = broker.partition(name, i);
      if (!p) continue;
      partitions.push({ partitionIndex: i, partitionSize: p.log.sizeBytes, offsetLag: 0, isFutureKey: false });
    }
    if (partitions.length > 0) out.push({ name, partitions });
  };
  if (wanted === null) {
    // Offline partitions (damaged logs) are left out, as Kafka leaves out a failed directory's.
    for (const t of broker.topics.all()) add(t.name, broker.partitionsOf(t.name).map((p) => p.index));
    return out;
  }
  // Kafka collects the asked-for partitions into a set, so a topic listed twice is merged.
  const byTopic = new Map<string, Set<number>>();
  for (const t of wanted) {
    const set = byTopic.get(t.topic) ?? new Set<number>();
    for (const i of t.partitions) set.add(i);
    byTopic.set(t.topic, set);
  }
  for (const [name, indexes] of byTopic) add(name, [...indexes].sort((a, b) => a - b));
  return out;
}
