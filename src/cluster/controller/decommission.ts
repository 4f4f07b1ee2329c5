// Decommissioning a broker on the controller (Redpanda's members_frontend::decommission_node /
// recommission_node, members_table's membership_state active -> draining -> removed, and the
// partition balancer's reallocation of a draining node's replicas; src/v/cluster/
// members_table.cc, members_manager.cc). The controller writes the intent: the node's
// membership `draining` (placement stops choosing it, placement.ts via
// image.placeableBrokers) and, for every partition with a replica on it, a reassignment target
// replacing it (reassignments.ts: the partition's own group does the move with learners and
// membership changes, and its leader reports the voters). Once the node holds no replica, current
// or target, it is `removed` and unregistered in the same batch (`removeDrained`, run by the
// decommission itself, every voters report and every topic deletion): Metadata and /v1/brokers no longer list it, and it may not register again.
//
// Where Freshet differs from Redpanda, on purpose:
// - Redpanda accepts a decommission that cannot finish and reports allocation_failures while
//   it stays stuck; here it is refused at once, nothing written, naming the first partition no
//   live broker can take (issue 10: "refused with a clear 400 JSON error").
// - A replacement is an unfenced, active (not draining) registered broker that holds no replica
//   of the partition yet, the one with the fewest replicas (Redpanda's allocator weighs by
//   replica count too), ties by node id, counting the replicas this decommission already gave.
// - Recommission (draining -> active) also cancels the moves that take a replica off the node,
//   as Redpanda's recommission cancels the decommission's reallocations; the voters reached stay.

import { assert } from '../../base/assert.ts';
import { ErrorCode, type KafkaError, kafkaError } from '../../protocol/errors.ts';
import type { MetadataImage } from './image.ts';
import { invalidTransition, notFound, removeDrained } from './maintenance.ts';
import { type ControllerInputs, type ControllerResult, Proposal } from './proposal.ts';
import type { NodeId } from './records.ts';
import { reassignPartition } from './reassignments.ts';
import { checkManualAssignment, checkRoom } from './replica-checks.ts';

interface Move {
  readonly topic: string;
  readonly partition: number;
  readonly target: readonly NodeId[];
}

/** Why a known node id cannot change membership, or null when it may (or notFound). */
function memberProblem(image: MetadataImage, nodeId: NodeId): KafkaError | null {
  if (image.member(nodeId).membership === 'removed') return invalidTransition(nodeId, 'it was decommissioned and removed');
  return image.broker(nodeId) === undefined ? notFound(nodeId) : null;
}

/**
 * PUT /v1/brokers/{id}/decommission. `controllerVoters`: the controller quorum's voters, which
 * are refused: Redpanda also removes a decommissioned node from raft0, but a Freshet voter leaves
 * the quorum through RemoveRaftVoter (KIP-853), so the quorum's size stays a deliberate choice.
 */
export function decommissionBroker(image: MetadataImage, nodeId: NodeId, inputs: ControllerInputs, controllerVoters: readonly NodeId[]): ControllerResult<KafkaError | null> {
  const proposal = new Proposal(image);
  const problem = memberProblem(image, nodeId);
  if (problem !== null) return proposal.result(problem);
  if (controllerVoters.includes(nodeId)) {
    return proposal.result(
      kafkaError(
        ErrorCode.INVALID_REQUEST,
        `Node ${nodeId} is a voter of the controller quorum (voters ${controllerVoters.join(',')}): remove it with RemoveRaftVoter (freshet cluster remove-voter ${nodeId}) before decommissioning it`,
      ),
    );
  }
  if (image.member(nodeId).membership === 'draining') return proposal.result(invalidTransition(nodeId, 'it is already being decommissioned'));
  const planned = planMoves(image, nodeId);
  if ('error' in planned) return proposal.result(planned.error);
  const room = checkRoom(image, inputs, planned.gaining, `decommission node ${nodeId}`, ErrorCode.INVALID_REQUEST);
  if (room !== null) return proposal.result(room);
  if (!proposal.fits(planned.moves.length + 3)) return proposal.result(kafkaError(ErrorCode.INVALID_REQUEST, `Node ${nodeId} holds too many replicas to move in one decommission`));
  proposal.add({ type: 'broker_membership', nodeId, state: 'draining' });
  for (const m of planned.moves) {
    const e = reassignPartition(proposal, m.topic, m.partition, m.target, false, inputs);
    // Every check reassignPartition makes was made above (known partition, same size, room).
    assert(e === null, `decommission of node ${nodeId}: ${m.topic}-${m.partition} refused after planning: ${e?.message}`);
  }
  removeDrained(proposal);
  return proposal.result(null);
}

