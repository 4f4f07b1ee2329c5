// Replica placement for new partitions: Kafka's StripedReplicaPlacer (apache/kafka
// metadata/.../placement/StripedReplicaPlacer.java) with every broker in one rack, which is
// what it does on a cluster without broker.rack. Racks are stored with a registration but not
// used here yet.
//
// Brokers are taken in id order, unfenced ones first. Partition p's replicas are the brokers
// from a cursor on, one after another, and the cursor moves one broker per partition, so the
// first replicas (the preferred leaders) go round the brokers: over any n consecutive
// partitions on n unfenced brokers each leads exactly once, and replicas spread the same way
// (the "striped" pattern). After each full round the order is shuffled, as Kafka does, so the
// same sets of brokers are not repeated round after round. The first replica is never fenced.
// Where the first round starts is drawn from `random` for a new topic; new partitions of an
// existing topic continue after its last partition's leader (Kafka's tryGetPreviousBrokerOffset).
//
// Kafka's constraints stay: at most one replica per broker (a replication factor above the
// registered brokers cannot be placed) and an unfenced leader (all fenced: nothing placed).

import type { Random } from '../../base/random.ts';
import type { NodeId } from './records.ts';

export interface UsableBroker {
  readonly nodeId: NodeId;
  readonly fenced: boolean;
}

/** One list of brokers, read round-robin from an offset that moves once per placement round. */
class BrokerCursor {
  private index = 0;
  private epoch = 0;

  constructor(
    readonly ids: NodeId[],
    private offset: number,
  ) {}

  /** The next broker of this placement round (`epoch`), or -1 when the list is used up. */
  next(epoch: number): NodeId {
    if (this.ids.length === 0) return -1;
    if (this.epoch !== epoch) {
      this.epoch = epoch;
      this.index = 0;
      this.offset = (this.offset + 1) % this.ids.length;
    }
    if (this.index >= this.ids.length) return -1;
    return this.ids[(this.index++ + this.offset) % this.ids.length];
  }
}

/**
 * `count` replica lists of `replicationFactor` distinct brokers each, or why none can be made
 * (Kafka's InvalidReplicationFactorException messages). `afterLeader`: the preferred leader of
 * the topic's last partition, for CreatePartitions.
 */
export function placeReplicas(
  brokers: readonly UsableBroker[],
  count: number,
  replicationFactor: number,
  random: Random,
  afterLeader: NodeId | null = null,
): NodeId[][] | { error: string } {
  if (replicationFactor <= 0) return { error: `Invalid replication factor ${replicationFactor}: the replication factor must be positive.` };
  const unfenced = brokers.filter((b) => !b.fenced).map((b) => b.nodeId).sort((a, b) => a - b);
  const fenced = brokers.filter((b) => b.fenced).map((b) => b.nodeId).sort((a, b) => a - b);
  if (unfenced.length === 0) return { error: 'All brokers are currently fenced.' };
  if (replicationFactor > brokers.length) {
    return { error: `The target replication factor of ${replicationFactor} cannot be reached because only ${brokers.length} broker(s) are registered.` };
  }
  const previous = afterLeader === null ? -1 : unfenced.indexOf(afterLeader);
  const first = new BrokerCursor(unfenced, previous >= 0 ? (previous + 1) % unfenced.length : randomIndex(random, unfenced.length));
  const rest = new BrokerCursor(fenced, randomIndex(random, fenced.length));
  const out: NodeId[][] = [];
  let epoch = 0;
  for (let p = 0; p < count; p++) {
    // A full round placed: shuffle, so the next round does not repeat the same replica sets.
    // Never with one unfenced broker, whose round is every partition.
    if (epoch === unfenced.length && unfenced.length > 1) {
      shuffle(first.ids, random);
      shuffle(rest.ids, random);
      epoch = 0;
    }
    const replicas = [first.next(epoch)];
    while (replicas.length < replicationFactor) {
      const id = first.next(epoch);
      replicas.push(id >= 0 ? id : rest.next(epoch));
    }
    out.push(replicas);
    epoch++;
  }
  return out;
}

function randomIndex(random: Random, n: number): number {
  return n === 0 ? 0 : Math.min(n - 1, Math.floor(random.next() * n));
}

/** Fisher-Yates, from `random` (Collections.shuffle in Kafka). */
function shuffle(ids: NodeId[], random: Random): void {
  for (let i = ids.length - 1; i > 0; i--) {
    const j = randomIndex(random, i + 1);
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
}
