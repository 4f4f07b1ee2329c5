// Avro's SchemaSupport (schema-types.ts): what the registry calls to parse, print and compare
// Avro schemas, over this folder's parser, canonical forms and compatibility checker. Confluent
// splits the same work between AvroSchemaProvider and AvroSchema (client/.../avro/).

import type { CompatibilityLevel, SchemaReference } from '../schemas-records.ts';
import { RegistryErrorCode } from '../registry-errors.ts';
import type { CompatibilityVerdict, ParsedSchema, ParseOutcome, SchemaResolver, SchemaSupport } from '../schema-types.ts';
import { canonicalString, normalizedString } from './canonical.ts';
import { checkCompatibility } from './levels.ts';
import { parseAvroSchema, type ParsedAvroSchema } from './parse.ts';

class AvroParsedSchema implements ParsedSchema {
  readonly schemaType = 'AVRO' as const;
  private canonicalText: string | undefined;

  constructor(
    readonly parsed: ParsedAvroSchema,
    readonly references: readonly SchemaReference[],
  ) {}

  canonical(): string {
    this.canonicalText ??= canonicalString(this.parsed);
    return this.canonicalText;
  }

  normalized(): string {
    return normalizedString(this.parsed);
  }

  /** AvroSchema.formattedString: "resolved" writes the referenced types inline (as if no
   *  reference had defined them); "default" (or none) is the canonical string. */
  formatted(format: string): string | undefined {
    if (format === 'resolved') return canonicalString({ ...this.parsed, referencedNames: [] });
    if (format === 'default' || format === '') return this.canonical();
    return undefined;
  }
}

export const avroSupport: SchemaSupport = {
  schemaType: 'AVRO',

  // isNew is not distinguished yet: avsc validates defaults on every parse (avro/README.md,
  // known gaps), so a stored schema is read as strictly as a new one.
  parse(text: string, references: readonly SchemaReference[], resolve: SchemaResolver): ParseOutcome {
    const result = parseAvroSchema(text, references, (subject, version) => {
      const found = resolve(subject, version);
      // A reference to a schema of another type cannot define Avro names.
      return found === undefined || found.schemaType !== 'AVRO' ? undefined : found;
    });
    if (!result.ok) return { ok: false, error: { code: RegistryErrorCode.INVALID_SCHEMA, message: result.error.message } };
    return { ok: true, schema: new AvroParsedSchema(result.schema, references) };
  },

  checkCompatibility(level: CompatibilityLevel, next: ParsedSchema, previousLatestFirst: readonly ParsedSchema[]): CompatibilityVerdict {
    if (!(next instanceof AvroParsedSchema)) return { compatible: false, messages: ['Incompatible because of different schema type'] };
    const previous: AvroParsedSchema[] = [];
    for (const p of previousLatestFirst) {
      // SchemaValidatorBuilder's DIFFERENT_SCHEMA_TYPE message.
      if (!(p instanceof AvroParsedSchema)) return { compatible: false, messages: ['Incompatible because of different schema type'] };
      previous.push(p);
    }
    return checkCompatibility(level, next.parsed.type, previous.map((p) => p.parsed.type));
  },
};
