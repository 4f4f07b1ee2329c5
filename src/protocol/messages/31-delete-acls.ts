// DeleteAcls (31), versions 1-3; flexible from 2. Removes the ACL bindings matching each filter
// (KIP-140); one result per filter, in request order, listing what it matched. Kafka 4 removed
// v0 (KIP-896); v1 added the resource pattern type (KIP-290), v3 the USER resource type
// (KIP-554).

import { api, array, int16, int32, int8, string, struct } from '../schema.ts';

/** PatternType.LITERAL: the spec default of every pattern type field. */
const LITERAL = 3;

export const DeleteAcls = api({
  apiKey: 31,
  name: 'DeleteAcls',
  versions: '1-3',
  flexible: '2+',
  request: struct({
    filters: array(struct({
      resourceTypeFilter: int8(),
      resourceNameFilter: string('0+', { nullable: '0+' }),
      patternTypeFilter: int8('1+', { default: LITERAL }),
      principalFilter: string('0+', { nullable: '0+' }),
      hostFilter: string('0+', { nullable: '0+' }),
      operation: int8(),
      permissionType: int8(),
    })),
  }),
  response: struct({
    throttleTimeMs: int32(),
    filterResults: array(struct({
      errorCode: int16(),
      errorMessage: string('0+', { nullable: '0+' }),
      matchingAcls: array(struct({
        errorCode: int16(),
        errorMessage: string('0+', { nullable: '0+' }),
        resourceType: int8(),
        resourceName: string(),
        patternType: int8('1+', { default: LITERAL }),
        principal: string(),
        host: string(),
        operation: int8(),
        permissionType: int8(),
      })),
    })),
  }),
});
