// The coordinator's settings and its named limits. Broker properties keep Kafka's names and
// defaults (src/config/properties.ts); the limits Kafka does not have are constants here.

import { intProp, type NodeConfig } from '../config/node-config.ts';

export interface GroupConfig {
  /** group.initial.rebalance.delay.ms: how long the first rebalance of an Empty group waits. */
  initialRebalanceDelayMs: number;
  /** group.min.session.timeout.ms / group.max.session.timeout.ms: else INVALID_SESSION_TIMEOUT. */
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** group.max.size: members (and joining members) per group; else GROUP_MAX_SIZE_REACHED. */
  maxSize: number;
  /** offsets.retention.minutes, in ms. */
  offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms. */
  offsetsRetentionCheckIntervalMs: number;
  /** offset.metadata.max.bytes: else OFFSET_METADATA_TOO_LARGE. */
  offsetMetadataMaxBytes: number;
  /** group.consumer.heartbeat.interval.ms: KIP-848 members heartbeat this often. */
  consumerHeartbeatIntervalMs: number;
  /** group.consumer.session.timeout.ms: a KIP-848 member silent this long is fenced. */
  consumerSessionTimeoutMs: number;
  /** group.consumer.max.size: members of one KIP-848 group; else GROUP_MAX_SIZE_REACHED. */
  consumerMaxSize: number;
}

/** What a group's own configs (the GROUP config resource, KIP-848) may override. */
export type GroupOverrides = Pick<GroupConfig, 'consumerSessionTimeoutMs' | 'consumerHeartbeatIntervalMs'>;

/** Groups one node coordinates; a new group beyond it is refused (COORDINATOR_NOT_AVAILABLE). */
export const GROUPS_PER_NODE_MAX = 100_000;
/** Protocols one member may offer in a JoinGroup (consumers offer a handful of assignors). */
export const PROTOCOLS_PER_MEMBER_MAX = 64;
/** Bytes of one member's protocol metadata (all protocols together); else INVALID_REQUEST. */
export const MEMBER_METADATA_BYTES_MAX = 1024 * 1024;
/** Bytes of one member's assignment in a SyncGroup; else INVALID_REQUEST. */
export const MEMBER_ASSIGNMENT_BYTES_MAX = 1024 * 1024;
/** Committed partitions one group may hold; more in one commit are refused per partition. */
export const OFFSETS_PER_GROUP_MAX = 1_000_000;
/**
 * KIP-394: a new member gets this long to come back with the member id it was given before
 * the pending entry expires (Kafka uses the session timeout too).
 */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;
/** Kafka's DescribeGroups/ListGroups type name of a classic group. */
export const CLASSIC = 'classic';

/** Kafka's default group.initial.rebalance.delay.ms; --dev uses DEV_INITIAL_REBALANCE_DELAY_MS. */
export const DEFAULT_INITIAL_REBALANCE_DELAY_MS = 3000;
/** --dev start: group members should not wait for a first rebalance delay. */
export const DEV_INITIAL_REBALANCE_DELAY_MS = 0;

export function groupConfigOf(c: NodeConfig): GroupConfig {
  const delayExplicit = c.explicit.has('group.initial.rebalance.delay.ms');
  return {
    initialRebalanceDelayMs: c.dev && !delayExplicit ? DEV_INITIAL_REBALANCE_DELAY_MS : intProp(c, 'group.initial.rebalance.delay.ms'),
    minSessionTimeoutMs: intProp(c, 'group.min.session.timeout.ms'),
    maxSessionTimeoutMs: intProp(c, 'group.max.session.timeout.ms'),
    maxSize: intProp(c, 'group.max.size'),
    offsetsRetentionMs: intProp(c, 'offsets.retention.minutes') * 60_000,
    offsetsRetentionCheckIntervalMs: intProp(c, 'offsets.retention.check.interval.ms'),
    offsetMetadataMaxBytes: intProp(c, 'offset.metadata.max.bytes'),
    consumerHeartbeatIntervalMs: intProp(c, 'group.consumer.heartbeat.interval.ms'),
    consumerSessionTimeoutMs: intProp(c, 'group.consumer.session.timeout.ms'),
    consumerMaxSize: intProp(c, 'group.consumer.max.size'),
  };
}

/** Kafka's defaults, for tests. */
export const DEFAULT_GROUP_CONFIG: GroupConfig = {
  initialRebalanceDelayMs: DEFAULT_INITIAL_REBALANCE_DELAY_MS,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 1_800_000,
  maxSize: 1000,
  offsetsRetentionMs: 10080 * 60_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
  consumerHeartbeatIntervalMs: 5000,
  consumerSessionTimeoutMs: 45_000,
  consumerMaxSize: 1000,
};
