// AddRaftVoter (80), version 0; flexible always (KIP-853): makes an observer of the controller
// quorum (a learner here) a voter. Sent by kafka-metadata-quorum.sh add-controller through a
// broker, which forwards it to the active controller.

import { api, array, int16, int32, string, struct, uint16, uuid } from '../schema.ts';

export const AddRaftVoter = api({
  apiKey: 80,
  name: 'AddRaftVoter',
  versions: '0',
  flexible: '0+',
  request: struct({
    clusterId: string('0+', { nullable: '0+' }),
    timeoutMs: int32(),
    voterId: int32(),
    voterDirectoryId: uuid(),
    listeners: array(struct({
      name: string(),
      host: string(),
      port: uint16(),
    })),
  }),
  response: struct({
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string('0+', { nullable: '0+' }),
  }),
});
