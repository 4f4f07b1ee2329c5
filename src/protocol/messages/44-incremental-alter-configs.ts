// IncrementalAlterConfigs (44), versions 0-1; flexible from 1. Set, delete, append or subtract
// single config entries (KIP-339).

import { api, array, bool, int16, int32, int8, string, struct } from '../schema.ts';

export const IncrementalAlterConfigs = api({
  apiKey: 44,
  name: 'IncrementalAlterConfigs',
  versions: '0-1',
  flexible: '1+',
  request: struct({
    resources: array(struct({
      resourceType: int8(),
      resourceName: string(),
      configs: array(struct({
        name: string(),
        configOperation: int8(),
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
