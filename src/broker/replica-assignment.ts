// Manual replica assignments (CreateTopics 19 and CreatePartitions 37 both take them), checked
// as Kafka's controller checks them.

import { ErrorCode, type KafkaError, kafkaError } from '../protocol/errors.ts';

/**
 * One partition's manual replica list, checked as ReplicationControlManager
 * .validateManualPartitionAssignment does; here the only registered broker is this node.
 */
export function checkManualAssignment(nodeId: number, brokerIds: readonly number[]): KafkaError | null {
  if (brokerIds.length === 0) {
    return kafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes an empty replica list.');
  }
  const sorted = [...brokerIds].sort((a, b) => a - b);
  let prev: number | null = null;
  for (const id of sorted) {
    if (id !== nodeId) {
      return kafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `The manual partition assignment includes broker ${id}, but no such broker is registered. (This build runs a single node, id ${nodeId}.)`,
      );
    }
    if (id === prev) {
      return kafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes the broker ${id} more than once.`);
    }
    prev = id;
  }
  return null;
}
