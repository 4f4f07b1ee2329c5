// Avro schema compatibility as Confluent's registry decides it. Confluent's AvroSchema
// .isBackwardCompatible(previous) runs Avro's SchemaCompatibility.checkReaderWriterCompatibility
// (reader = the new schema, writer = the previous one) and prints each incompatibility through
// its Difference class; CompatibilityChecker picks which pairs to check for each level.
// The rules below are the Avro specification's "Schema Resolution" section as Avro's
// ReaderWriterCompatibilityChecker implements them (apache/avro lang/java SchemaCompatibility).
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

interface Walk {
  steps: number;
  /** Pairs being checked, keyed by identity: a recursive type meets itself and is assumed fine. */
  readonly inProgress: Map<avro.Type, Set<avro.Type>>;
  readonly out: Incompatibility[];
}

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

function check(reader: avro.Type, writer: avro.Type, path: string[], walk: Walk): void {
  walk.steps += 1;
  if (walk.steps > CHECK_STEPS_MAX) throw new TooManySteps();
  let seen = walk.inProgress.get(reader);
  if (seen?.has(writer)) return;
  if (seen === undefined) walk.inProgress.set(reader, (seen = new Set()));
  seen.add(writer);
  try {
    checkPair(reader, writer, path, walk);
  } finally {
    seen.delete(writer);
  }
}

function add(walk: Walk, type: IncompatibilityType, path: readonly string[], message: string): void {
  walk.out.push({ type, location: pointer(path), message });
}

/** True if the pair has no incompatibility, checked on a scratch list (unions try branches). */
function compatible(reader: avro.Type, writer: avro.Type, path: string[], walk: Walk): boolean {
  const scratch: Walk = { steps: walk.steps, inProgress: walk.inProgress, out: [] };
  check(reader, writer, path, scratch);
  walk.steps = scratch.steps;
  return scratch.out.length === 0;
}

function checkPair(reader: avro.Type, writer: avro.Type, path: string[], walk: Walk): void {
  const r = kindOf(reader);
  const w = kindOf(writer);
  if (r === w) {
    checkSameKind(r, reader, writer, path, walk);
    return;
  }
  if (w === 'union') {
    // Avro: a reader that reads every branch of the writer's union reads the union.
    for (const branch of branchesOf(writer)) check(reader, branch, path, walk);
    return;
  }
  if (r === 'union') {
    // Avro: the first reader branch that reads the writer's type is used.
    if (branchesOf(reader).some((branch) => compatible(branch, writer, path, walk))) return;
    add(walk, 'MISSING_UNION_BRANCH', path, `reader union lacking writer type: ${w.toUpperCase()}`);
    return;
  }
  if (PROMOTIONS[r]?.includes(w)) return;
  add(walk, 'TYPE_MISMATCH', path, `reader type: ${r.toUpperCase()} not compatible with writer type: ${w.toUpperCase()}`);
}

function checkSameKind(kind: AvroKind, reader: avro.Type, writer: avro.Type, path: string[], walk: Walk): void {
  switch (kind) {
    case 'array':
      check(itemsOf(reader), itemsOf(writer), [...path, 'items'], walk);
      return;
    case 'map':
      check(valuesOf(reader), valuesOf(writer), [...path, 'values'], walk);
      return;
    case 'fixed':
      checkName(reader, writer, path, walk);
      if (sizeOf(reader) !== sizeOf(writer)) {
        add(walk, 'FIXED_SIZE_MISMATCH', [...path, 'size'], `expected: ${sizeOf(writer)}, found: ${sizeOf(reader)}`);
      }
      return;
    case 'enum':
      checkName(reader, writer, path, walk);
      checkEnumSymbols(reader, writer, path, walk);
      return;
    case 'record':
      checkName(reader, writer, path, walk);
      checkRecordFields(reader, writer, path, walk);
      return;
    case 'union':
      // Avro: every branch the writer may have written must be readable by the reader's union.
      branchesOf(writer).forEach((branch, i) => {
        const at = [...path, String(i)];
        if (!compatible(reader, branch, at, walk)) {
          add(walk, 'MISSING_UNION_BRANCH', at, `reader union lacking writer type: ${kindOf(branch).toUpperCase()}`);
        }
      });
      return;
    default:
      return; // the same primitive type
  }
}

function checkName(reader: avro.Type, writer: avro.Type, path: string[], walk: Walk): void {
  if (!namesMatch(reader, writer)) add(walk, 'NAME_MISMATCH', [...path, 'name'], `expected: ${fullNameOf(writer)}`);
}

/** Avro spec: a writer symbol the reader lacks is an error unless the reader's enum has a default. */
function checkEnumSymbols(reader: avro.Type, writer: avro.Type, path: string[], walk: Walk): void {
  const readerSymbols = new Set(symbolsOf(reader));
  const fallback = enumDefaultOf(reader);
  if (fallback !== undefined && readerSymbols.has(fallback)) return;
  const missing = symbolsOf(writer).filter((s) => !readerSymbols.has(s));
  if (missing.length > 0) add(walk, 'MISSING_ENUM_SYMBOLS', [...path, 'symbols'], `[${missing.join(', ')}]`);
}

/**
 * Avro spec: each reader field is matched to the writer's field of the same name, or of one of
 * the reader field's aliases; a reader field with no writer field needs a default. Writer fields
 * the reader lacks are skipped, so removing a field never breaks a reader.
 */
function checkRecordFields(reader: avro.Type, writer: avro.Type, path: string[], walk: Walk): void {
  const writerFields = new Map(fieldsOf(writer).map((f) => [f.name, f]));
  fieldsOf(reader).forEach((field, i) => {
    const at = [...path, 'fields', String(i)];
    const match = writerFields.get(field.name) ?? field.aliases.map((a) => writerFields.get(a)).find((f) => f !== undefined);
    if (match === undefined) {
      if (!field.hasDefault) add(walk, 'READER_FIELD_MISSING_DEFAULT_VALUE', at, field.name);
      return;
    }
    check(field.type, match.type, [...at, 'type'], walk);
  });
}

export type ReaderWriterResult =
  | { ok: true; incompatibilities: Incompatibility[] }
  | { ok: false; error: string };

/** Every reason `reader` cannot read data written with `writer` (empty: compatible). */
export function checkReaderWriter(reader: avro.Type, writer: avro.Type): ReaderWriterResult {
  const walk: Walk = { steps: 0, inProgress: new Map(), out: [] };
  try {
    check(reader, writer, [], walk);
  } catch (e) {
    if (e instanceof TooManySteps) return { ok: false, error: `compatibility check exceeded ${CHECK_STEPS_MAX} steps` };
    throw e;
  }
  return { ok: true, incompatibilities: walk.out };
}
