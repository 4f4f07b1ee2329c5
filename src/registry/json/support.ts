// JSON Schema's SchemaSupport (schema-types.ts): Confluent's JsonSchemaProvider and JsonSchema
// (json-schema-provider/.../json/JsonSchema.java) for the registry. canonical() is
// JsonSchema.canonicalString(), Jackson's compact print of the schema's JSON; normalized() is
// JsonSchema.normalize().canonicalString(), the same with object keys sorted (Jackson's
// SortingNodeFactory); JSON has no other output format (JsonSchema.formattedString answers the
// canonical string for any format; the registry's contract asks for undefined then).

import type { CompatibilityVerdict, ParsedSchema, ParseOptions, SchemaResolver, SchemaSupport } from '../schema-types.ts';
import type { CompatibilityLevel, SchemaReference } from '../schemas-records.ts';
import { DiffLimitExceeded, diffSchemas } from './diff.ts';
import { COMPATIBLE_CHANGES, describeDifference, type DifferenceType } from './differences.ts';
import { printJson } from './json-text.ts';
import { ModelLoader, type Schema } from './model.ts';
import { readSchema, type ReadSchema } from './parse.ts';

/** Most previous schemas a transitive check reads (as Avro's levels.ts). */
export const PREVIOUS_SCHEMAS_MAX = 10_000;

export class ParsedJsonSchema implements ParsedSchema {
  readonly schemaType = 'JSON' as const;
  private model: Schema | undefined;

  constructor(readonly read: ReadSchema, readonly references: readonly SchemaReference[]) {}

  canonical(): string {
    return printJson(this.read.node, false);
  }

  normalized(): string {
    return printJson(this.read.node, true);
  }

  formatted(_format: string): string | undefined {
    return undefined;
  }

  /** The everit-like model SchemaDiff compares (model.ts), built on first use. */
  schema(): Schema {
    if (this.model === undefined) {
      const loader = new ModelLoader({ root: this.read.resolvable, byName: this.read.referenced }, this.read.draft);
      this.model = loader.load(this.read.resolvable);
    }
    return this.model;
  }
}

type Role = 'new' | 'old';

/**
 * JsonSchema.isBackwardCompatible: `reader` must read data written with `writer`; the
 * differences from writer (original) to reader (update) that the policy does not allow, each
 * as Difference.toString() with the roles filled in.
 */
export function readerWriterMessages(compatible: ReadonlySet<DifferenceType>, reader: ParsedJsonSchema, writer: ParsedJsonSchema, readerRole: Role): string[] {
  const writerRole: Role = readerRole === 'new' ? 'old' : 'new';
  try {
    return diffSchemas(compatible, writer.schema(), reader.schema())
      .filter((d) => !compatible.has(d.type))
      .map((d) => describeDifference(d, readerRole, writerRole));
  } catch (err) {
    if (err instanceof DiffLimitExceeded) return [err.message];
    throw err;
  }
}

/**
 * Confluent's levels (CompatibilityChecker): BACKWARD, the new schema reads the latest's data;
 * FORWARD, the latest reads the new one's; FULL both; *_TRANSITIVE against every previous
 * schema. `compatible` is the policy: Confluent's default for JSON is STRICT
 * (JsonSchema.isBackwardCompatible); COMPATIBLE_CHANGES.LENIENT is the other.
 */
export function checkJsonCompatibility(
  level: CompatibilityLevel,
  next: ParsedSchema,
  previousLatestFirst: readonly ParsedSchema[],
  compatible: ReadonlySet<DifferenceType> = COMPATIBLE_CHANGES.STRICT,
): CompatibilityVerdict {
  if (level === 'NONE' || previousLatestFirst.length === 0) return { compatible: true, messages: [] };
  if (previousLatestFirst.length > PREVIOUS_SCHEMAS_MAX) {
    return { compatible: false, messages: [`more than ${PREVIOUS_SCHEMAS_MAX} previous schemas to check`] };
  }
  if (!(next instanceof ParsedJsonSchema)) return { compatible: false, messages: ['Incompatible because of different schema type'] };
  const against = level.endsWith('_TRANSITIVE') ? previousLatestFirst : previousLatestFirst.slice(0, 1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const messages: string[] = [];
  for (const previous of against) {
    if (!(previous instanceof ParsedJsonSchema)) {
      messages.push('Incompatible because of different schema type');
      continue;
    }
    // FULL lists the old-reads-new findings first (SchemaValidatorBuilder.mutualReadStrategy).
    if (forward) for (const m of readerWriterMessages(compatible, previous, next, 'old')) messages.push(m);
    if (backward) for (const m of readerWriterMessages(compatible, next, previous, 'new')) messages.push(m);
    // SchemaValidatorBuilder.validateAll stops at the first previous schema that fails.
    if (messages.length > 0) break;
  }
  return { compatible: messages.length === 0, messages };
}

export const jsonSchemaSupport: SchemaSupport = {
  schemaType: 'JSON',
  parse(text: string, references: readonly SchemaReference[], resolve: SchemaResolver, options: ParseOptions) {
    const read = readSchema(text, references, resolve, options.isNew);
    if (!read.ok) return read;
    return { ok: true, schema: new ParsedJsonSchema(read.schema, references) };
  },
  checkCompatibility(level: CompatibilityLevel, next: ParsedSchema, previousLatestFirst: readonly ParsedSchema[]) {
    return checkJsonCompatibility(level, next, previousLatestFirst);
  },
};
