// Confluent's SchemaDiff for JSON Schema (json-schema-provider/.../json/diff/: SchemaDiff,
// Context, StringSchemaDiff, NumberSchemaDiff, EnumSchemaDiff, ConstSchemaDiff, NotSchemaDiff,
// CombinedSchemaDiff; objects and arrays in diff-content.ts). The differences between an
// original (writer) and an update (reader) schema; the update reads data written with the
// original when every difference is in the policy's compatible set. A pair of schemas is
// compared once (memoised by identity), a pair met again while being compared is a cycle and
// taken as compatible, and the pass is repeated with the pairs found incompatible until it
// settles (Context.compareMemoized, SchemaDiff.compare's fixpoint). Pure.

import type { Difference, DifferenceType } from './differences.ts';
import { printJson, jsonEquals } from './json-text.ts';
import type { Schema, SchemaOf } from './model.ts';
import { compareArrays, compareObjects } from './diff-content.ts';

/** Most schema pairs one check compares (all passes together): recursive schemas end here. */
export const DIFF_STEPS_MAX = 200_000;
/** Most fixpoint passes (each grows the set of incompatible pairs; this bounds it outright). */
export const DIFF_PASSES_MAX = 64;
/** Deepest nesting of comparisons (a chain of "$ref"s through distinct definitions recurses). */
export const DIFF_DEPTH_MAX = 512;
/** Most "$ref"s followed in a row without reaching a schema that is not a "$ref". */
const REF_CHAIN_MAX = 64;

export class DiffLimitExceeded {
  constructor(readonly message: string) {}
}

/** What every Context of one pass shares: memo, in-progress pairs, the seed, the step count. */
interface Shared {
  readonly compatible: ReadonlySet<DifferenceType>;
  readonly memo: Map<Schema, Map<Schema, readonly Difference[]>>;
  readonly inProgress: Map<Schema, Set<Schema>>;
  readonly seed: Map<Schema, Map<Schema, readonly Difference[]>>;
  optimism: boolean;
  steps: { n: number };
  depth: number;
}

export class Context {
  readonly diffs: Difference[] = [];
  private readonly path: string[];

  constructor(readonly shared: Shared, path: readonly string[] = []) {
    this.path = [...path];
  }

  sub(): Context {
    return new Context(this.shared, this.path);
  }

  /** Runs `body` with `segment` appended to the path ("properties", "foo", "items/0"). */
  at(segment: string, body: () => void): void {
    this.path.push(segment);
    try {
      body();
    } finally {
      this.path.pop();
    }
  }

  add(type: DifferenceType, segment?: string): void {
    const parts = segment === undefined ? this.path : [...this.path, segment];
    this.diffs.push({ type, path: `#/${parts.join('/')}` });
  }

  addAll(diffs: readonly Difference[]): void {
    for (const d of diffs) this.diffs.push(d); // no spread: a list may be longer than an argument list
  }

  /** Differences computed relative to a pair, rebased onto this path (Context.rebase). */
  addRebased(diffs: readonly Difference[]): void {
    const prefix = `#/${this.path.join('/')}`;
    for (const d of diffs) this.diffs.push({ type: d.type, path: d.path.length <= 2 ? prefix : this.path.length === 0 ? d.path : `${prefix}/${d.path.slice(2)}` });
  }

  isCompatible(): boolean {
    return this.diffs.every((d) => this.shared.compatible.has(d.type));
  }
}

const lookup = (m: Map<Schema, Map<Schema, readonly Difference[]>>, a: Schema, b: Schema) => m.get(a)?.get(b);
function put<V>(m: Map<Schema, Map<Schema, V>>, a: Schema, b: Schema, v: V): void {
  let inner = m.get(a);
  if (inner === undefined) m.set(a, (inner = new Map()));
  inner.set(b, v);
}

/**
 * The differences from `original` to `update`; `compatible` is the policy's set of allowed
 * types (COMPATIBLE_CHANGES), which steers combined schemas and cycles. Throws DiffLimitExceeded only.
 */
export function diffSchemas(compatible: ReadonlySet<DifferenceType>, original: Schema, update: Schema): readonly Difference[] {
  const steps = { n: 0 };
  let seed = new Map<Schema, Map<Schema, readonly Difference[]>>();
  for (let pass = 0; pass < DIFF_PASSES_MAX; pass++) {
    const shared: Shared = { compatible, memo: new Map(), inProgress: new Map(), seed, optimism: false, steps, depth: 0 };
    const ctx = new Context(shared);
    compare(ctx, original, update);
    const incompatible = new Map<Schema, Map<Schema, readonly Difference[]>>();
    let count = 0;
    for (const [a, inner] of shared.memo) {
      for (const [b, diffs] of inner) {
        if (diffs.some((d) => !compatible.has(d.type))) {
          put(incompatible, a, b, diffs);
          count++;
        }
      }
    }
    const seedCount = [...seed.values()].reduce((n, m) => n + m.size, 0);
    if (!shared.optimism || count === seedCount) return ctx.diffs;
    seed = incompatible;
  }
  throw new DiffLimitExceeded(`the comparison did not settle in ${DIFF_PASSES_MAX} passes`);
}

