// How Confluent's normalization rewrites options (ProtobufSchemaUtils.FormatContext.filterOptions
// and mergeOption/mergeOptionMaps/mergeOptionValues; ProtobufSchema.transform): a custom option
// whose name resolves to an extension field is renamed to the field's full name and turned from
// `(ext).a.b = v` into the aggregate `(ext) = { a: { b: v } }`; options are sorted by name; the
// several settings of one non-repeated extension are merged into one aggregate, keys of the
// extension's message type merging by that field's label (a key of an unknown type collects its
// values into a de-duplicated list). Options that do not resolve stay as written.

import { type FieldElement, type OptionElement, type OptionValue } from './ast.ts';
import type { TypeIndex } from './type-index.ts';

/** Where the options are printed: names resolve from here (Confluent's FormatContext scope). */
export interface OptionScope {
  readonly index: TypeIndex;
  readonly packageName: string;
  readonly scope: readonly string[];
}

const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** ProtobufSchema.transform: an OPTION-kind value becomes a one-key MAP, recursively. */
function transform(option: OptionElement): OptionElement {
  return option.value.kind === 'OPTION' ? { ...option, value: transformValue(option.value.value) } : option;
}

function transformValue(sub: OptionElement): OptionValue {
  const inner = sub.value.kind === 'OPTION' ? transformValue(sub.value.value) : sub.value;
  return { kind: 'MAP', value: new Map([[sub.name, inner]]) };
}

/** The message an option field's type names, resolved from where the options are printed. */
function messageFields(at: OptionScope, field: FieldElement | undefined): readonly FieldElement[] | undefined {
  if (field === undefined) return undefined;
  const full = at.index.resolve(field.type, at.packageName, at.scope);
  const info = full === undefined ? undefined : at.index.get(full);
  if (info === undefined || info.type.kind !== 'message') return undefined;
  return [...info.type.fields, ...info.type.oneOfs.flatMap((o) => o.fields)];
}

function valueKey(v: OptionValue): string {
  if (v.kind === 'MAP') return `{${[...v.value].map(([k, x]) => `${k}:${valueKey(x)}`).join(',')}}`;
  if (v.kind === 'LIST') return `[${v.value.map(valueKey).join(',')}]`;
  if (v.kind === 'OPTION') return `(${v.value.name}=${valueKey(v.value.value)})`;
  return `${v.kind}:${v.value}`;
}

function mergeMaps(at: OptionScope, container: FieldElement | undefined, a: ReadonlyMap<string, OptionValue>, b: ReadonlyMap<string, OptionValue>): Map<string, OptionValue> {
  const fields = messageFields(at, container);
  const merged = new Map(a);
  for (const [key, value] of b) {
    const prev = merged.get(key);
    merged.set(key, prev === undefined ? value : mergeValues(at, fields?.find((f) => f.name === key), prev, value));
  }
  return merged;
}

function mergeValues(at: OptionScope, field: FieldElement | undefined, v1: OptionValue, v2: OptionValue): OptionValue {
  const singular = field !== undefined && field.label !== 'repeated';
  if (singular && v1.kind === 'MAP' && v2.kind === 'MAP' && messageFields(at, field) !== undefined) {
    return { kind: 'MAP', value: mergeMaps(at, field, v1.value, v2.value) };
  }
  if (singular) return v2; // last one wins, as text-format merging
  const seen = new Set<string>();
  const list: OptionValue[] = [];
  for (const v of [...(v1.kind === 'LIST' ? v1.value : [v1]), ...(v2.kind === 'LIST' ? v2.value : [v2])]) {
    const key = valueKey(v);
    if (!seen.has(key)) {
      seen.add(key);
      list.push(v);
    }
  }
  return { kind: 'LIST', value: list };
}

/** FormatContext.filterOptions with normalize on. */
export function normalizeOptions(at: OptionScope, options: readonly OptionElement[]): OptionElement[] {
  const renamed = options.map((o) => {
    if (!o.parenthesized) return o;
    const full = at.index.resolveExtendField(o.name, at.packageName, at.scope);
    return full === undefined ? o : transform({ ...o, name: full });
  });
  const groups = new Map<string, OptionElement[]>();
  for (const o of [...renamed].sort(byName)) groups.set(o.name, [...(groups.get(o.name) ?? []), o]);
  const out: OptionElement[] = [];
  for (const [name, list] of groups) {
    const info = at.index.getExtendField(name);
    if (info === undefined || info.field.label === 'repeated') {
      out.push(...list);
      continue;
    }
    out.push(
      list.reduce((existing, next) => {
        const replacement = transform(next);
        if (existing.value.kind === 'MAP' && replacement.value.kind === 'MAP') {
          return { ...replacement, value: { kind: 'MAP', value: mergeMaps(at, info.field, existing.value.value, replacement.value.value) } };
        }
        return replacement;
      }),
    );
  }
  return out;
}

/** Inside a normalized aggregate, an `[ext]` key is renamed to the extension's full name. */
export function normalizeMapKey(at: OptionScope, key: string): string {
  if (!key.startsWith('[') || !key.endsWith(']')) return key;
  const full = at.index.resolveExtendField(key.slice(1, -1), at.packageName, at.scope);
  return full === undefined ? key : `[${full}]`;
}
