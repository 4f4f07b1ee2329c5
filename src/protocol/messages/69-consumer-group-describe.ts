// ConsumerGroupDescribe (69), version 0; flexible always. Describes groups of the new consumer
// protocol (KIP-848), with each member's current and target assignment.

import { api, array, bool, int16, int32, string, struct, structField, uuid } from '../schema.ts';

const TopicPartitions = struct({
  topicId: uuid(),
  topicName: string(),
  partitions: array(int32()),
});

const Assignment = struct({
  topicPartitions: array(TopicPartitions),
});

export const ConsumerGroupDescribe = api({
  apiKey: 69,
  name: 'ConsumerGroupDescribe',
  versions: '0',
  flexible: '0+',
  request: struct({
    groupIds: array(string()),
    includeAuthorizedOperations: bool(),
  }),
  response: struct({
    throttleTimeMs: int32(),
    groups: array(struct({
      errorCode: int16(),
      errorMessage: string('0+', { nullable: '0+', default: null }),
      groupId: string(),
      groupState: string(),
      groupEpoch: int32(),
      assignmentEpoch: int32(),
      assignorName: string(),
      members: array(struct({
        memberId: string(),
        instanceId: string('0+', { nullable: '0+', default: null }),
        rackId: string('0+', { nullable: '0+', default: null }),
        memberEpoch: int32(),
        clientId: string(),
        clientHost: string(),
        subscribedTopicNames: array(string()),
        subscribedTopicRegex: string('0+', { nullable: '0+', default: null }),
        assignment: structField(Assignment),
        targetAssignment: structField(Assignment),
      })),
      authorizedOperations: int32('0+', { default: -2147483648 }),
    })),
  }),
});
