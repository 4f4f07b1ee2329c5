// A narrow, typed view of avsc's type tree: the Avro type kinds and the attributes the canonical
// form and the compatibility checker read. avsc's own typings leave most of these as `any`.

import type avro from 'avsc';

export type AvroKind =
  | 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string'
  | 'record' | 'enum' | 'array' | 'map' | 'union' | 'fixed';

const PRIMITIVES: ReadonlySet<string> = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/** The Avro type of an avsc type ("union:wrapped" -> "union", "error" -> "record"). */
export function kindOf(type: avro.Type): AvroKind {
  const name = type.typeName;
  if (name.startsWith('union')) return 'union';
  if (name === 'error') return 'record';
  if (name.startsWith('logical:')) {
    // avsc resolves an implemented logical type to its underlying type; we register none.
    return kindOf((type as unknown as { underlyingType: avro.Type }).underlyingType);
  }
  if (PRIMITIVES.has(name) || name === 'record' || name === 'enum' || name === 'array' || name === 'map' || name === 'fixed') {
    return name as AvroKind;
  }
  throw new Error(`avsc type name not known: ${name}`); // a new avsc kind: a programmer error
}

export interface FieldView {
  readonly name: string;
  readonly type: avro.Type;
  readonly aliases: readonly string[];
  readonly doc: string | undefined;
  readonly order: string;
  readonly hasDefault: boolean;
  /** The default as avsc decoded it (canonical.ts prints it back as JSON). */
  readonly defaultValue: unknown;
}

interface AvscField {
  name: string;
  type: avro.Type;
  aliases: string[];
  doc?: string;
  order: string;
  defaultValue(): unknown;
}

export function fieldsOf(type: avro.Type): FieldView[] {
  const fields = (type as unknown as { fields: AvscField[] }).fields;
  return fields.map((f) => {
    const value = f.defaultValue();
    return {
      name: f.name,
      type: f.type,
      aliases: f.aliases,
      doc: f.doc,
      order: f.order,
      hasDefault: value !== undefined,
      defaultValue: value,
    };
  });
}

export const fullNameOf = (type: avro.Type): string => type.name as string;
export const aliasesOf = (type: avro.Type): readonly string[] => (type as unknown as { aliases?: string[] }).aliases ?? [];
export const docOf = (type: avro.Type): string | undefined => (type as unknown as { doc?: string }).doc;
export const symbolsOf = (type: avro.Type): readonly string[] => (type as unknown as { symbols: string[] }).symbols;
export const enumDefaultOf = (type: avro.Type): string | undefined => (type as unknown as { default?: string }).default;
export const sizeOf = (type: avro.Type): number => (type as unknown as { size: number }).size;
export const itemsOf = (type: avro.Type): avro.Type => (type as unknown as { itemsType: avro.Type }).itemsType;
export const valuesOf = (type: avro.Type): avro.Type => (type as unknown as { valuesType: avro.Type }).valuesType;
export const branchesOf = (type: avro.Type): avro.Type[] => (type as unknown as { types: avro.Type[] }).types;

/** "a.b.C" -> "a.b"; "C" -> "". */
export function namespaceOf(fullName: string): string {
  const dot = fullName.lastIndexOf('.');
  return dot < 0 ? '' : fullName.slice(0, dot);
}
