// Every API definition, by name, and ALL_APIS sorted by api key: the one registry that the
// dispatch table, ApiVersions and the protocol tests are built from.

import type { ApiDef } from '../schema.ts';
import { Produce } from './00-produce.ts';
import { Fetch } from './01-fetch.ts';
import { ListOffsets } from './02-list-offsets.ts';
import { Metadata } from './03-metadata.ts';
import { OffsetCommit } from './08-offset-commit.ts';
import { OffsetFetch } from './09-offset-fetch.ts';
import { FindCoordinator } from './10-find-coordinator.ts';
import { JoinGroup } from './11-join-group.ts';
import { Heartbeat } from './12-heartbeat.ts';
import { LeaveGroup } from './13-leave-group.ts';
import { SyncGroup } from './14-sync-group.ts';
import { DescribeGroups } from './15-describe-groups.ts';
import { ListGroups } from './16-list-groups.ts';
import { SaslHandshake } from './17-sasl-handshake.ts';
import { ApiVersions } from './18-api-versions.ts';
import { CreateTopics } from './19-create-topics.ts';
import { DeleteTopics } from './20-delete-topics.ts';
import { DeleteRecords } from './21-delete-records.ts';
import { InitProducerId } from './22-init-producer-id.ts';
import { OffsetForLeaderEpoch } from './23-offset-for-leader-epoch.ts';
import { DescribeAcls } from './29-describe-acls.ts';
import { CreateAcls } from './30-create-acls.ts';
import { DeleteAcls } from './31-delete-acls.ts';
import { DescribeConfigs } from './32-describe-configs.ts';
import { AlterConfigs } from './33-alter-configs.ts';
import { DescribeLogDirs } from './35-describe-log-dirs.ts';
import { CreatePartitions } from './37-create-partitions.ts';
import { DeleteGroups } from './42-delete-groups.ts';
import { ElectLeaders } from './43-elect-leaders.ts';
import { IncrementalAlterConfigs } from './44-incremental-alter-configs.ts';
import { AlterPartitionReassignments } from './45-alter-partition-reassignments.ts';
import { ListPartitionReassignments } from './46-list-partition-reassignments.ts';
import { OffsetDelete } from './47-offset-delete.ts';
import { DescribeQuorum } from './55-describe-quorum.ts';
import { DescribeCluster } from './60-describe-cluster.ts';
import { DescribeProducers } from './61-describe-producers.ts';
import { ConsumerGroupHeartbeat } from './68-consumer-group-heartbeat.ts';
import { ConsumerGroupDescribe } from './69-consumer-group-describe.ts';
import { AddRaftVoter } from './80-add-raft-voter.ts';
import { RemoveRaftVoter } from './81-remove-raft-voter.ts';

export {
  Produce,
  Fetch,
  ListOffsets,
  Metadata,
  OffsetCommit,
  OffsetFetch,
  FindCoordinator,
  JoinGroup,
  Heartbeat,
  LeaveGroup,
  SyncGroup,
  DescribeGroups,
  ListGroups,
  SaslHandshake,
  ApiVersions,
  CreateTopics,
  DeleteTopics,
  DeleteRecords,
  InitProducerId,
  OffsetForLeaderEpoch,
  DescribeAcls,
  CreateAcls,
  DeleteAcls,
  DescribeConfigs,
  AlterConfigs,
  DescribeLogDirs,
  CreatePartitions,
  DeleteGroups,
  ElectLeaders,
  IncrementalAlterConfigs,
  AlterPartitionReassignments,
  ListPartitionReassignments,
  OffsetDelete,
  DescribeQuorum,
  DescribeCluster,
  DescribeProducers,
  ConsumerGroupHeartbeat,
  ConsumerGroupDescribe,
  AddRaftVoter,
  RemoveRaftVoter,
};

export const ALL_APIS: readonly ApiDef[] = [
  Produce,
  Fetch,
  ListOffsets,
  Metadata,
  OffsetCommit,
  OffsetFetch,
  FindCoordinator,
  JoinGroup,
  Heartbeat,
  LeaveGroup,
  SyncGroup,
  DescribeGroups,
  ListGroups,
  SaslHandshake,
  ApiVersions,
  CreateTopics,
  DeleteTopics,
  DeleteRecords,
  InitProducerId,
  OffsetForLeaderEpoch,
  DescribeAcls,
  CreateAcls,
  DeleteAcls,
  DescribeConfigs,
  AlterConfigs,
  DescribeLogDirs,
  CreatePartitions,
  DeleteGroups,
  ElectLeaders,
  IncrementalAlterConfigs,
  AlterPartitionReassignments,
  ListPartitionReassignments,
  OffsetDelete,
  DescribeQuorum,
  DescribeCluster,
  DescribeProducers,
  ConsumerGroupHeartbeat,
  ConsumerGroupDescribe,
  AddRaftVoter,
  RemoveRaftVoter,
].sort((a, b) => a.apiKey - b.apiKey);
