// CreateAcls (30), versions 1-3; flexible from 2. Adds ACL bindings (KIP-140); one result per
// creation, in request order. Kafka 4 removed v0 (KIP-896); v1 added the resource pattern type
// (KIP-290), v3 the USER resource type (KIP-554).

import { api, array, int16, int32, int8, string, struct } from '../schema.ts';

/** PatternType.LITERAL: the spec default of the pattern type. */
const LITERAL = 3;

export const CreateAcls = api({
  apiKey: 30,
  name: 'CreateAcls',
  versions: '1-3',
  flexible: '2+',
  request: struct({
    creations: array(struct({
      resourceType: int8(),
      resourceName: string(),
      resourcePatternType: int8('1+', { default: LITERAL }),
      principal: string(),
      host: string(),
      operation: int8(),
      permissionType: int8(),
    })),
  }),
  response: struct({
    throttleTimeMs: int32(),
    results: array(struct({
      errorCode: int16(),
      errorMessage: string('0+', { nullable: '0+' }),
    })),
  }),
});
