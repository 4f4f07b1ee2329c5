// The contract every schema type (Avro, Protobuf, JSON Schema) fulfils for the registry: parse
// a schema with its references, print the strings the registry recognises it by, and judge
// compatibility. Confluent's SchemaProvider/ParsedSchema (core/.../schemaregistry/
// SchemaProvider.java, ParsedSchema.java) split the work the same way; the registry itself
// (registry-writes.ts, http/) never looks inside a schema.

import type { RegistryError } from './registry-errors.ts';
import type { CompatibilityLevel, SchemaReference } from './schemas-records.ts';

/** The `schemaType` values of the API; a SCHEMA value without one is AVRO. */
export type SchemaType = 'AVRO' | 'PROTOBUF' | 'JSON';

/** What a (subject, version) reference resolves to: the registered schema and its own references. */
export interface RegisteredSchema {
  readonly schemaType: SchemaType;
  readonly schema: string;
  readonly references: readonly SchemaReference[];
}

/** (subject, version) -> the schema registered there (soft-deleted ones too), or undefined. */
export type SchemaResolver = (subject: string, version: number) => RegisteredSchema | undefined;

export interface ParseOptions {
  /** A schema being registered or checked now (Confluent's `isNew`): validated strictly (Avro
   *  defaults, for one). false for schemas already stored, which are read leniently. */
  readonly isNew: boolean;
}

/** One parsed schema. Each type's support returns its own implementation and accepts only its
 *  own in checkCompatibility. */
export interface ParsedSchema {
  readonly schemaType: SchemaType;
  readonly references: readonly SchemaReference[];
  /** Confluent's `canonicalString()`: what is stored in `_schemas` and compared on lookup. */
  canonical(): string;
  /** Confluent's `normalize().canonicalString()` (normalize=true). */
  normalized(): string;
  /** The schema in a named output format (GET /schemas/ids/{id}?format=...: Avro "resolved",
   *  Protobuf "serialized" / "ignore_extensions"); undefined for a format this type lacks. */
  formatted(format: string): string | undefined;
}

export type ParseOutcome = { readonly ok: true; readonly schema: ParsedSchema } | { readonly ok: false; readonly error: RegistryError };

export interface CompatibilityVerdict {
  readonly compatible: boolean;
  /** Readable reasons, as Confluent's verbose=true answers list them; empty when compatible. */
  readonly messages: readonly string[];
}

export interface SchemaSupport {
  readonly schemaType: SchemaType;
  /** Errors are 42201 (invalid schema) values with Confluent's message shape, never throws. */
  parse(text: string, references: readonly SchemaReference[], resolve: SchemaResolver, options: ParseOptions): ParseOutcome;
  /** The verdict for registering `next` under `level` against previous schemas, latest first
   *  (only the latest for non-transitive levels; NONE or no previous: compatible). */
  checkCompatibility(level: CompatibilityLevel, next: ParsedSchema, previousLatestFirst: readonly ParsedSchema[]): CompatibilityVerdict;
}
