// Avro schema compatibility as Confluent's registry decides it. Confluent's AvroSchema
// .isBackwardCompatible(previous) runs Avro's SchemaCompatibility.checkReaderWriterCompatibility
// (reader = the new schema, writer = the previous one) and prints each incompatibility through
// its Difference class; CompatibilityChecker picks which pairs to check for each level.
// The rules below are the Avro specification's "Schema Resolution" section as Avro's
// ReaderWriterCompatibilityChecker implements them (apache/avro lang/java/avro/.../
// SchemaCompatibility.java, 1.9 and later: names compared unqualified, enum defaults honoured,
// results memoized per (reader, writer) pair, writer-union branches checked from a fresh
// location). Its quirks are kept so the reasons match what Confluent prints.
// Pure: schemas in, a verdict with reasons out.

import type avro from 'avsc';
import {
  aliasesOf, branchesOf, enumDefaultOf, fieldsOf, fullNameOf, itemsOf, kindOf, sizeOf, symbolsOf, valuesOf,
  type AvroKind,
} from './types.ts';

/** Avro's SchemaIncompatibilityType values (the ones its checker produces). */
export type IncompatibilityType =
  | 'NAME_MISMATCH'
  | 'FIXED_SIZE_MISMATCH'
  | 'MISSING_ENUM_SYMBOLS'
  | 'READER_FIELD_MISSING_DEFAULT_VALUE'
  | 'TYPE_MISMATCH'
  | 'MISSING_UNION_BRANCH';

export interface Incompatibility {
  readonly type: IncompatibilityType;
  /** A JSON pointer into the reader's schema, as Avro's getLocation gives it: "/fields/1/type". */
  readonly location: string;
  /** Avro's message: the field name, the missing symbols, "expected: X", ... */
  readonly message: string;
}

/** Most (reader, writer) pairs one check visits: nested and recursive schemas stay bounded. */
export const CHECK_STEPS_MAX = 100_000;

/** Thrown only past CHECK_STEPS_MAX, caught in checkReaderWriter and turned into a value. */
class TooManySteps extends Error {}

/** A result in progress: Avro's RECURSION_IN_PROGRESS, read as compatible to break a cycle. */
const IN_PROGRESS: readonly Incompatibility[] = [];

interface Walk {
  steps: number;
  /**
   * Avro's memo of (reader, writer) results, by identity. Like Avro's, it keeps a finished
   * result with the locations of its first visit: a pair met again reports those locations.
   */
  readonly memo: Map<avro.Type, Map<avro.Type, readonly Incompatibility[]>>;
}

/** Avro's Incompatibility.getLocation: a JSON pointer, the root token left out. */
const pointer = (path: readonly string[]): string => '/' + path.join('/');

/** The unqualified name: Avro's schemaNameEquals compares getName(), not the full name. */
const shortName = (fullName: string): string => fullName.slice(fullName.lastIndexOf('.') + 1);

/** Avro: names are equal if the unqualified names are, or the reader's aliases hold the writer's full name. */
function namesMatch(reader: avro.Type, writer: avro.Type): boolean {
  if (shortName(fullNameOf(reader)) === shortName(fullNameOf(writer))) return true;
  return aliasesOf(reader).includes(fullNameOf(writer));
}

/** Writer kinds a reader kind accepts by promotion (Avro spec, Schema Resolution). */
const PROMOTIONS: Partial<Record<AvroKind, readonly AvroKind[]>> = {
  long: ['int'],
  float: ['int', 'long'],
  double: ['int', 'long', 'float'],
  bytes: ['string'],
  string: ['bytes'],
};

const incompatible = (type: IncompatibilityType, path: readonly string[], message: string): Incompatibility[] => [
  { type, location: pointer(path), message },
];

/**
 * Avro's getCompatibility(token, reader, writer, location): memoized by the pair. `path` is the
 * location so far (root first, the root token left out); a sub-check Avro starts with a fresh
 * location (getCompatibility(reader, writer)) is called here with an empty path.
 */
function check(reader: avro.Type, writer: avro.Type, path: readonly string[], walk: Walk): readonly Incompatibility[] {
  walk.steps += 1;
  if (walk.steps > CHECK_STEPS_MAX) throw new TooManySteps();
  let byWriter = walk.memo.get(reader);
  if (byWriter === undefined) walk.memo.set(reader, (byWriter = new Map()));
  const known = byWriter.get(writer);
  if (known !== undefined) return known; // IN_PROGRESS reads as compatible, as in Avro
  byWriter.set(writer, IN_PROGRESS);
  const result = checkPair(reader, writer, path, walk);
  byWriter.set(writer, result);
  return result;
}

