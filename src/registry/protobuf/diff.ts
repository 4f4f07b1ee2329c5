// Confluent's Protobuf schema diff, ported from confluentinc/schema-registry protobuf-provider
// .../protobuf/diff/ (SchemaDiff, MessageSchemaDiff, FieldSchemaDiff, EnumSchemaDiff, Context,
// Difference). compare(original, update) lists every Difference between the writer's schema
// (original) and the reader's (update), each at a path such as "#/Message/3" (messages by name,
// fields by tag, oneofs by name); the changes outside COMPATIBLE_CHANGES make the pair
// incompatible. Fields are matched by tag across the whole message (oneof members included), so
// a change of oneof membership cannot hide a type change or a removal.
//
// Confluent walks messages and enums of one scope in HashSet order; we walk them sorted by name,
// so the differences come in a deterministic order that may differ from Java's.

import { SCALAR_TYPES, mapTypes, type EnumElement, type FieldElement, type Label, type MessageElement, type OneOfElement, type TypeElement } from './ast.ts';
import { TypeIndex, type TypeInfo } from './type-index.ts';

export const DIFFERENCE_TYPES = [
  'PACKAGE_CHANGED', 'MESSAGE_ADDED', 'MESSAGE_REMOVED', 'MESSAGE_MOVED',
  'ENUM_ADDED', 'ENUM_REMOVED', 'ENUM_CONST_ADDED', 'ENUM_CONST_CHANGED', 'ENUM_CONST_REMOVED',
  'FIELD_ADDED', 'FIELD_REMOVED', 'FIELD_NAME_CHANGED', 'FIELD_KIND_CHANGED', 'FIELD_SCALAR_KIND_CHANGED', 'FIELD_NAMED_TYPE_CHANGED',
  'FIELD_NUMERIC_LABEL_CHANGED', 'FIELD_STRING_OR_BYTES_LABEL_CHANGED', 'REQUIRED_FIELD_ADDED', 'REQUIRED_FIELD_REMOVED',
  'ONEOF_ADDED', 'ONEOF_REMOVED', 'ONEOF_FIELD_ADDED', 'ONEOF_FIELD_REMOVED', 'ONEOF_FIELD_MOVED_TO_TOP_LEVEL',
  'MULTIPLE_FIELDS_MOVED_TO_ONEOF', 'FIELD_MOVED_TO_EXISTING_ONEOF',
] as const;
export type DifferenceType = (typeof DIFFERENCE_TYPES)[number];

export interface Difference {
  readonly type: DifferenceType;
  readonly fullPath: string;
}

/** SchemaDiff.COMPATIBLE_CHANGES: what a reader (update) tolerates in data of the writer (original). */
export const COMPATIBLE_CHANGES: ReadonlySet<DifferenceType> = new Set<DifferenceType>([
  'MESSAGE_ADDED', 'MESSAGE_MOVED', 'ENUM_ADDED', 'ENUM_REMOVED', 'ENUM_CONST_ADDED', 'ENUM_CONST_CHANGED', 'ENUM_CONST_REMOVED',
  'FIELD_ADDED', 'FIELD_REMOVED', 'FIELD_NAME_CHANGED', 'FIELD_STRING_OR_BYTES_LABEL_CHANGED',
  'ONEOF_ADDED', 'ONEOF_REMOVED', 'ONEOF_FIELD_ADDED', 'ONEOF_FIELD_MOVED_TO_TOP_LEVEL',
]);

/** One side of a comparison: the schema's file, its package, and every type it can name. */
export interface DiffSide {
  readonly types: readonly TypeElement[];
  readonly packageName: string;
  readonly index: TypeIndex;
}

/** Most steps (messages, enums and fields visited) one comparison takes. */
export const DIFF_STEPS_MAX = 1_000_000;

export type DiffResult = { readonly ok: true; readonly differences: readonly Difference[] } | { readonly ok: false; readonly message: string };

class StepLimit extends Error {}

