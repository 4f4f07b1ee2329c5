// One row of the JSON Schema compatibility table (compatibility-table.ts): a pair of small
// schemas written for Freshet, each showing one rule of Confluent's JSON Schema checker
// (io.confluent.kafka.schemaregistry.json.diff.SchemaDiff in confluentinc/schema-registry), and
// the verdicts and differences Confluent's own test case for that rule expects. The cases are
// in json-schema-provider/src/test/resources/ (diff-schema-examples.json,
// diff-combined-schema-examples.json and their -2020-12 twins, run by SchemaDiffTest); those
// files are under the Confluent Community License, so only their descriptions are quoted here
// (in `confluent`), never their schemas.

export interface CompatibilityRow {
  /** The rule the row shows, unique in the table. */
  readonly name: string;
  /**
   * The Confluent case it corresponds to, 'file: "description"'; for a rule no case shows
   * (compatibility-table-source.ts), the comparing class and the compatible set.
   */
  readonly confluent: string;
  readonly old: unknown;
  readonly new: unknown;
  /** BACKWARD (new reads old): the case's "compatible" under COMPATIBLE_CHANGES_STRICT. */
  readonly backward: boolean;
  /**
   * FORWARD (old reads new): known where Confluent's files also hold the reversed pair (its
   * "compatible"), and then cited in `confluent` after a '+'; else undefined.
   */
  readonly forward: boolean | undefined;
  /** The differences the case expects, "TYPE #/path". */
  readonly changes: readonly string[];
}

const FILES = {
  draft7: 'diff-schema-examples.json',
  combined: 'diff-combined-schema-examples.json',
  draft2020: 'diff-schema-examples-2020-12.json',
  combined2020: 'diff-combined-schema-examples-2020-12.json',
} as const;

/** A citation of one Confluent case, by file and description. */
export const cite = (file: keyof typeof FILES, description: string): string => `${FILES[file]}: "${description}"`;

export const row = (
  name: string, confluent: string, old: unknown, next: unknown, backward: boolean,
  changes: readonly string[] = [], forward?: boolean,
): CompatibilityRow => ({ name, confluent, old, new: next, backward, forward, changes });

export const Y = true;
export const N = false;

export const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';
/** The same schema declared as 2020-12 (Confluent's -2020-12 files declare it in each case). */
export const in2020 = (schema: Record<string, unknown>): Record<string, unknown> => ({ $schema: DRAFT_2020_12, ...schema });

export const str = { type: 'string' } as const;
export const num = { type: 'number' } as const;
export const int = { type: 'integer' } as const;
export const bool = { type: 'boolean' } as const;
export const nul = { type: 'null' } as const;
