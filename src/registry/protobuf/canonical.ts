// Confluent's own printing of a .proto file: ProtobufSchemaUtils.toString (canonicalString())
// and, with `normalize`, toNormalizedString (normalize().canonicalString()), in
// confluentinc/schema-registry protobuf-provider/.../ProtobufSchemaUtils.java. Its layout is
// kept line for line: syntax, package, a blank line and the imports, a blank line and the
// options, a blank line and the types (messages first, then enums, each in declaration order:
// message indexes depend on it), extends, services; inside a message: reserved, options, fields,
// oneofs, extensions, extends, nested types. Two-space indents, `appendIndented`.
//
// Normalization does what Confluent's does: imports sorted and de-duplicated, options sorted by
// name with custom options qualified and merged (option-normalize.ts), fields/enum constants/
// oneofs ordered by tag, reserved and extensions ranges split one per line and sorted,
// message/enum type names resolved to `.full.Name`, proto2's syntax line dropped, numbers
// re-printed, `extend` blocks regrouped by the name they extend.

import {
  MAX_TAG, SCALAR_TYPES, mapTypes, type EnumConstantElement, type EnumElement, type ExtendElement, type ExtensionsElement,
  type FieldElement, type MessageElement, type OneOfElement, type OptionElement, type OptionValue, type ProtoFileElement,
  type RangeValue, type ReservedElement, type RpcElement, type ServiceElement,
} from './ast.ts';
import { normalizeMapKey, normalizeOptions } from './option-normalize.ts';
import type { TypeIndex } from './type-index.ts';

/** What normalized printing resolves names against; absent for the plain canonical string. */
interface Ctx {
  readonly normalize: boolean;
  /** Format "ignore_extensions": custom options (but Confluent's own) and extensions dropped. */
  readonly ignoreExtensions: boolean;
  readonly index: TypeIndex | undefined;
  readonly packageName: string;
  /** Enclosing message names, outermost first (Confluent's Context.fullName). */
  readonly scope: string[];
}

export function canonicalString(file: ProtoFileElement): string {
  return printFile({ normalize: false, ignoreExtensions: false, index: undefined, packageName: file.packageName ?? '', scope: [] }, file);
}

/** formattedString("ignore_extensions") (ProtobufSchema.formattedString, FormatContext(true, false)). */
export function ignoreExtensionsString(file: ProtoFileElement): string {
  return printFile({ normalize: false, ignoreExtensions: true, index: undefined, packageName: file.packageName ?? '', scope: [] }, file);
}

/** Confluent's normalized form; `index` resolves type names (the file and its dependencies). */
export function normalizedString(file: ProtoFileElement, index: TypeIndex): string {
  return printFile({ normalize: true, ignoreExtensions: false, index, packageName: file.packageName ?? '', scope: [] }, file);
}

function indented(value: string): string {
  const lines = value.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => `  ${l}\n`).join('');
}

function sortedDistinct(xs: readonly string[]): string[] {
  return [...new Set(xs)].sort();
}

function printFile(ctx: Ctx, file: ProtoFileElement): string {
  let sb = '';
  if (file.syntax !== null && (!ctx.normalize || file.syntax === 'proto3')) sb += `syntax = "${file.syntax}";\n`;
  if (file.packageName !== null) sb += `package ${file.packageName};\n`;
  if (file.imports.length > 0 || file.publicImports.length > 0) {
    sb += '\n';
    for (const f of ctx.normalize ? sortedDistinct(file.imports) : file.imports) sb += `import "${f}";\n`;
    for (const f of ctx.normalize ? sortedDistinct(file.publicImports) : file.publicImports) sb += `import public "${f}";\n`;
  }
  const options = filterOptions(ctx, file.options);
  if (options.length > 0) {
    sb += '\n';
    for (const o of options) sb += optionStatement(ctx, o);
  }
  if (file.types.length > 0) {
    sb += '\n';
    sb += printTypes(ctx, file.types.filter((t) => t.kind === 'message'), file.types.filter((t) => t.kind === 'enum'), (s) => s);
  }
  if (!ctx.ignoreExtensions && file.extendDeclarations.length > 0) {
    sb += '\n';
    for (const e of groupExtends(ctx, file.extendDeclarations)) sb += printExtend(ctx, e);
  }
  if (file.services.length > 0) {
    sb += '\n';
    for (const s of file.services) sb += printService(ctx, s);
  }
  return sb;
}

