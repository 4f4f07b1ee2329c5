// Confluent's Schema Registry error codes and messages, as values the HTTP layer turns into
// responses ({"error_code": code, "message": message}).
// Source: confluentinc/schema-registry core/.../rest/exceptions/Errors.java (codes and message
// formats) and the exceptions it builds (RestInvalidVersionException, RestInvalidCompatibility-
// Exception, RestInvalidModeException, RestOperationNotPermittedException); the API spec
// (schema-registry-api-spec.yaml) names the same codes per route.

export const RegistryErrorCode = {
  SUBJECT_NOT_FOUND: 40401,
  VERSION_NOT_FOUND: 40402,
  SCHEMA_NOT_FOUND: 40403,
  SUBJECT_SOFT_DELETED: 40404,
  SUBJECT_NOT_SOFT_DELETED: 40405,
  SCHEMA_VERSION_SOFT_DELETED: 40406,
  SCHEMA_VERSION_NOT_SOFT_DELETED: 40407,
  SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED: 40408,
  SUBJECT_LEVEL_MODE_NOT_CONFIGURED: 40409,
  INVALID_SCHEMA: 42201,
  INVALID_VERSION: 42202,
  INVALID_COMPATIBILITY_LEVEL: 42203,
  INVALID_MODE: 42204,
  OPERATION_NOT_PERMITTED: 42205,
  INVALID_SUBJECT: 42208,
  INVALID_RULESET: 42210,
  REFERENCE_EXISTS: 42206,
  // Errors.SCHEMA_TOO_LARGE_ERROR_CODE: the store refused the record as too large.
  SCHEMA_TOO_LARGE: 42209,
  // Errors.INCOMPATIBLE_SCHEMA_ERROR_CODE: the HTTP status, 409, in every release up to 8.1;
  // Confluent's main branch changed it to 40901 with Associations (commit ef43652bfec, 2025-12).
  INCOMPATIBLE_SCHEMA: 409,
  // HTTP 500: the store failed (Errors.STORE_ERROR_CODE), timed out (OPERATION_TIMEOUT_ERROR_CODE),
  // or a write could not be completed on this node (REQUEST_FORWARDING_FAILED_ERROR_CODE: in
  // Confluent, forwarding to the leader failed; here, our writes kept losing to other nodes').
  STORE_ERROR: 50001,
  OPERATION_TIMEOUT: 50002,
  REQUEST_FORWARDING_FAILED: 50003,
} as const;

export type RegistryErrorCode = (typeof RegistryErrorCode)[keyof typeof RegistryErrorCode];

export interface RegistryError {
  readonly code: RegistryErrorCode;
  readonly message: string;
}

/** The default context's name in Confluent's messages (QualifiedSubject.qualifiedContextFor). */
const DEFAULT_CONTEXT = '.';

/** QualifiedSubject's context prefix (registry-writes.ts keeps the rule; repeated here so this
 *  file stays at the bottom of the folder's imports). */
const isContextQualified = (subject: string): boolean => /^:\.[^:]*:/.test(subject);

const e = (code: RegistryErrorCode, message: string): RegistryError => ({ code, message });