function checkPair(reader: avro.Type, writer: avro.Type, path: readonly string[], walk: Walk): readonly Incompatibility[] {
  const r = kindOf(reader);
  const w = kindOf(writer);
  if (r === w) return checkSameKind(r, reader, writer, path, walk);
  if (w === 'union') {
    // Avro: a reader that reads every branch of the writer's union reads the union. Each branch
    // is checked from a fresh location, so its incompatibilities are located from the root.
    return branchesOf(writer).flatMap((branch) => check(reader, branch, [], walk));
  }
  if (r === 'union') {
    // Avro: the reader's union reads the writer if any of its branches does.
    if (branchesOf(reader).some((branch) => check(branch, writer, [], walk).length === 0)) return [];
    return incompatible('MISSING_UNION_BRANCH', path, `reader union lacking writer type: ${w.toUpperCase()}`);
  }
  if (PROMOTIONS[r]?.includes(w)) return [];
  return incompatible('TYPE_MISMATCH', path, `reader type: ${r.toUpperCase()} not compatible with writer type: ${w.toUpperCase()}`);
}

function checkSameKind(kind: AvroKind, reader: avro.Type, writer: avro.Type, path: readonly string[], walk: Walk): readonly Incompatibility[] {
  switch (kind) {
    case 'array':
      return check(itemsOf(reader), itemsOf(writer), [...path, 'items'], walk);
    case 'map':
      return check(valuesOf(reader), valuesOf(writer), [...path, 'values'], walk);
    case 'fixed': {
      const out = checkName(reader, writer, path);
      if (sizeOf(reader) !== sizeOf(writer)) {
        out.push(...incompatible('FIXED_SIZE_MISMATCH', [...path, 'size'], `expected: ${sizeOf(writer)}, found: ${sizeOf(reader)}`));
      }
      return out;
    }
    case 'enum':
      return [...checkName(reader, writer, path), ...checkEnumSymbols(reader, writer, path)];
    case 'record':
      return [...checkName(reader, writer, path), ...checkRecordFields(reader, writer, path, walk)];
    case 'union':
      // Avro: every branch the writer may have written must be readable by the reader's union.
      return branchesOf(writer).flatMap((branch, i) =>
        check(reader, branch, [], walk).length === 0
          ? []
          : incompatible('MISSING_UNION_BRANCH', [...path, String(i)], `reader union lacking writer type: ${kindOf(branch).toUpperCase()}`),
      );
    default:
      return []; // the same primitive type
  }
}

function checkName(reader: avro.Type, writer: avro.Type, path: readonly string[]): Incompatibility[] {
  return namesMatch(reader, writer) ? [] : incompatible('NAME_MISMATCH', [...path, 'name'], `expected: ${fullNameOf(writer)}`);
}

/**
 * Avro spec: a writer symbol the reader lacks is an error unless the reader's enum has a
 * default. Avro lists the missing symbols sorted (a TreeSet printed as "[B, C]").
 */
function checkEnumSymbols(reader: avro.Type, writer: avro.Type, path: readonly string[]): Incompatibility[] {
  const readerSymbols = new Set(symbolsOf(reader));
  const missing = [...new Set(symbolsOf(writer))].filter((s) => !readerSymbols.has(s)).sort();
  if (missing.length === 0) return [];
  const fallback = enumDefaultOf(reader);
  if (fallback !== undefined && readerSymbols.has(fallback)) return [];
  return incompatible('MISSING_ENUM_SYMBOLS', [...path, 'symbols'], `[${missing.join(', ')}]`);
}

/**
 * Avro spec: each reader field is matched to the writer's field of the same name, or of one of
 * the reader field's aliases; a reader field with no writer field needs a default. Writer fields
 * the reader lacks are skipped, so removing a field never breaks a reader. Avro's one exception,
 * kept as it is: a missing field of an enum type with an enum default is checked against the
 * writer's record itself (a TYPE_MISMATCH).
 */
function checkRecordFields(reader: avro.Type, writer: avro.Type, path: readonly string[], walk: Walk): Incompatibility[] {
  const writerFields = new Map(fieldsOf(writer).map((f) => [f.name, f]));
  return fieldsOf(reader).flatMap((field, i) => {
    const at = [...path, 'fields', String(i)];
    const match = writerFields.get(field.name) ?? field.aliases.map((a) => writerFields.get(a)).find((f) => f !== undefined);
    if (match !== undefined) return check(field.type, match.type, [...at, 'type'], walk);
    if (field.hasDefault) return [];
    if (kindOf(field.type) === 'enum' && enumDefaultOf(field.type) !== undefined) return check(field.type, writer, [...at, 'type'], walk);
    return incompatible('READER_FIELD_MISSING_DEFAULT_VALUE', at, field.name);
  });
}

export type ReaderWriterResult =
  | { ok: true; incompatibilities: Incompatibility[] }
  | { ok: false; error: string };

/** Every reason `reader` cannot read data written with `writer` (empty: compatible). */
export function checkReaderWriter(reader: avro.Type, writer: avro.Type): ReaderWriterResult {
  const walk: Walk = { steps: 0, memo: new Map() };
  try {
    return { ok: true, incompatibilities: [...check(reader, writer, [], walk)] };
  } catch (e) {
    if (e instanceof TooManySteps) return { ok: false, error: `compatibility check exceeded ${CHECK_STEPS_MAX} steps` };
    throw e;
  }
}