function deref(schema: Schema): Schema {
  let s = schema;
  for (let i = 0; s.t === 'ref'; i++) {
    if (i >= REF_CHAIN_MAX) throw new DiffLimitExceeded(`more than ${REF_CHAIN_MAX} $refs in a row at '${schema.t === 'ref' ? schema.ref : ''}'`);
    const target = s.target();
    if (target === undefined) throw new DiffLimitExceeded(`Unresolved $ref '${s.ref}'`);
    s = target;
  }
  return s;
}

/** SchemaDiff.compare(Context, Schema, Schema). */
export function compare(ctx: Context, original: Schema | undefined, update: Schema | undefined): void {
  if (original === undefined && update === undefined) return;
  if (original === undefined) return ctx.add('SCHEMA_ADDED');
  if (update === undefined) return ctx.add('SCHEMA_REMOVED');
  if (++ctx.shared.steps.n > DIFF_STEPS_MAX) throw new DiffLimitExceeded(`the comparison took more than ${DIFF_STEPS_MAX} steps`);
  const o = deref(original);
  const u = deref(update);
  const shared = ctx.shared;
  let diffs = lookup(shared.memo, o, u);
  if (diffs === undefined) {
    if (shared.inProgress.get(o)?.has(u)) {
      const seeded = lookup(shared.seed, o, u);
      if (seeded === undefined) shared.optimism = true;
      diffs = seeded ?? [];
    } else {
      let inner = shared.inProgress.get(o);
      if (inner === undefined) shared.inProgress.set(o, (inner = new Set()));
      inner.add(u);
      if (++shared.depth > DIFF_DEPTH_MAX) throw new DiffLimitExceeded(`comparisons nested deeper than ${DIFF_DEPTH_MAX}`);
      try {
        const sub = new Context(shared);
        compareTypes(sub, o, u);
        diffs = sub.diffs;
        put(shared.memo, o, u, diffs);
      } finally {
        inner.delete(u);
        shared.depth--;
      }
    }
  }
  ctx.addRebased(diffs);
}

const isEmptyLike = (s: Schema): boolean => s.t === 'empty' || s.t === 'true';
const isSumCriterion = (s: SchemaOf<'combined'>): boolean => s.criterion === 'anyOf' || s.criterion === 'oneOf';

/** SchemaDiff.compareTypes. */
function compareTypes(ctx: Context, original: Schema, update: Schema): void {
  if (original.t !== 'combined' && update.t === 'combined') {
    if (update.subschemas.length === 1) {
      const sub = ctx.sub();
      compare(sub, original, update.subschemas[0]);
      if (sub.isCompatible()) return ctx.addAll(sub.diffs);
    } else if (isSumCriterion(update)) {
      for (const s of update.subschemas) {
        const sub = ctx.sub();
        compare(sub, original, s);
        if (sub.isCompatible()) {
          ctx.addAll(sub.diffs);
          return ctx.add('SUM_TYPE_EXTENDED');
        }
      }
    }
  } else if (original.t === 'combined' && update.t !== 'combined') {
    if (original.subschemas.length === 1) {
      const sub = ctx.sub();
      compare(sub, original.subschemas[0], update);
      if (sub.isCompatible()) return ctx.addAll(sub.diffs);
    } else if (original.criterion === 'allOf') {
      for (const s of original.subschemas) {
        const sub = ctx.sub();
        compare(sub, s, update);
        if (sub.isCompatible()) {
          ctx.addAll(sub.diffs);
          return ctx.add('PRODUCT_TYPE_NARROWED');
        }
      }
    }
  }
  if (original.t !== update.t) {
    // everit's TrueSchema extends EmptySchema: an update of {} or true accepts anything.
    if (original.t === 'false' || isEmptyLike(update)) return;
    if (original.connectType === 'bytes' && update.connectType === 'bytes') return;
    return ctx.add('TYPE_CHANGED');
  }
  if (original.id !== update.id) ctx.add('ID_CHANGED');
  if (original.title !== update.title) ctx.add('TITLE_CHANGED');
  if (original.description !== update.description) ctx.add('DESCRIPTION_CHANGED');
  const od = original.defaultValue;
  const ud = update.defaultValue;
  if (od === undefined ? ud !== undefined : ud === undefined || !jsonEquals(od, ud)) ctx.add('DEFAULT_CHANGED');
  switch (original.t) {
    case 'string': return compareStrings(ctx, original, update as SchemaOf<'string'>);
    case 'number': return compareNumbers(ctx, original, update as SchemaOf<'number'>);
    case 'const':
      if (!jsonEquals(original.value, (update as SchemaOf<'const'>).value)) ctx.add('ENUM_ARRAY_CHANGED', 'const');
      return;
    case 'enum': return compareEnums(ctx, original, update as SchemaOf<'enum'>);
    case 'combined': return compareCombined(ctx, original, update as SchemaOf<'combined'>);
    case 'not':
      ctx.at('not', () => {
        const sub = ctx.sub();
        compare(sub, (update as SchemaOf<'not'>).schema, original.schema); // reversed, as NotSchemaDiff
        ctx.add(sub.isCompatible() ? 'NOT_TYPE_NARROWED' : 'NOT_TYPE_EXTENDED');
      });
      return;
    case 'object': return compareObjects(ctx, original, update as SchemaOf<'object'>);
    case 'array': return compareArrays(ctx, original, update as SchemaOf<'array'>);
    default: return;
  }
}

