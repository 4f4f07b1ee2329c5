// Confluent's compatibility levels over a subject's history (CompatibilityChecker in
// confluentinc/schema-registry, and the "Schema Evolution and Compatibility" docs):
//   BACKWARD  the new schema reads data written with the latest one;
//   FORWARD   the latest schema reads data written with the new one;
//   FULL      both; *_TRANSITIVE the same against every previous schema, not only the latest;
//   NONE      no check.
// Reasons are printed as Confluent's Difference.error() prints them (verbose compatibility).

import type avro from 'avsc';
import { checkReaderWriter, type Incompatibility } from './compatibility.ts';

export const COMPATIBILITY_LEVELS = [
  'NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE',
] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export interface CompatibilityVerdict {
  readonly compatible: boolean;
  /** One line per incompatibility, in Confluent's verbose format; empty when compatible. */
  readonly messages: readonly string[];
}

/** Most previous schemas a transitive check reads: a subject's history is bounded here. */
export const PREVIOUS_SCHEMAS_MAX = 10_000;

/** Which schema is "new" and which "old" in Difference's "%s schema" placeholders. */
type Role = 'new' | 'old';

/** Confluent's Difference.error(), its %s filled with the reader's role, then the writer's. */
export function describe(inc: Incompatibility, reader: Role, writer: Role): string {
  const path = inc.location;
  let description: string;
  switch (inc.type) {
    case 'FIXED_SIZE_MISMATCH':
      description = `The size of FIXED type field at path '${path}' in the ${reader} schema does not match with the ${writer} schema`;
      break;
    case 'TYPE_MISMATCH':
      description = `The type (path '${path}') of a field in the ${reader} schema does not match with the ${writer} schema`;
      break;
    case 'NAME_MISMATCH':
      description = `The name of the schema has changed (path '${path}')`;
      break;
    case 'MISSING_ENUM_SYMBOLS':
      description = `The ${reader} schema is missing enum symbols '${inc.message}' at path '${path}' in the ${writer} schema`;
      break;
    case 'MISSING_UNION_BRANCH':
      description = `The ${reader} schema is missing a type inside a union field at path '${path}' in the ${writer} schema`;
      break;
    case 'READER_FIELD_MISSING_DEFAULT_VALUE':
      description = `The field '${inc.message}' at path '${path}' in the ${reader} schema has no default value and is missing in the ${writer} schema`;
      break;
  }
  return `{errorType:'${inc.type}', description:'${description}', additionalInfo:'${inc.message}'}`;
}

function readerWriterMessages(reader: avro.Type, writer: avro.Type, readerRole: Role): string[] {
  const result = checkReaderWriter(reader, writer);
  if (!result.ok) return [result.error];
  const writerRole: Role = readerRole === 'new' ? 'old' : 'new';
  return result.incompatibilities.map((inc) => describe(inc, readerRole, writerRole));
}

/**
 * The verdict for registering `next` under `level`, given the subject's previous schemas
 * latest first. With no previous schema every level is compatible.
 */
export function checkCompatibility(
  level: CompatibilityLevel,
  next: avro.Type,
  previousLatestFirst: readonly avro.Type[],
): CompatibilityVerdict {
  if (level === 'NONE' || previousLatestFirst.length === 0) return { compatible: true, messages: [] };
  if (previousLatestFirst.length > PREVIOUS_SCHEMAS_MAX) {
    return { compatible: false, messages: [`more than ${PREVIOUS_SCHEMAS_MAX} previous schemas to check`] };
  }
  const transitive = level.endsWith('_TRANSITIVE');
  const against = transitive ? previousLatestFirst : previousLatestFirst.slice(0, 1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const messages: string[] = [];
  for (const previous of against) {
    if (backward) messages.push(...readerWriterMessages(next, previous, 'new'));
    if (forward) messages.push(...readerWriterMessages(previous, next, 'old'));
  }
  return { compatible: messages.length === 0, messages };
}
