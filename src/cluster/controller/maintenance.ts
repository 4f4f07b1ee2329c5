// Maintenance mode of a broker on the controller (Redpanda's members_table::apply(
// maintenance_mode_cmd) and the admin handler start_broker_maintenance_handler,
// src/v/cluster/members_table.cc and src/v/redpanda/admin/server.cc): the flag is cluster
// metadata (a `broker_maintenance` record), so every node sees it and it outlives restarts and
// controller failover. Draining the leadership is each leader's work (src/broker/maintenance.ts):
// the controller holds the intent only, as it does for reassignments.
//
// Redpanda's rules, kept:
// - an unknown node: node_does_not_exists, answered 404 "broker with id N not found";
// - enabling on a cluster of fewer than two brokers: 400 "Maintenance mode may not be used on a
//   single node cluster" (the admin handler's check; there is nobody to hand leadership to);
// - one node at a time: enabling while another node is in maintenance is invalid_node_operation,
//   answered 400 "can not update broker N state, invalid state transition requested" (we add
//   which node holds the mode);
// - enabling when on, disabling when off: success, nothing written.
// `removeDrained` (the last step of decommission.ts) is here so that reassignments.ts, whose
// voters reports empty a draining node, can call it without an import cycle.

import { ErrorCode, type KafkaError, kafkaError } from '../../protocol/errors.ts';
import type { MetadataImage } from './image.ts';
import { type ControllerResult, Proposal } from './proposal.ts';
import type { NodeId } from './records.ts';

/** Redpanda's throw_on_error text for node_does_not_exists (404 in the admin API). */
export const notFound = (nodeId: NodeId): KafkaError => kafkaError(ErrorCode.BROKER_ID_NOT_REGISTERED, `broker with id ${nodeId} not found`);

/** Redpanda's throw_on_error text for invalid_node_operation (400), with why. */
export const invalidTransition = (nodeId: NodeId, why: string): KafkaError =>
  kafkaError(ErrorCode.INVALID_REQUEST, `can not update broker ${nodeId} state, invalid state transition requested: ${why}`);

/** PUT (enabled) or DELETE /v1/brokers/{id}/maintenance: the record, or why not (nothing written). */
export function setMaintenance(image: MetadataImage, nodeId: NodeId, enabled: boolean): ControllerResult<KafkaError | null> {
  const proposal = new Proposal(image);
  if (image.broker(nodeId) === undefined) return proposal.result(notFound(nodeId));
  const current = image.member(nodeId).maintenance;
  if (current === enabled) return proposal.result(null);
  if (enabled) {
    if (image.brokers().length < 2) return proposal.result(kafkaError(ErrorCode.INVALID_REQUEST, 'Maintenance mode may not be used on a single node cluster'));
    const other = image.inMaintenance().find((id) => id !== nodeId);
    if (other !== undefined) return proposal.result(invalidTransition(nodeId, `node ${other} is already in maintenance mode (one node at a time)`));
  }
  proposal.add({ type: 'broker_maintenance', nodeId, enabled });
  return proposal.result(null);
}

/**
 * Every draining node that holds no replica, current or target, is removed: unregistered (no
 * longer listed) and marked `removed`. Run in the batch of each decommission and voters report,
 * the records that can empty a node.
 */
export function removeDrained(proposal: Proposal): void {
  const image = proposal.image;
  for (const [nodeId, m] of image.members()) {
    if (m.membership !== 'draining' || image.replicasOn(nodeId) > 0 || !proposal.fits(3)) continue;
    const b = image.broker(nodeId);
    if (b !== undefined) proposal.add({ type: 'unregister_broker', nodeId, brokerEpoch: b.brokerEpoch });
    if (m.maintenance) proposal.add({ type: 'broker_maintenance', nodeId, enabled: false });
    proposal.add({ type: 'broker_membership', nodeId, state: 'removed' });
  }
}