/** Added/removed/increased/decreased of one numeric keyword (StringSchemaDiff and the like). */
export function compareLimit(ctx: Context, name: string, o: number | undefined, u: number | undefined, kind: string): void {
  if (o === u) return;
  if (o === undefined) ctx.add(`${kind}_ADDED`, name);
  else if (u === undefined) ctx.add(`${kind}_REMOVED`, name);
  else if (o < u) ctx.add(`${kind}_INCREASED`, name);
  else if (o > u) ctx.add(`${kind}_DECREASED`, name);
}

function compareStrings(ctx: Context, o: SchemaOf<'string'>, u: SchemaOf<'string'>): void {
  compareLimit(ctx, 'maxLength', o.maxLength, u.maxLength, 'MAX_LENGTH');
  compareLimit(ctx, 'minLength', o.minLength, u.minLength, 'MIN_LENGTH');
  if (o.pattern === undefined && u.pattern !== undefined) ctx.add('PATTERN_ADDED', 'pattern');
  else if (o.pattern !== undefined && u.pattern === undefined) ctx.add('PATTERN_REMOVED', 'pattern');
  else if (o.pattern !== u.pattern) ctx.add('PATTERN_CHANGED', 'pattern');
}

/** A decimal literal as (digits, exponent) for an exact multipleOf test (BigDecimal.remainder). */
function decimal(raw: string): { n: bigint; e: number } {
  const m = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/.exec(raw);
  if (m === null) return { n: 0n, e: 0 };
  const frac = m[3] ?? '';
  return { n: BigInt(`${m[1]}${m[2]}${frac}`), e: Number(m[4] ?? '0') - frac.length };
}
/** Whether a is an exact multiple of b (b non-zero), in exact decimal arithmetic. */
function isMultiple(a: string, b: string): boolean {
  const x = decimal(a);
  const y = decimal(b);
  const e = Math.min(x.e, y.e);
  if (Math.abs(x.e - e) > 400 || Math.abs(y.e - e) > 400) return false;
  const xa = x.n * 10n ** BigInt(x.e - e);
  const ya = y.n * 10n ** BigInt(y.e - e);
  return ya !== 0n && xa % ya === 0n;
}

function compareNumbers(ctx: Context, o: SchemaOf<'number'>, u: SchemaOf<'number'>): void {
  compareLimit(ctx, 'maximum', o.maximum, u.maximum, 'MAXIMUM');
  compareLimit(ctx, 'minimum', o.minimum, u.minimum, 'MINIMUM');
  compareLimit(ctx, 'exclusiveMaximum', o.exclusiveMaximum, u.exclusiveMaximum, 'EXCLUSIVE_MAXIMUM');
  compareLimit(ctx, 'exclusiveMinimum', o.exclusiveMinimum, u.exclusiveMinimum, 'EXCLUSIVE_MINIMUM');
  const om = o.multipleOf;
  const um = u.multipleOf;
  const equal = om === undefined ? um === undefined : um !== undefined && isMultiple(om, um) && isMultiple(um, om);
  if (!equal) {
    if (om === undefined) ctx.add('MULTIPLE_OF_ADDED', 'multipleOf');
    else if (um === undefined) ctx.add('MULTIPLE_OF_REMOVED', 'multipleOf');
    else if (isMultiple(um, om)) ctx.add('MULTIPLE_OF_EXPANDED', 'multipleOf');
    else if (isMultiple(om, um)) ctx.add('MULTIPLE_OF_REDUCED', 'multipleOf');
    else ctx.add('MULTIPLE_OF_CHANGED', 'multipleOf');
  }
  if (o.requiresInteger !== u.requiresInteger) ctx.add(o.requiresInteger ? 'TYPE_EXTENDED' : 'TYPE_NARROWED');
}

