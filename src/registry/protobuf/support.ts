// The registry's Protobuf support (SchemaSupport, schema-types.ts): parse, the strings the
// registry stores and compares, and Confluent's compatibility verdicts.
//
// Levels, as Confluent's SchemaValidatorBuilder applies them (client/.../SchemaValidatorBuilder
// .java) over ProtobufSchema.isBackwardCompatible (SchemaDiff.compare(previous, this)):
//   BACKWARD  canRead:     diff(writer = old, reader = new), messages "%s" = new, old;
//   FORWARD   canBeRead:   diff(writer = new, reader = old), messages "%s" = old, new;
//   FULL      mutualRead:  the FORWARD messages, then the BACKWARD ones;
//   *_TRANSITIVE against every previous schema, latest first, stopping at the first that fails
//   (validateAll); the others against the latest only (validateLatest); NONE: no check.
// Messages are Difference.toString(): {errorType:"TYPE", description:"..."}. Confluent appends
// {oldSchemaVersion: n} and {oldSchema: '...'} lines; the versions are the caller's, not here.

import { RegistryErrorCode } from '../registry-errors.ts';
import type { CompatibilityLevel, SchemaReference } from '../schemas-records.ts';
import type { CompatibilityVerdict, ParseOptions, ParseOutcome, ParsedSchema, SchemaResolver, SchemaSupport } from '../schema-types.ts';
import { serializedDescriptor } from './descriptor-build.ts';
import { COMPATIBLE_CHANGES, compareSchemas, type Difference, type DifferenceType } from './diff.ts';
import { PROTO_CHARS_MAX } from './parser.ts';
import { canonicalOf, ignoreExtensionsOf, normalizedOf, parseProtobufSchema, type ProtobufSchemaValue } from './schema.ts';

/** Most previous schemas a transitive check reads. */
export const PREVIOUS_SCHEMAS_MAX = 10_000;

/** Confluent's "different schema type" message (SchemaValidatorBuilder.DIFFERENT_SCHEMA_TYPE). */
export const DIFFERENT_SCHEMA_TYPE = 'Incompatible because of different schema type';

export class ParsedProtobufSchema implements ParsedSchema {
  readonly schemaType = 'PROTOBUF' as const;
  private canonicalText: string | undefined;
  private normalizedText: string | undefined;

  constructor(readonly value: ProtobufSchemaValue) {}

  get references(): readonly SchemaReference[] {
    return this.value.references;
  }

  canonical(): string {
    this.canonicalText ??= canonicalOf(this.value);
    return this.canonicalText;
  }

  normalized(): string {
    this.normalizedText ??= normalizedOf(this.value);
    return this.normalizedText;
  }

  /** ProtobufSchema.formattedString: "default", "ignore_extensions", "serialized" (a base64
   *  FileDescriptorProto, descriptor-build.ts); undefined for any other format (the caller
   *  answers the stored schema, as Confluent answers canonicalString() for unknown formats). */
  formatted(format: string): string | undefined {
    const f = format.trim().toLowerCase();
    if (f === '' || f === 'default') return this.canonical();
    if (f === 'ignore_extensions') return ignoreExtensionsOf(this.value);
    if (f === 'serialized') return serializedDescriptor(this.value.file, this.value.index);
    return undefined;
  }
}

/** Difference.error(): the description, its two "%s" the reader's role, then the writer's. */
export function describe(d: Difference, reader: string, writer: string): string {
  const p = d.fullPath;
  switch (d.type) {
    case 'PACKAGE_CHANGED':
      return `The package at '${p}' in the ${reader} schema does not match the package in the ${writer} schema`;
    case 'MESSAGE_REMOVED':
      return `The ${reader} schema is missing a MESSAGE type at path '${p}' in the ${writer} schema`;
    case 'FIELD_KIND_CHANGED':
      return `The type of a field at path '${p}' in the ${reader} schema does not match the ${writer} schema`;
    case 'FIELD_SCALAR_KIND_CHANGED':
      return `The kind of a SCALAR field at path '${p}' in the ${reader} schema does not match its kind in the ${writer} schema`;
    case 'FIELD_NAMED_TYPE_CHANGED':
      return `The type of a MESSAGE field at path '${p}' in the ${reader} schema does not match its type in the ${writer} schema`;
    case 'FIELD_NUMERIC_LABEL_CHANGED':
      return `The label for a NUMERIC field at path '${p}' in the ${reader} schema does not match its label in the ${writer} schema`;
    case 'REQUIRED_FIELD_ADDED':
      // Two spaces after "field" as in Difference.java.
      return `A required field  at path '${p}' in the ${reader} schema is missing in the ${writer} schema`;
    case 'REQUIRED_FIELD_REMOVED':
      return `The ${reader} schema is missing a required field at path: '${p}' in the ${writer} schema`;
    case 'ONEOF_FIELD_REMOVED':
      return `The ${reader} schema is missing a oneof field at path '${p}' in the ${writer} schema`;
    case 'ONEOF_FIELD_MOVED_TO_TOP_LEVEL':
      return `The oneof field at path '${p}' in the ${reader} schema was moved out of its oneof to a top-level field in the ${writer} schema`;
    case 'MULTIPLE_FIELDS_MOVED_TO_ONEOF':
      return `Multiple fields in the oneof at path '${p}' in the ${reader} schema are outside a oneof in the ${writer} schema`;
    case 'FIELD_MOVED_TO_EXISTING_ONEOF':
      return `A field in the oneof at path '${p}' in the ${reader} schema is outside an existing oneof in the ${writer} schema`;
    default:
      return '';
  }
}

