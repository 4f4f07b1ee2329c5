// DescribeCluster (60), versions 0-2; flexible always (KIP-700).
// v1 adds the endpoint type, so a client can ask for controllers instead of brokers (KIP-919);
// v2 can include fenced brokers (KIP-1073).

import { api, array, bool, int16, int32, int8, string, struct } from '../schema.ts';

export const DescribeCluster = api({
  apiKey: 60,
  name: 'DescribeCluster',
  versions: '0-2',
  flexible: '0+',
  request: struct({
    includeClusterAuthorizedOperations: bool(),
    endpointType: int8('1+', { default: 1 }),
    includeFencedBrokers: bool('2+'),
  }),
  response: struct({
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string('0+', { nullable: '0+', default: null }),
    endpointType: int8('1+', { default: 1 }),
    clusterId: string(),
    controllerId: int32('0+', { default: -1 }),
    brokers: array(struct({
      brokerId: int32(),
      host: string(),
      port: int32(),
      rack: string('0+', { nullable: '0+', default: null }),
      isFenced: bool('2+'),
    })),
    clusterAuthorizedOperations: int32('0+', { default: -2147483648 }),
  }),
});
