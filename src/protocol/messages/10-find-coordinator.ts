// FindCoordinator (10), versions 0-6; flexible from 3.
// v1 adds the key type (0 group, 1 transaction); v4 batches several keys in one request, so the
// single key and the single coordinator in the response are only on the wire up to v3 (KIP-699);
// v5 adds TRANSACTION_ABORTABLE (KIP-890); v6 share-group keys "groupId:topicId:partition"
// (key type 2, KIP-932).

import { api, array, int16, int32, int8, string, struct } from '../schema.ts';

export const FindCoordinator = api({
  apiKey: 10,
  name: 'FindCoordinator',
  versions: '0-6',
  flexible: '3+',
  request: struct({
    key: string('0-3'),
    keyType: int8('1+'),
    coordinatorKeys: array(string(), '4+'),
  }),
  response: struct({
    throttleTimeMs: int32('1+'),
    errorCode: int16('0-3'),
    errorMessage: string('1-3', { nullable: '1-3' }),
    nodeId: int32('0-3'),
    host: string('0-3'),
    port: int32('0-3'),
    coordinators: array(struct({
      key: string('4+'),
      nodeId: int32('4+'),
      host: string('4+'),
      port: int32('4+'),
      errorCode: int16('4+'),
      errorMessage: string('4+', { nullable: '4+' }),
    }), '4+'),
  }),
});