/** Difference.toString(). */
export function differenceMessage(d: Difference, reader: string, writer: string): string {
  return `{errorType:"${d.type}", description:"${describe(d, reader, writer)}"}`;
}

/** ProtobufSchema.isBackwardCompatible(previous) seen from `reader`: the incompatible
 *  differences from the writer's schema to the reader's, as messages. */
function readerMessages(reader: ProtobufSchemaValue, writer: ProtobufSchemaValue, readerRole: string, writerRole: string, compatible: ReadonlySet<DifferenceType>): string[] {
  const result = compareSchemas(
    { types: writer.file.types, packageName: writer.file.packageName ?? '', index: writer.index },
    { types: reader.file.types, packageName: reader.file.packageName ?? '', index: reader.index },
  );
  if (!result.ok) return [result.message];
  return result.differences.filter((d) => !compatible.has(d.type)).map((d) => differenceMessage(d, readerRole, writerRole));
}

function pairMessages(level: CompatibilityLevel, next: ProtobufSchemaValue, previous: ProtobufSchemaValue, compatible: ReadonlySet<DifferenceType>): string[] {
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const messages: string[] = [];
  if (forward) messages.push(...readerMessages(previous, next, 'old', 'new', compatible));
  if (backward) messages.push(...readerMessages(next, previous, 'new', 'old', compatible));
  return messages;
}

/** The verdict for `next` under `level`; `compatible` is SchemaDiff.COMPATIBLE_CHANGES (a test
 *  passes a changed set to show the compatibility table can fail). */
export function checkProtobufCompatibility(
  level: CompatibilityLevel,
  next: ParsedSchema,
  previousLatestFirst: readonly ParsedSchema[],
  compatible: ReadonlySet<DifferenceType> = COMPATIBLE_CHANGES,
): CompatibilityVerdict {
  if (level === 'NONE' || previousLatestFirst.length === 0) return { compatible: true, messages: [] };
  if (!(next instanceof ParsedProtobufSchema)) return { compatible: false, messages: [DIFFERENT_SCHEMA_TYPE] };
  if (previousLatestFirst.length > PREVIOUS_SCHEMAS_MAX) {
    return { compatible: false, messages: [`more than ${PREVIOUS_SCHEMAS_MAX} previous schemas to check`] };
  }
  const against = level.endsWith('_TRANSITIVE') ? previousLatestFirst : previousLatestFirst.slice(0, 1);
  for (const previous of against) {
    const messages = previous instanceof ParsedProtobufSchema ? pairMessages(level, next.value, previous.value, compatible) : [DIFFERENT_SCHEMA_TYPE];
    if (messages.length > 0) return { compatible: false, messages };
  }
  return { compatible: true, messages: [] };
}

/** ProtobufSchemaProvider.parseSchemaOrElseThrow's message: "Invalid schema of type PROTOBUF,
 *  details: ..." (the detail is our parser's or protobufjs's, not Wire's). */
function invalid(detail: string): ParseOutcome {
  return { ok: false, error: { code: RegistryErrorCode.INVALID_SCHEMA, message: `Invalid schema of type PROTOBUF, details: ${detail}` } };
}

export const protobufSupport: SchemaSupport = {
  schemaType: 'PROTOBUF',
  // ParseOptions.isNew changes nothing here: Confluent's Protobuf validation is the same for new
  // and stored schemas (isNew only stops it looking up soft-deleted references, which is the
  // resolver's business).
  parse(text: string, references: readonly SchemaReference[], resolve: SchemaResolver, _options: ParseOptions): ParseOutcome {
    if (text.length > PROTO_CHARS_MAX) return invalid(`schema longer than ${PROTO_CHARS_MAX} characters`);
    const parsed = parseProtobufSchema(text, references, resolve);
    if (!parsed.ok) return invalid(parsed.detail);
    return { ok: true, schema: new ParsedProtobufSchema(parsed.schema) };
  },
  checkCompatibility: (level, next, previousLatestFirst) => checkProtobufCompatibility(level, next, previousLatestFirst),
};