function printTypes(ctx: Ctx, messages: readonly MessageElement[], enums: readonly EnumElement[], wrap: (s: string) => string): string {
  let sb = '';
  for (const m of messages) {
    ctx.scope.push(m.name);
    sb += wrap(printMessage(ctx, m));
    ctx.scope.pop();
  }
  for (const e of enums) {
    ctx.scope.push(e.name);
    sb += wrap(printEnum(ctx, e));
    ctx.scope.pop();
  }
  return sb;
}

function printService(ctx: Ctx, service: ServiceElement): string {
  let sb = `service ${service.name} {`;
  const options = filterOptions(ctx, service.options);
  if (options.length > 0) {
    sb += '\n';
    for (const o of options) sb += indented(optionStatement(ctx, o));
  }
  if (service.rpcs.length > 0) {
    sb += '\n';
    for (const rpc of service.rpcs) sb += indented(printRpc(ctx, rpc));
  }
  return `${sb}}\n`;
}

function printRpc(ctx: Ctx, rpc: RpcElement): string {
  const req = ctx.normalize ? resolveOrKeep(ctx, rpc.requestType) : rpc.requestType;
  const res = ctx.normalize ? resolveOrKeep(ctx, rpc.responseType) : rpc.responseType;
  let sb = `rpc ${rpc.name} (${rpc.requestStreaming ? 'stream ' : ''}${req}) returns (${rpc.responseStreaming ? 'stream ' : ''}${res})`;
  const options = filterOptions(ctx, rpc.options);
  if (options.length > 0) {
    sb += ' {\n';
    for (const o of options) sb += indented(optionStatement(ctx, o));
    sb += '}';
  }
  return `${sb};\n`;
}

/** Reserved/extensions entries; normalized: one value per entry, by start tag, names last. */
function splitRanges<T extends { readonly values: readonly RangeValue[] }>(ctx: Ctx, entries: readonly T[], withName: boolean): T[] {
  if (!ctx.normalize) return [...entries];
  const split = entries.flatMap((r) => r.values.map((v) => ({ ...r, values: [v] })));
  const start = (v: RangeValue): number => ('tag' in v ? v.tag : 'start' in v ? v.start : Number.MAX_SAFE_INTEGER);
  const text = (v: RangeValue): string => ('name' in v ? v.name : 'tag' in v ? String(v.tag) : `${v.start}..${v.end}`);
  return split.sort((a, b) => {
    const va = a.values[0] as RangeValue;
    const vb = b.values[0] as RangeValue;
    const d = start(va) - start(vb);
    if (d !== 0 || !withName) return d;
    return text(va) < text(vb) ? -1 : text(va) > text(vb) ? 1 : 0;
  });
}

function printRangeValues(ctx: Ctx, values: readonly RangeValue[]): string {
  return values
    .map((v) => {
      if ('name' in v) return `"${v.name}"`;
      if ('tag' in v) return String(v.tag);
      if (ctx.normalize && v.start === v.end) return String(v.start);
      return `${v.start} to ${v.end < MAX_TAG ? v.end : 'max'}`;
    })
    .join(', ');
}

function printReserved(ctx: Ctx, r: ReservedElement): string {
  return `reserved ${printRangeValues(ctx, r.values)};\n`;
}

function printExtensions(ctx: Ctx, e: ExtensionsElement): string {
  let sb = `extensions ${printRangeValues(ctx, e.values)}`;
  const options = filterOptions(ctx, e.options);
  if (options.length > 0) sb += ` ${appendOptions(ctx, options.map((o) => ({ kind: 'OPTION', value: o }) as const))}`;
  return `${sb};\n`;
}

