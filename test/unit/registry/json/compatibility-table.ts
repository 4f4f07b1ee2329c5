// The table of JSON Schema pairs and their expected verdicts, taken from Confluent's own test
// cases: the four resources SchemaDiffTest.java runs (confluentinc/schema-registry,
// json-schema-provider/src/test/resources/, copied verbatim into ./confluent/ from commit
// 014f07024e120cfd42a1849916110635f4d193e0): diff-schema-examples.json,
// diff-combined-schema-examples.json and their -2020-12 twins. Each case gives an original
// (old, the writer) and an update (new, the reader), the differences SchemaDiff finds ("TYPE
// #/path") and whether the update is compatible under COMPATIBLE_CHANGES_STRICT, which is
// BACKWARD's verdict for (old, new). A FORWARD verdict is known where the same files hold the
// reversed pair (its BACKWARD verdict); FULL is both. Rows are named "<file>: <description>".

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CompatibilityRow {
  readonly name: string;
  readonly source: string;
  readonly old: unknown;
  readonly new: unknown;
  /** BACKWARD (new reads old): Confluent's "compatible". */
  readonly backward: boolean;
  /** FORWARD (old reads new), where the reversed pair is also a case; else undefined. */
  readonly forward: boolean | undefined;
  /** Confluent's expected differences, "TYPE #/path", in its order. */
  readonly changes: readonly string[];
}

export const CONFLUENT_FILES = [
  'diff-schema-examples.json',
  'diff-combined-schema-examples.json',
  'diff-schema-examples-2020-12.json',
  'diff-combined-schema-examples-2020-12.json',
] as const;

interface ConfluentCase {
  description: string;
  original_schema: unknown;
  update_schema: unknown;
  changes: string[];
  compatible: boolean;
}

/** The -2020-12 files have trailing commas, which org.json (the test's reader) accepts. */
function readCases(file: string): ConfluentCase[] {
  const text = readFileSync(join(import.meta.dir, 'confluent', file), 'utf8');
  return JSON.parse(text.replace(/,(\s*[}\]])/g, '$1')) as ConfluentCase[];
}

function buildTable(): CompatibilityRow[] {
  const cases = CONFLUENT_FILES.flatMap((file) => readCases(file).map((c) => ({ file, c })));
  const verdictOf = new Map<string, boolean>();
  for (const { c } of cases) verdictOf.set(JSON.stringify([c.original_schema, c.update_schema]), c.compatible);
  return cases.map(({ file, c }) => ({
    name: `${file}: ${c.description}`,
    source: `confluentinc/schema-registry json-schema-provider/src/test/resources/${file} (SchemaDiffTest)`,
    old: c.original_schema,
    new: c.update_schema,
    backward: c.compatible,
    forward: verdictOf.get(JSON.stringify([c.update_schema, c.original_schema])),
    changes: c.changes,
  }));
}

export const COMPATIBILITY_TABLE: readonly CompatibilityRow[] = buildTable();

/**
 * Rows whose verdict we share but whose list of differences we do not: in 2020-12 Confluent
 * loads with json-sKema and translates to everit (SchemaTranslator), which loses these
 * keywords on a schema without "type"; our model keeps them, and every one is a compatible
 * difference, so the verdict is the same.
 */
export const CHANGE_LIST_EXCEPTIONS: ReadonlySet<string> = new Set([
  'diff-schema-examples-2020-12.json: Detect removed maxProperties',
  'diff-schema-examples-2020-12.json: Detect removed minProperties',
  'diff-schema-examples-2020-12.json: Detect removed minContains',
  'diff-schema-examples-2020-12.json: Detect added boolean additional properties',
]);