/** Confluent's diff/Context: the path, the name scope, the two type indexes, the findings. */
class Context {
  readonly differences: Difference[] = [];
  /** Original messages being compared now (Context.SchemaScope): ends recursive types. */
  private readonly inProgress: Set<MessageElement>;
  path: string[];
  scope: string[];
  originalPackage: string;
  updatePackage: string;

  constructor(
    readonly original: TypeIndex,
    readonly update: TypeIndex,
    originalPackage: string,
    updatePackage: string,
    private readonly steps: { n: number },
    inProgress = new Set<MessageElement>(),
    path: string[] = [],
    scope: string[] = [],
  ) {
    this.originalPackage = originalPackage;
    this.updatePackage = updatePackage;
    this.inProgress = inProgress;
    this.path = path;
    this.scope = scope;
  }

  step(): void {
    if (++this.steps.n > DIFF_STEPS_MAX) throw new StepLimit(`schema comparison took more than ${DIFF_STEPS_MAX} steps`);
  }

  /** Context.getSubcontext: same types and scope, no findings yet. */
  subcontext(): Context {
    return new Context(this.original, this.update, this.originalPackage, this.updatePackage, this.steps, new Set(this.inProgress), [...this.path], [...this.scope]);
  }

  add(type: DifferenceType): void {
    this.differences.push({ type, fullPath: `#/${this.path.join('/')}` });
  }

  isCompatible(): boolean {
    return this.differences.every((d) => COMPATIBLE_CHANGES.has(d.type));
  }

  inPath<T>(segment: string, fn: () => T): T {
    this.path.push(segment);
    try {
      return fn();
    } finally {
      this.path.pop();
    }
  }

  inName<T>(name: string, fn: () => T): T {
    this.scope.push(name);
    try {
      return this.inPath(name, fn);
    } finally {
      this.scope.pop();
    }
  }

  resolve(name: string, isOriginal: boolean): string | undefined {
    return isOriginal ? this.original.resolve(name, this.originalPackage, this.scope) : this.update.resolve(name, this.updatePackage, this.scope);
  }

  getType(name: string, isOriginal: boolean): TypeInfo | undefined {
    const full = this.resolve(name, isOriginal);
    return full === undefined ? undefined : (isOriginal ? this.original : this.update).get(full);
  }

  /** MessageSchemaDiff's SchemaScope: false when `m` is already being compared (recursion). */
  enterSchema(m: MessageElement): boolean {
    if (this.inProgress.has(m)) return false;
    this.inProgress.add(m);
    return true;
  }

  leaveSchema(m: MessageElement): void {
    this.inProgress.delete(m);
  }
}