/** A target for every partition whose (target) replicas name `nodeId`, or the first one none can take. */
function planMoves(image: MetadataImage, nodeId: NodeId): { moves: Move[]; gaining: NodeId[][] } | { error: KafkaError } {
  const candidates = image.placeableBrokers().filter((b) => !b.fenced && b.nodeId !== nodeId).map((b) => b.nodeId);
  const load = new Map(candidates.map((id) => [id, image.replicasOn(id)]));
  const moves: Move[] = [];
  const gaining: NodeId[][] = [];
  for (const t of image.topics()) {
    for (let partition = 0; partition < t.partitions.length; partition++) {
      const p = t.partitions[partition];
      const base = p.targetReplicas ?? p.replicas;
      // Only in `replicas` of a move that already takes it off: that move removes it.
      if (!base.includes(nodeId)) continue;
      const taken = new Set([...p.replicas, ...base]);
      const free = candidates.filter((id) => !taken.has(id));
      if (free.length === 0) {
        return {
          error: kafkaError(
            ErrorCode.INVALID_REQUEST,
            `Cannot decommission node ${nodeId}: no other live, active broker can take its replica of ${t.name}-${partition} (replicas ${base.join(',')}); nothing was changed`,
          ),
        };
      }
      const to = free.reduce((best, id) => ((load.get(id) ?? 0) < (load.get(best) ?? 0) ? id : best));
      load.set(to, (load.get(to) ?? 0) + 1);
      const target = base.map((id) => (id === nodeId ? to : id));
      // A target naming a broker that left (unregistered) is refused as a manual assignment would be.
      const bad = checkManualAssignment(image, target, null);
      if (bad !== null) return { error: kafkaError(ErrorCode.INVALID_REQUEST, `Cannot decommission node ${nodeId}: ${t.name}-${partition} cannot move to ${target.join(',')}: ${bad.message} Nothing was changed`) };
      moves.push({ topic: t.name, partition, target });
      gaining.push([to]);
    }
  }
  return { moves, gaining };
}

/** PUT /v1/brokers/{id}/recommission: back to active while draining; the moves off it cancelled. */
export function recommissionBroker(image: MetadataImage, nodeId: NodeId, inputs: ControllerInputs): ControllerResult<KafkaError | null> {
  const proposal = new Proposal(image);
  const problem = memberProblem(image, nodeId);
  if (problem !== null) return proposal.result(problem);
  if (image.member(nodeId).membership !== 'draining') return proposal.result(invalidTransition(nodeId, 'it is not being decommissioned'));
  proposal.add({ type: 'broker_membership', nodeId, state: 'active' });
  for (const t of image.topics()) {
    for (let partition = 0; partition < t.partitions.length && proposal.fits(1); partition++) {
      const p = t.partitions[partition];
      if (p.targetReplicas !== null && p.replicas.includes(nodeId) && !p.targetReplicas.includes(nodeId)) {
        reassignPartition(proposal, t.name, partition, null, false, inputs);
      }
    }
  }
  return proposal.result(null);
}

/** One partition moving off the decommissioned node: where its replica goes. */
export interface DecommissionMove {
  readonly topic: string;
  readonly partition: number;
  /** The node that takes the replica, -1 when the move adds none or several. */
  readonly movingTo: NodeId;
}

export type DecommissionProgress =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'not_decommissioning' }
  | { readonly kind: 'progress'; readonly finished: boolean; readonly replicasLeft: number; readonly moves: readonly DecommissionMove[] };

/** GET /v1/brokers/{id}/decommission from the image (Redpanda's get_node_decommission_progress). */
export function decommissionProgress(image: MetadataImage, nodeId: NodeId): DecommissionProgress {
  if (!image.brokerHistory().some((b) => b.nodeId === nodeId)) return { kind: 'unknown' };
  const state = image.member(nodeId).membership;
  if (state === 'active') return { kind: 'not_decommissioning' };
  if (state === 'removed') return { kind: 'progress', finished: true, replicasLeft: 0, moves: [] };
  const moves: DecommissionMove[] = [];
  for (const t of image.topics()) {
    t.partitions.forEach((p, partition) => {
      if (p.targetReplicas === null || !p.replicas.includes(nodeId) || p.targetReplicas.includes(nodeId)) return;
      const added = p.targetReplicas.filter((id) => !p.replicas.includes(id));
      moves.push({ topic: t.name, partition, movingTo: added.length === 1 ? added[0] : -1 });
    });
  }
  return { kind: 'progress', finished: false, replicasLeft: image.replicasOn(nodeId), moves };
}
