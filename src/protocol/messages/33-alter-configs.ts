// AlterConfigs (33), versions 0-2; flexible from 2. Replaces a resource's whole config set;
// clients should prefer IncrementalAlterConfigs (44).

import { api, array, bool, int16, int32, int8, string, struct } from '../schema.ts';

export const AlterConfigs = api({
  apiKey: 33,
  name: 'AlterConfigs',
  versions: '0-2',
  flexible: '2+',
  request: struct({
    resources: array(struct({
      resourceType: int8(),
      resourceName: string(),
      configs: array(struct({
        name: string(),
        value: string('0+', { nullable: '0+' }),
      })),
    })),
    validateOnly: bool(),
  }),
  response: struct({
    throttleTimeMs: int32(),
    responses: array(struct({
      errorCode: int16(),
      errorMessage: string('0+', { nullable: '0+' }),
      resourceType: int8(),
      resourceName: string(),
    })),
  }),
});
