// What Kafka answers where an authorizer would decide, while Freshet has none (a Kafka broker
// without `authorizer.class.name`). Every request is allowed; the answers that describe
// authorization say so the way Kafka does:
// - authorized operations (KIP-430): AuthHelper.authorizedOperations returns every operation the
//   resource type supports (AclEntry.supportedOperations) when no authorizer is configured, as a
//   bit field with bit N set for AclOperation code N (Utils.to32BitField). Not asked for, the
//   field keeps its schema default Integer.MIN_VALUE.
// - ACL APIs: SECURITY_DISABLED with AclApis' messages (authorizer = None).

/** The schema default of every *AuthorizedOperations field: "not asked for". */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** org.apache.kafka.common.acl.AclOperation codes. */
const AclOperation = {
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
} as const;

function bitField(operations: readonly number[]): number {
  return operations.reduce((bits, op) => bits | (1 << op), 0);
}

const A = AclOperation;
/** AclEntry.supportedOperations for the resource types our responses describe. */
const SUPPORTED_OPERATIONS = {
  topic: bitField([A.READ, A.WRITE, A.CREATE, A.DESCRIBE, A.DELETE, A.ALTER, A.DESCRIBE_CONFIGS, A.ALTER_CONFIGS]),
  group: bitField([A.READ, A.DESCRIBE, A.DELETE, A.DESCRIBE_CONFIGS, A.ALTER_CONFIGS]),
  cluster: bitField([A.CREATE, A.CLUSTER_ACTION, A.DESCRIBE_CONFIGS, A.ALTER_CONFIGS, A.IDEMPOTENT_WRITE, A.ALTER, A.DESCRIBE]),
} as const;

export type ResourceType = keyof typeof SUPPORTED_OPERATIONS;

/** The authorized-operations field for a resource: all it supports if asked, else the default. */
export function authorizedOperations(resource: ResourceType, requested: boolean): number {
  return requested ? SUPPORTED_OPERATIONS[resource] : AUTHORIZED_OPERATIONS_OMITTED;
}

/** AclApis.handleDescribeAcls without an authorizer. */
export const NO_AUTHORIZER_DESCRIBE_MESSAGE = 'No Authorizer is configured on the broker';
/** AclApis.handleCreateAcls / handleDeleteAcls: SecurityDisabledException's message. */
export const NO_AUTHORIZER_MESSAGE = 'No Authorizer is configured.';