function printEnum(ctx: Ctx, type: EnumElement): string {
  let sb = `enum ${type.name} {`;
  if (type.reserveds.length > 0) {
    sb += '\n';
    for (const r of splitRanges(ctx, type.reserveds, true)) sb += indented(printReserved(ctx, r));
  }
  if (type.reserveds.length === 0 && (type.options.length > 0 || type.constants.length > 0)) sb += '\n';
  for (const o of filterOptions(ctx, type.options)) sb += indented(optionStatement(ctx, o));
  let constants: readonly EnumConstantElement[] = type.constants;
  if (ctx.normalize) constants = [...constants].sort((a, b) => a.tag - b.tag || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const c of constants) {
    let line = `${c.name} = ${c.tag}`;
    const options = filterOptions(ctx, c.options);
    if (options.length > 0) line += ` ${appendOptions(ctx, options.map((o) => ({ kind: 'OPTION', value: o }) as const))}`;
    sb += indented(`${line};\n`);
  }
  return `${sb}}\n`;
}

function byTag(fields: readonly FieldElement[]): FieldElement[] {
  return [...fields].sort((a, b) => a.tag - b.tag);
}

function printMessage(ctx: Ctx, type: MessageElement): string {
  let sb = `message ${type.name} {`;
  if (type.reserveds.length > 0) {
    sb += '\n';
    for (const r of splitRanges(ctx, type.reserveds, true)) sb += indented(printReserved(ctx, r));
  }
  const options = filterOptions(ctx, type.options);
  if (options.length > 0) {
    sb += '\n';
    for (const o of options) sb += indented(optionStatement(ctx, o));
  }
  if (type.fields.length > 0) {
    sb += '\n';
    for (const f of ctx.normalize ? byTag(type.fields) : type.fields) sb += indented(printField(ctx, f));
  }
  if (type.oneOfs.length > 0) {
    let oneOfs: readonly OneOfElement[] = type.oneOfs;
    if (ctx.normalize) {
      oneOfs = oneOfs
        .filter((o) => o.fields.length > 0)
        .map((o) => ({ ...o, fields: byTag(o.fields) }))
        .sort((a, b) => (a.fields[0] as FieldElement).tag - (b.fields[0] as FieldElement).tag);
    }
    sb += '\n';
    for (const o of oneOfs) sb += indented(printOneOf(ctx, o));
  }
  if (!ctx.ignoreExtensions && type.extensions.length > 0) {
    sb += '\n';
    for (const e of splitRanges(ctx, type.extensions, false)) sb += indented(printExtensions(ctx, e));
  }
  if (!ctx.ignoreExtensions && type.extendDeclarations.length > 0) {
    sb += '\n';
    for (const e of groupExtends(ctx, type.extendDeclarations)) sb += indented(printExtend(ctx, e));
  }
  if (type.nestedTypes.length > 0) {
    sb += '\n';
    const nested = type.nestedTypes;
    sb += printTypes(ctx, nested.filter((t) => t.kind === 'message'), nested.filter((t) => t.kind === 'enum'), indented);
  }
  return `${sb}}\n`;
}

function printOneOf(ctx: Ctx, oneOf: OneOfElement): string {
  let sb = `oneof ${oneOf.name} {`;
  const options = filterOptions(ctx, oneOf.options);
  if (options.length > 0) {
    sb += '\n';
    for (const o of options) sb += indented(optionStatement(ctx, o));
  }
  if (oneOf.fields.length > 0) {
    sb += '\n';
    for (const f of oneOf.fields) sb += indented(printField(ctx, f));
  }
  return `${sb}}\n`;
}

