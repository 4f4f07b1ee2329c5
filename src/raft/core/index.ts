// The Raft core's public surface. See README.md.

export { type RaftConfig, type RaftConfigInput, type RandomSource, RAFT_DEFAULTS, raftConfig } from './config.ts';
export type { MembershipChangeResult, ProposeResult, TransferResult } from './leader.ts';
export { MemoryRaftStorage } from './memory-storage.ts';
export { applyChange, isMember, isVoter, membership, type MembershipChange } from './membership.ts';
export type * from './messages.ts';
export { type FollowerStatus, RaftNode, type Ready, type Status } from './raft-node.ts';
export type { InitialState, RaftStorage } from './storage.ts';
export * from './types.ts';
export { describeEntries, describeEntry, describeMembership, describeMessage } from './describe.ts';
