// DescribeAcls (29), versions 1-3; flexible from 2. Lists the ACL bindings matching a filter
// (KIP-140). Kafka 4 removed v0 (KIP-896); v1 added the resource pattern type (KIP-290: LITERAL,
// PREFIXED; the filter may also say ANY or MATCH), v3 the USER resource type (KIP-554).

import { api, array, int16, int32, int8, string, struct } from '../schema.ts';

/** PatternType.LITERAL: the spec default of every pattern type field. */
const LITERAL = 3;

export const DescribeAcls = api({
  apiKey: 29,
  name: 'DescribeAcls',
  versions: '1-3',
  flexible: '2+',
  request: struct({
    resourceTypeFilter: int8(),
    resourceNameFilter: string('0+', { nullable: '0+' }),
    patternTypeFilter: int8('1+', { default: LITERAL }),
    principalFilter: string('0+', { nullable: '0+' }),
    hostFilter: string('0+', { nullable: '0+' }),
    operation: int8(),
    permissionType: int8(),
  }),
  response: struct({
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string('0+', { nullable: '0+' }),
    resources: array(struct({
      resourceType: int8(),
      resourceName: string(),
      patternType: int8('1+', { default: LITERAL }),
      acls: array(struct({
        principal: string(),
        host: string(),
        operation: int8(),
        permissionType: int8(),
      })),
    })),
  }),
});