/** Normalized: the extends of one scope regrouped by the resolved name they extend, in order. */
function groupExtends(ctx: Ctx, extendElems: readonly ExtendElement[]): readonly ExtendElement[] {
  if (!ctx.normalize) return extendElems;
  const groups = new Map<string, FieldElement[]>();
  for (const e of extendElems) {
    const name = resolveOrKeep(ctx, e.name);
    groups.set(name, [...(groups.get(name) ?? []), ...e.fields]);
  }
  return [...groups].map(([name, fields]) => ({ name, fields }));
}

function printExtend(ctx: Ctx, extend: ExtendElement): string {
  let sb = `extend ${extend.name} {`;
  if (extend.fields.length > 0) {
    sb += '\n';
    for (const f of ctx.normalize ? byTag(extend.fields) : extend.fields) sb += indented(printField(ctx, f));
  }
  return `${sb}}\n`;
}

/** `.full.Name` of a message or enum, as Confluent's normalize resolves it; as written if unknown. */
function resolveOrKeep(ctx: Ctx, type: string): string {
  const full = ctx.index?.resolve(type, ctx.packageName, ctx.scope);
  return full === undefined ? type : `.${full}`;
}

/** The option kind Confluent prints a field's `default` with (ProtobufSchemaUtils.toKind). */
function defaultKind(type: string): OptionValue['kind'] {
  if (type === 'bool') return 'BOOLEAN';
  // Confluent maps bytes to NUMBER, so a bytes default prints unquoted (its testNormalization-
  // WithComplexCustomOptions expects `default = 0`); kept, though such text may not parse back.
  if (type === 'string') return 'STRING';
  return SCALAR_TYPES.has(type) ? 'NUMBER' : 'ENUM';
}

function printField(ctx: Ctx, field: FieldElement): string {
  let label = field.label;
  let type = field.type;
  if (ctx.normalize) {
    const map = mapTypes(type);
    if (map !== undefined) {
      const [key, value] = map;
      const resolved = SCALAR_TYPES.has(value) ? undefined : ctx.index?.resolve(value, ctx.packageName, ctx.scope);
      type = resolved === undefined ? `map<${key}, ${value}>` : `map<${key}, .${resolved}>`;
      label = null;
    } else if (!SCALAR_TYPES.has(type)) {
      type = resolveOrKeep(ctx, type);
    }
  }
  let sb = `${label === null ? '' : `${label} `}${type} ${field.name} = ${field.tag}`;
  const withSpecial: OptionElement[] = [...field.options];
  if (field.defaultValue !== null) {
    withSpecial.push({ name: 'default', parenthesized: false, value: { kind: defaultKind(field.type), value: field.defaultValue } as OptionValue });
  }
  if (field.jsonName !== null) withSpecial.push({ name: 'json_name', parenthesized: false, value: { kind: 'STRING', value: field.jsonName } });
  const options = filterOptions(ctx, withSpecial);
  if (options.length > 0) sb += ` ${appendOptions(ctx, options.map((o) => ({ kind: 'OPTION', value: o }) as const))}`;
  return `${sb};\n`;
}

/** Normalized: custom option names resolved, options sorted by name, one non-repeated
 *  extension's settings merged (option-normalize.ts). */
