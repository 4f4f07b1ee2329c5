// RemoveRaftVoter (81), version 0; flexible always (KIP-853): takes a voter out of the
// controller quorum. Sent by kafka-metadata-quorum.sh remove-controller through a broker, which
// forwards it to the active controller.

import { api, int16, int32, string, struct, uuid } from '../schema.ts';

export const RemoveRaftVoter = api({
  apiKey: 81,
  name: 'RemoveRaftVoter',
  versions: '0',
  flexible: '0+',
  request: struct({
    clusterId: string('0+', { nullable: '0+' }),
    voterId: int32(),
    voterDirectoryId: uuid(),
  }),
  response: struct({
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string('0+', { nullable: '0+' }),
  }),
});