/** SchemaDiff.compare: the differences from `original` (writer) to `update` (reader). */
export function compareSchemas(original: DiffSide, update: DiffSide): DiffResult {
  const ctx = new Context(original.index, update.index, original.packageName, update.packageName, { n: 0 });
  try {
    if (original.packageName !== update.packageName) ctx.add('PACKAGE_CHANGED');
    compareTypeElements(ctx, original.types, update.types);
    return { ok: true, differences: ctx.differences };
  } catch (e) {
    // The step limit, or a defect: either way a value, never a throw out of the registry's check.
    return { ok: false, message: e instanceof StepLimit ? e.message : `schema comparison failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function byName<T extends TypeElement>(types: readonly TypeElement[], kind: T['kind']): { map: Map<string, T>; index: Map<string, number> } {
  const map = new Map<string, T>();
  const index = new Map<string, number>();
  let i = 0;
  for (const t of types) {
    if (t.kind !== kind) continue;
    map.set(t.name, t as T);
    if (kind === 'message') index.set(t.name, i++);
  }
  return { map, index };
}

function sortedUnion<T>(a: Iterable<T>, b: Iterable<T>, cmp?: (x: T, y: T) => number): T[] {
  return [...new Set([...a, ...b])].sort(cmp);
}

/** SchemaDiff.compareTypeElements: messages and enums of one scope, matched by name. */
function compareTypeElements(ctx: Context, original: readonly TypeElement[], update: readonly TypeElement[]): void {
  const om = byName<MessageElement>(original, 'message');
  const um = byName<MessageElement>(update, 'message');
  const oe = byName<EnumElement>(original, 'enum');
  const ue = byName<EnumElement>(update, 'enum');
  for (const name of sortedUnion(om.map.keys(), um.map.keys())) {
    ctx.step();
    ctx.inName(name, () => {
      const o = om.map.get(name);
      const u = um.map.get(name);
      // Confluent skips synthetic map-entry messages here; a parsed .proto has none.
      if (u === undefined) {
        if (ctx.getType(name, true) !== undefined) ctx.add('MESSAGE_REMOVED');
      } else if (o === undefined) {
        if (ctx.getType(name, false) !== undefined) ctx.add('MESSAGE_ADDED');
      } else {
        compareMessages(ctx, o, u);
        // Moving or reordering a message is compatible: message indexes in serialized data refer
        // to the schema of their own id (SchemaDiff's comment).
        if (om.index.get(name) !== um.index.get(name)) ctx.add('MESSAGE_MOVED');
      }
    });
  }
  for (const name of sortedUnion(oe.map.keys(), ue.map.keys())) {
    ctx.step();
    ctx.inName(name, () => {
      const o = oe.map.get(name);
      const u = ue.map.get(name);
      if (u === undefined) ctx.add('ENUM_REMOVED');
      else if (o === undefined) ctx.add('ENUM_ADDED');
      else compareEnums(ctx, o, u);
    });
  }
}

/** EnumSchemaDiff.compare: constants matched by number. */
function compareEnums(ctx: Context, original: EnumElement, update: EnumElement): void {
  const o = new Map(original.constants.map((c) => [c.tag, c]));
  const u = new Map(update.constants.map((c) => [c.tag, c]));
  for (const tag of sortedUnion(o.keys(), u.keys(), (a, b) => a - b)) {
    ctx.step();
    ctx.inPath(String(tag), () => {
      const oc = o.get(tag);
      const uc = u.get(tag);
      if (uc === undefined) ctx.add('ENUM_CONST_REMOVED');
      else if (oc === undefined) ctx.add('ENUM_CONST_ADDED');
      else if (oc.name !== uc.name) ctx.add('ENUM_CONST_CHANGED');
    });
  }
}

interface MessageFields {
  byTag: Map<number, FieldElement>;
  tagToOneOf: Map<number, string>;
  oneOfs: Map<string, OneOfElement>;
}

function collectFields(m: MessageElement): MessageFields {
  const byTag = new Map<number, FieldElement>();
  const tagToOneOf = new Map<number, string>();
  const oneOfs = new Map<string, OneOfElement>();
  for (const f of m.fields) byTag.set(f.tag, f);
  for (const o of m.oneOfs) {
    oneOfs.set(o.name, o);
    for (const f of o.fields) {
      byTag.set(f.tag, f);
      tagToOneOf.set(f.tag, o.name);
    }
  }
  return { byTag, tagToOneOf, oneOfs };
}

/** MessageSchemaDiff.compare. */
function compareMessages(ctx: Context, original: MessageElement, update: MessageElement): void {
  // As in Java, the nested types are compared while `original` is still marked in progress.
  const entered = ctx.enterSchema(original);
  try {
    if (entered) compareMessageBodies(ctx, original, update);
    compareTypeElements(ctx, original.nestedTypes, update.nestedTypes);
  } finally {
    if (entered) ctx.leaveSchema(original);
  }
}

function compareMessageBodies(ctx: Context, original: MessageElement, update: MessageElement): void {
  const o = collectFields(original);
  const u = collectFields(update);
  // A oneof removed by name with none of its members left anywhere is a complete (compatible)
  // deletion; members dropped while others survive are reported one by one below.
  const completelyDeleted = new Set<string>();
  for (const [name, oneOf] of o.oneOfs) {
    if (!u.oneOfs.has(name) && !oneOf.fields.some((f) => u.byTag.has(f.tag))) completelyDeleted.add(name);
  }
  // Newly introduced mutual exclusivity: an update oneof whose pre-existing members come from
  // more than one original group (an original oneof, or each original top-level field).
  for (const oneOf of update.oneOfs) {
    ctx.inPath(oneOf.name, () => {
      const groups = new Set<string>();
      let topLevelMovedIn = 0;
      for (const f of oneOf.fields) {
        const from = o.tagToOneOf.get(f.tag);
        if (from !== undefined) groups.add(`oneof:${from}`);
        else if (o.byTag.has(f.tag)) {
          groups.add(`field:${f.tag}`);
          topLevelMovedIn++;
        }
      }
      if (groups.size > 1) ctx.add(topLevelMovedIn > 1 ? 'MULTIPLE_FIELDS_MOVED_TO_ONEOF' : 'FIELD_MOVED_TO_EXISTING_ONEOF');
    });
  }
  for (const name of sortedUnion(o.oneOfs.keys(), u.oneOfs.keys())) {
    ctx.inPath(name, () => {
      if (!u.oneOfs.has(name)) ctx.add('ONEOF_REMOVED');
      else if (!o.oneOfs.has(name)) ctx.add('ONEOF_ADDED');
    });
  }
  for (const tag of sortedUnion(o.byTag.keys(), u.byTag.keys(), (a, b) => a - b)) {
    ctx.step();
    const of = o.byTag.get(tag);
    const uf = u.byTag.get(tag);
    const oOneOf = o.tagToOneOf.get(tag);
    const uOneOf = u.tagToOneOf.get(tag);
    const t = String(tag);
    if (uf === undefined) {
      if (oOneOf !== undefined) {
        if (!completelyDeleted.has(oOneOf)) ctx.inPath(oOneOf, () => ctx.inPath(t, () => ctx.add('ONEOF_FIELD_REMOVED')));
      } else {
        ctx.inPath(t, () => ctx.add(of?.label === 'required' ? 'REQUIRED_FIELD_REMOVED' : 'FIELD_REMOVED'));
      }
    } else if (of === undefined) {
      if (uOneOf !== undefined) ctx.inPath(uOneOf, () => ctx.inPath(t, () => ctx.add('ONEOF_FIELD_ADDED')));
      else ctx.inPath(t, () => ctx.add(uf.label === 'required' ? 'REQUIRED_FIELD_ADDED' : 'FIELD_ADDED'));
    } else {
      if (oOneOf !== undefined && uOneOf === undefined) ctx.inPath(t, () => ctx.add('ONEOF_FIELD_MOVED_TO_TOP_LEVEL'));
      if (uOneOf !== undefined) ctx.inPath(uOneOf, () => ctx.inPath(t, () => compareFields(ctx, of, uf)));
      else ctx.inPath(t, () => compareFields(ctx, of, uf));
    }
  }
}

/** FieldSchemaDiff.compare. */
function compareFields(ctx: Context, original: FieldElement, update: FieldElement): void {
  if (original.name !== update.name) ctx.add('FIELD_NAME_CHANGED');
  compareLabelsAndTypes(ctx, original.label, update.label, original.type, update.type);
}

type Kind = 'SCALAR' | 'MAP' | 'MESSAGE';

function kindOf(ctx: Context, type: string, isOriginal: boolean): Kind {
  if (SCALAR_TYPES.has(type)) return 'SCALAR';
  if (mapTypes(type) !== undefined) return 'MAP';
  // An enum travels as a varint: a scalar for the diff.
  return ctx.getType(type, isOriginal)?.type.kind === 'enum' ? 'SCALAR' : 'MESSAGE';
}

function compareLabelsAndTypes(ctx: Context, oLabel: Label | null, uLabel: Label | null, oType: string, uType: string): void {
  const ok = kindOf(ctx, oType, true);
  const uk = kindOf(ctx, uType, false);
  if (ok !== uk) {
    ctx.add('FIELD_KIND_CHANGED');
    return;
  }
  if (ok === 'SCALAR') compareScalarTypes(ctx, oLabel, uLabel, oType, uType);
  else if (ok === 'MESSAGE') compareMessageTypes(ctx, oType, uType);
  else {
    const [ok2, ov] = mapTypes(oType) as [string, string];
    const [uk2, uv] = mapTypes(uType) as [string, string];
    compareLabelsAndTypes(ctx, null, null, ok2, uk2);
    compareLabelsAndTypes(ctx, null, null, ov, uv);
  }
}

type ScalarKind = 'GENERAL_NUMBER' | 'SIGNED_NUMBER' | 'STRING_OR_BYTES' | 'FIXED32' | 'FIXED64' | 'FLOAT' | 'DOUBLE';

/** FieldSchemaDiff.scalarKind: the groups whose members read each other's wire data
 *  (protobuf language guide, "Updating A Message Type"). */
function scalarKind(ctx: Context, type: string, isOriginal: boolean): ScalarKind {
  if (ctx.getType(type, isOriginal)?.type.kind === 'enum') return 'GENERAL_NUMBER';
  switch (type) {
    case 'sint32':
    case 'sint64':
      return 'SIGNED_NUMBER';
    case 'string':
    case 'bytes':
      return 'STRING_OR_BYTES';
    case 'fixed32':
    case 'sfixed32':
      return 'FIXED32';
    case 'fixed64':
    case 'sfixed64':
      return 'FIXED64';
    case 'float':
      return 'FLOAT';
    case 'double':
      return 'DOUBLE';
    default:
      return 'GENERAL_NUMBER'; // int32, int64, uint32, uint64, bool
  }
}

function compareScalarTypes(ctx: Context, oLabel: Label | null, uLabel: Label | null, oType: string, uType: string): void {
  const o = scalarKind(ctx, oType, true);
  const u = scalarKind(ctx, uType, false);
  if (o !== u) {
    ctx.add('FIELD_SCALAR_KIND_CHANGED');
    return;
  }
  if (oLabel !== null && uLabel !== null && oLabel !== uLabel) {
    ctx.add(o === 'STRING_OR_BYTES' ? 'FIELD_STRING_OR_BYTES_LABEL_CHANGED' : 'FIELD_NUMERIC_LABEL_CHANGED');
  }
}

function localName(full: string, pkg: string): string {
  return pkg !== '' && full.startsWith(`${pkg}.`) ? full.slice(pkg.length + 1) : full;
}

/** FieldSchemaDiff.compareMessageTypes. */
function compareMessageTypes(ctx: Context, original: string, update: string): void {
  const oFull = ctx.resolve(original, true);
  const uFull = ctx.resolve(update, false);
  if (oFull === undefined || uFull === undefined) {
    // Could not resolve full names: compare the names as written.
    if (original !== update) ctx.add('FIELD_NAMED_TYPE_CHANGED');
    return;
  }
  const oInfo = ctx.original.get(oFull) as TypeInfo;
  const uInfo = ctx.update.get(uFull) as TypeInfo;
  const oLocal = localName(oFull, oInfo.packageName);
  const uLocal = localName(uFull, uInfo.packageName);
  if (oLocal !== uLocal) {
    ctx.add('FIELD_NAMED_TYPE_CHANGED');
    return;
  }
  const oRef = oInfo.origin;
  const uRef = uInfo.origin;
  // Types of the schema's own file are compared where they are declared; types of the same
  // referenced subject and version are the same. Anything else is compared here.
  if (oRef !== null && uRef !== null && oRef.subject === uRef.subject && oRef.version === uRef.version) return;
  if (oInfo.type.kind !== 'message' || uInfo.type.kind !== 'message') return;
  const sub = ctx.subcontext();
  sub.originalPackage = oInfo.packageName;
  sub.updatePackage = uInfo.packageName;
  sub.path = oLocal.split('.');
  sub.scope = oLocal.split('.');
  compareMessages(sub, oInfo.type, uInfo.type);
  ctx.differences.push(...sub.differences);
  if (!sub.isCompatible()) ctx.add('FIELD_NAMED_TYPE_CHANGED');
}
