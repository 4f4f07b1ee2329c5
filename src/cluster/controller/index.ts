// The controller's metadata state machine (pure: no I/O, no clock, no timers; randomness only
// as an input). See README.md.

export * from './records.ts';
export { decodeRecord, encodeRecord, recordProblem } from './record-codec.ts';
export * from './metadata-batch.ts';
export * from './image.ts';
export { snapshotRecords } from './snapshot.ts';
export * from './proposal.ts';
export { placeReplicas, type UsableBroker } from './placement.ts';
export { createTopics, type CreateTopicsInputs, type CreateTopicsResponse } from './create-topics.ts';
export { createPartitions, type CreatePartitionsResponse } from './create-partitions.ts';
export { deleteTopics, type DeleteTopicsInputs, type DeleteTopicsResponse } from './delete-topics.ts';
export * from './configs.ts';
export * from './config-view.ts';
export * from './brokers.ts';
export * from './producer-ids.ts';
export * from './reassignments.ts';
export * from './maintenance.ts';
export * from './decommission.ts';
export { INTERNAL_TOPICS, OFFSETS_TOPIC, validateTopicName } from './topic-names.ts';