/**
 * EnumSchemaDiff compares the lists of possible values (equals, then containsAll). Values are
 * told apart by their printed JSON with keys sorted (numbers as Jackson prints them, so 1 and
 * 1.0 differ, as Integer and BigDecimal do in Java); sets keep large enums linear.
 */
function compareEnums(ctx: Context, o: SchemaOf<'enum'>, u: SchemaOf<'enum'>): void {
  const keys = (s: SchemaOf<'enum'>): string[] => s.values.map((v) => printJson(v, true));
  const ok = keys(o);
  const uk = keys(u);
  if (ok.length === uk.length && ok.every((k, i) => k === uk[i])) return;
  const uSet = new Set(uk);
  const oSet = new Set(ok);
  const uHasAll = ok.every((k) => uSet.has(k));
  const oHasAll = uk.every((k) => oSet.has(k));
  if (uHasAll) ctx.add('ENUM_ARRAY_EXTENDED', 'enum');
  else if (oHasAll) ctx.add('ENUM_ARRAY_NARROWED', 'enum');
  else ctx.add('ENUM_ARRAY_CHANGED', 'enum');
}

const isSingleton = (s: SchemaOf<'combined'>): boolean => s.subschemas.length === 1;

/**
 * Distinct subschemas (CombinedSchemaDiff collapses duplicates in a set of JsonSchema, equal by
 * printed schema). Keyed by kind and source JSON: the kinds one node yields ("type": [...], or
 * "type" beside "enum") share a source and differ in kind.
 */
const distinctKeys = new WeakMap<Schema, string>();
function distinct(subschemas: readonly Schema[]): Schema[] {
  const seen = new Set<string>();
  return subschemas.filter((s) => {
    let key = distinctKeys.get(s);
    if (key === undefined) distinctKeys.set(s, (key = `${s.t}:${printJson(s.src, false)}`));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** CombinedSchemaDiff: criteria, sizes, then a maximum matching of compatible subschema pairs. */
function compareCombined(ctx: Context, o: SchemaOf<'combined'>, u: SchemaOf<'combined'>): void {
  if (o.criterion !== u.criterion) {
    const extended = u.criterion === 'anyOf' || (isSingleton(o) && isSingleton(u))
      || (isSingleton(o) && u.criterion === 'oneOf') || (isSingleton(u) && o.criterion === 'allOf');
    if (!extended) return ctx.add('COMBINED_TYPE_CHANGED');
    ctx.add('COMBINED_TYPE_EXTENDED');
  }
  const os = distinct(o.subschemas);
  const us = distinct(u.subschemas);
  if (os.length < us.length) ctx.add(u.criterion === 'allOf' ? 'PRODUCT_TYPE_EXTENDED' : 'SUM_TYPE_EXTENDED');
  else if (os.length > us.length) ctx.add(o.criterion === 'allOf' ? 'PRODUCT_TYPE_NARROWED' : 'SUM_TYPE_NARROWED');
  const edges: Array<Array<readonly Difference[] | undefined>> = os.map(() => []);
  os.forEach((a, i) => ctx.at(`${o.criterion}/${i}`, () => {
    us.forEach((b, j) => {
      const sub = ctx.sub();
      compare(sub, a, b);
      if (sub.isCompatible()) edges[i]![j] = sub.diffs;
    });
  }));
  const matchOfUpdate = maximumMatching(edges, os.length, us.length);
  let size = 0;
  matchOfUpdate.forEach((i, j) => {
    if (i < 0) return;
    size++;
    ctx.addAll(edges[i]![j]!);
  });
  if (size < Math.min(os.length, us.length)) ctx.add('COMBINED_TYPE_SUBSCHEMAS_CHANGED');
}

/** A maximum bipartite matching (augmenting paths), as MaximumCardinalityMatch: update j -> original i or -1. */
function maximumMatching(edges: ReadonlyArray<ReadonlyArray<unknown>>, left: number, right: number): number[] {
  const matchOfRight = new Array<number>(right).fill(-1);
  const augment = (i: number, seen: boolean[]): boolean => {
    for (let j = 0; j < right; j++) {
      if (edges[i]![j] === undefined || seen[j]) continue;
      seen[j] = true;
      if (matchOfRight[j]! < 0 || augment(matchOfRight[j]!, seen)) {
        matchOfRight[j] = i;
        return true;
      }
    }
    return false;
  };
  for (let i = 0; i < left; i++) augment(i, new Array<boolean>(right).fill(false));
  return matchOfRight;
}
