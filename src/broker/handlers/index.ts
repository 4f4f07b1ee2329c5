// The handler registry: the dispatch table and ApiVersions are both built from this list, so an
// API is served and advertised in exactly one place. One file per API key.

import type { AnyHandler } from '../handler.ts';
import produce from './00-produce.ts';
import fetch from './01-fetch.ts';
import listOffsets from './02-list-offsets.ts';
import metadata from './03-metadata.ts';
import offsetCommit from './08-offset-commit.ts';
import offsetFetch from './09-offset-fetch.ts';
import findCoordinator from './10-find-coordinator.ts';
import joinGroup from './11-join-group.ts';
import heartbeat from './12-heartbeat.ts';
import leaveGroup from './13-leave-group.ts';
import syncGroup from './14-sync-group.ts';
import describeGroups from './15-describe-groups.ts';
import listGroups from './16-list-groups.ts';
import saslHandshake from './17-sasl-handshake.ts';
import apiVersions from './18-api-versions.ts';
import createTopics from './19-create-topics.ts';
import deleteTopics from './20-delete-topics.ts';
import deleteRecords from './21-delete-records.ts';
import initProducerId from './22-init-producer-id.ts';
import offsetForLeaderEpoch from './23-offset-for-leader-epoch.ts';
import describeAcls from './29-describe-acls.ts';
import createAcls from './30-create-acls.ts';
import deleteAcls from './31-delete-acls.ts';
import describeConfigs from './32-describe-configs.ts';
import alterConfigs from './33-alter-configs.ts';
import describeLogDirs from './35-describe-log-dirs.ts';
import createPartitions from './37-create-partitions.ts';
import deleteGroups from './42-delete-groups.ts';
import electLeaders from './43-elect-leaders.ts';
import incrementalAlterConfigs from './44-incremental-alter-configs.ts';
import alterPartitionReassignments from './45-alter-partition-reassignments.ts';
import listPartitionReassignments from './46-list-partition-reassignments.ts';
import offsetDelete from './47-offset-delete.ts';
import describeQuorum from './55-describe-quorum.ts';
import describeCluster from './60-describe-cluster.ts';
import describeProducers from './61-describe-producers.ts';
import consumerGroupHeartbeat from './68-consumer-group-heartbeat.ts';
import consumerGroupDescribe from './69-consumer-group-describe.ts';
import addRaftVoter from './80-add-raft-voter.ts';
import removeRaftVoter from './81-remove-raft-voter.ts';

export const HANDLERS: readonly AnyHandler[] = [
  produce,
  fetch,
  listOffsets,
  metadata,
  offsetCommit,
  offsetFetch,
  findCoordinator,
  joinGroup,
  heartbeat,
  leaveGroup,
  syncGroup,
  describeGroups,
  listGroups,
  saslHandshake,
  apiVersions,
  createTopics,
  deleteTopics,
  deleteRecords,
  initProducerId,
  offsetForLeaderEpoch,
  describeAcls,
  createAcls,
  deleteAcls,
  describeConfigs,
  alterConfigs,
  describeLogDirs,
  createPartitions,
  deleteGroups,
  electLeaders,
  incrementalAlterConfigs,
  alterPartitionReassignments,
  listPartitionReassignments,
  offsetDelete,
  describeQuorum,
  describeCluster,
  describeProducers,
  consumerGroupHeartbeat,
  consumerGroupDescribe,
  addRaftVoter,
  removeRaftVoter,
].sort((a, b) => a.api.apiKey - b.api.apiKey);