function filterOptions(ctx: Ctx, all: readonly OptionElement[]): readonly OptionElement[] {
  const options = ctx.ignoreExtensions ? all.filter((o) => !o.parenthesized || o.name.startsWith('confluent.')) : all;
  if (!ctx.normalize || options.length === 0) return options;
  if (ctx.index !== undefined) return normalizeOptions({ index: ctx.index, packageName: ctx.packageName, scope: ctx.scope }, options);
  return [...options].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function optionStatement(ctx: Ctx, option: OptionElement): string {
  return `option ${printOption(ctx, option)};\n`;
}

/** ProtobufSchemaUtils.toString(OptionElement). */
function printOption(ctx: Ctx, option: OptionElement): string {
  const name = option.parenthesized ? `(${option.name})` : option.name;
  const v = option.value;
  switch (v.kind) {
    case 'STRING':
      return `${name} = "${escapeChars(v.value)}"`;
    case 'BOOLEAN':
    case 'ENUM':
      return `${name} = ${v.value}`;
    case 'NUMBER':
      return `${name} = ${formatNumber(ctx, v.value)}`;
    case 'OPTION':
      return `${name}.${printOption(ctx, v.value)}`;
    case 'MAP':
      return `${name} = {\n${formatOptionMap(ctx, v.value)}}`;
    case 'LIST':
      return `${name} = ${appendOptions(ctx, v.value)}`;
  }
}

function formatOptionMap(ctx: Ctx, map: ReadonlyMap<string, OptionValue>): string {
  let entries = [...map.entries()];
  if (ctx.normalize) {
    const index = ctx.index;
    const renamed = new Map<string, OptionValue>();
    for (const [key, value] of entries) {
      if (value.kind === 'LIST' && value.value.length === 0) continue;
      const name = index === undefined ? key : normalizeMapKey({ index, packageName: ctx.packageName, scope: ctx.scope }, key);
      if (!renamed.has(name)) renamed.set(name, value); // Collectors.toMap keeps the first
    }
    entries = [...renamed.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
  return entries.map(([key, value], i) => indented(`${key}: ${formatValue(ctx, value)}${i < entries.length - 1 ? ',' : ''}`)).join('');
}

/** ProtobufSchemaUtils.formatOptionMapOrListValue. */
function formatValue(ctx: Ctx, v: OptionValue): string {
  switch (v.kind) {
    case 'STRING':
      return `"${escapeChars(v.value)}"`;
    case 'BOOLEAN':
    case 'ENUM':
      return v.value;
    case 'NUMBER':
      return formatNumber(ctx, v.value);
    case 'MAP':
      return `{\n${formatOptionMap(ctx, v.value)}}`;
    case 'OPTION':
      return printOption(ctx, v.value);
    case 'LIST': {
      if (ctx.normalize && v.value.length === 1) return formatValue(ctx, v.value[0] as OptionValue);
      const items = v.value.map((x, i) => indented(`${formatValue(ctx, x)}${i < v.value.length - 1 ? ',' : ''}`)).join('');
      return `[\n${items}]`;
    }
  }
}

/** ProtobufSchemaUtils.appendOptions: one value inline in brackets, several one per line. */
function appendOptions(ctx: Ctx, values: readonly OptionValue[]): string {
  if (values.length === 1) return `[${formatValue(ctx, values[0] as OptionValue)}]`;
  return `[\n${values.map((v, i) => indented(`${formatValue(ctx, v)}${i < values.length - 1 ? ',' : ''}`)).join('')}]`;
}

/** ProtobufSchemaUtils.escapeChars. */
export function escapeChars(input: string): string {
  const map: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\', "'": "\\'", '"': '\\"' };
  let out = '';
  for (const ch of input) out += map[ch] ?? ch;
  return out;
}

/**
 * Normalized numbers go through Java's NumberUtils.createNumber and a DecimalFormat without
 * grouping (at most three fraction digits); anything it cannot read (inf, nan) stays as written.
 */
function formatNumber(ctx: Ctx, text: string): string {
  if (!ctx.normalize) return text;
  if (/^[-+]?(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(text)) {
    const neg = text.startsWith('-');
    const digits = text.replace(/^[-+]/, '');
    const big = /^0[xX]/.test(digits) ? BigInt(digits) : BigInt(digits.replace(/^0+(?=\d)/, ''));
    return `${neg && big !== 0n ? '-' : ''}${big}`;
  }
  // NumberUtils.createNumber reads a trailing type letter (10f, 1.5d, 7L) as Java's literals do.
  const n = Number(/^[-+]?[0-9.]+([eE][-+]?[0-9]+)?[fFdDlL]$/.test(text) ? text.slice(0, -1) : text);
  if (!Number.isFinite(n)) return text;
  return n.toFixed(3).replace(/\.?0+$/, '');
}