/** Message formats are Errors.java's, spaces and all (some lack one after the period). */
export const registryErrors = {
  subjectNotFound: (subject: string) => e(RegistryErrorCode.SUBJECT_NOT_FOUND, `Subject '${subject}' not found.`),
  versionNotFound: (version: number) => e(RegistryErrorCode.VERSION_NOT_FOUND, `Version ${version} not found.`),
  schemaNotFound: () => e(RegistryErrorCode.SCHEMA_NOT_FOUND, 'Schema not found'),
  schemaIdNotFound: (id: number) => e(RegistryErrorCode.SCHEMA_NOT_FOUND, `Schema ${id} not found`),
  subjectSoftDeleted: (subject: string) =>
    e(RegistryErrorCode.SUBJECT_SOFT_DELETED, `Subject '${subject}' was soft deleted.Set permanent=true to delete permanently`),
  subjectNotSoftDeleted: (subject: string) =>
    e(RegistryErrorCode.SUBJECT_NOT_SOFT_DELETED, `Subject '${subject}' was not deleted first before being permanently deleted`),
  schemaVersionSoftDeleted: (subject: string, version: number) =>
    e(RegistryErrorCode.SCHEMA_VERSION_SOFT_DELETED, `Subject '${subject}' Version ${version} was soft deleted.Set permanent=true to delete permanently`),
  schemaVersionNotSoftDeleted: (subject: string, version: number) =>
    e(RegistryErrorCode.SCHEMA_VERSION_NOT_SOFT_DELETED, `Subject '${subject}' Version ${version} was not deleted first before being permanently deleted`),
  subjectCompatibilityNotConfigured: (subject: string) =>
    e(RegistryErrorCode.SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED, `Subject '${subject}' does not have subject-level compatibility configured`),
  subjectModeNotConfigured: (subject: string) =>
    e(RegistryErrorCode.SUBJECT_LEVEL_MODE_NOT_CONFIGURED, `Subject '${subject}' does not have subject-level mode configured`),
  // RestInvalidVersionException: "The specified version '%s' is not a valid version id. Allowed
  // values are between [1, 2^31-1] and the string \"latest\""
  invalidVersion: (version: string) =>
    e(RegistryErrorCode.INVALID_VERSION, `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`),
  invalidCompatibilityLevel: () =>
    e(RegistryErrorCode.INVALID_COMPATIBILITY_LEVEL, `Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive`),
  // RestInvalidModeException's text; FORWARD is a Confluent Cloud mode we do not offer.
  invalidMode: () => e(RegistryErrorCode.INVALID_MODE, 'Invalid mode. Valid values are READWRITE, READONLY, IMPORT and FORWARD.'),
  readOnly: (subject: string | null) =>
    e(RegistryErrorCode.OPERATION_NOT_PERMITTED, `Subject ${subject ?? ''} in context ${DEFAULT_CONTEXT} is in read-only mode`),
  notImportMode: (subject: string) =>
    e(RegistryErrorCode.OPERATION_NOT_PERMITTED, `Subject ${subject} in context ${DEFAULT_CONTEXT} is not in import mode`),
  notReadWriteMode: (subject: string) =>
    e(RegistryErrorCode.OPERATION_NOT_PERMITTED, `Subject ${subject} in context ${DEFAULT_CONTEXT} is not in read-write mode`),
  idInUse: (id: number) =>
    e(RegistryErrorCode.OPERATION_NOT_PERMITTED, `Overwrite new schema with id ${id} in context ${DEFAULT_CONTEXT} is not permitted.`),
  // Ours, in the form of idInUse: a version another schema holds live (registry-state.ts putVersion).
  versionInUse: (subject: string, version: number) =>
    e(RegistryErrorCode.OPERATION_NOT_PERMITTED, `Overwrite new schema with version ${version} of subject ${subject} in context ${DEFAULT_CONTEXT} is not permitted.`),
  importWithSubjects: () => e(RegistryErrorCode.OPERATION_NOT_PERMITTED, 'Cannot import since found existing subjects'),
  // RestInvalidSubjectException's text, its missing word and all.
  invalidSubject: (subject: string) =>
    e(RegistryErrorCode.INVALID_SUBJECT, `The specified subject '${subject}' is not a valid.${isContextQualified(subject) ? ' Schema contexts are not supported by this registry.' : ''}`),
  // Features not built answer at once, so a client fails instead of losing what it sent.
  ruleSetNotSupported: () => e(RegistryErrorCode.INVALID_RULESET, 'Invalid ruleSet: rule sets are not supported by this registry'),
  metadataNotSupported: (field: string) => e(RegistryErrorCode.INVALID_SCHEMA, `Invalid schema: ${field} is not supported by this registry`),
  // RestReferenceExistsException: the SchemaKey's toString, as KafkaSchemaRegistry passes it.
  referenceExists: (subject: string, version: number) =>
    e(RegistryErrorCode.REFERENCE_EXISTS, `One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=${subject},version=${version}}.`),
  // SubjectVersionsResource.register's IncompatibleSchemaException text; details is Java's
  // List.toString of the checker's messages.
  incompatibleSchema: (subject: string, messages: readonly string[]) =>
    e(RegistryErrorCode.INCOMPATIBLE_SCHEMA, `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${messages.join(', ')}]`),
  invalidSchema: (message: string) => e(RegistryErrorCode.INVALID_SCHEMA, message),
  versionNotNext: () => e(RegistryErrorCode.INVALID_SCHEMA, 'Version is not one more than previous version'),
  // The 500s carry the store's own words (Confluent passes the exception's message through).
  // KafkaSchemaRegistry.register's message for an EntryTooLargeException (RecordTooLargeException).
  schemaTooLarge: () => e(RegistryErrorCode.SCHEMA_TOO_LARGE, 'Write failed because schema is too large'),
  storeError: (message: string) => e(RegistryErrorCode.STORE_ERROR, message),
  operationTimeout: (message: string) => e(RegistryErrorCode.OPERATION_TIMEOUT, message),
  requestForwardingFailed: (message: string) => e(RegistryErrorCode.REQUEST_FORWARDING_FAILED, message),
};
