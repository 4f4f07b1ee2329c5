// Objects and arrays in Confluent's SchemaDiff (json/diff/ObjectSchemaDiff.java and
// ArraySchemaDiff.java): the content model decides what adding or removing a property or tuple
// item means. Open: additionalProperties/additionalItems absent or true (and, 2019-09 on, the
// unevaluated keyword absent or true; for objects, no patternProperties). Closed: false.
// Partially open: a schema for the extra properties or items (a matching patternProperties
// entry first), which then must cover what was added or removed.

import { compare, compareLimit, type Context } from './diff.ts';
import type { Schema, SchemaOf } from './model.ts';

type ObjectSchema = SchemaOf<'object'>;
type ArraySchema = SchemaOf<'array'>;

const isEmptyLike = (s: Schema | undefined): boolean => s !== undefined && (s.t === 'empty' || s.t === 'true');
const hasDefault = (s: Schema | undefined): boolean => s?.defaultValue !== undefined;

function isOpenObject(s: ObjectSchema): boolean {
  if (!s.permitsAdditional || s.additionalSchema !== undefined || s.patternProperties.length > 0) return false;
  return s.unevaluated === undefined || isEmptyLike(s.unevaluated);
}

/** The schema a partially open object gives `key` (a matching pattern, additional, unevaluated). */
function partialSchema(s: ObjectSchema, key: string): Schema | undefined {
  for (const [pattern, schema] of s.patternProperties) {
    if (patternFinds(pattern, key)) return schema;
  }
  if (s.additionalSchema !== undefined) return s.additionalSchema;
  if (s.permitsAdditional && s.unevaluated !== undefined && s.unevaluated.t !== 'false' && !isEmptyLike(s.unevaluated)) return s.unevaluated;
  return undefined;
}

/** Pattern.matcher(key).find(): the pattern anywhere in the key; a pattern JS cannot read matches nothing. */
function patternFinds(pattern: string, key: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(key);
  } catch {
    return false;
  }
}

/** Sorted keys of two maps: Confluent walks a HashSet, so the order of its findings is unspecified. */
const keysOf = (a: ReadonlyMap<string, unknown>, b: ReadonlyMap<string, unknown>): string[] => [...new Set([...a.keys(), ...b.keys()])].sort();

export function compareObjects(ctx: Context, o: ObjectSchema, u: ObjectSchema): void {
  ctx.at('required', () => {
    for (const key of o.properties.keys()) {
      if (!u.properties.has(key)) continue;
      const was = o.required.includes(key);
      const is = u.required.includes(key);
      if (was && !is) ctx.add('REQUIRED_ATTRIBUTE_REMOVED', key);
      else if (!was && is) ctx.add(hasDefault(u.properties.get(key)) ? 'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED' : 'REQUIRED_ATTRIBUTE_ADDED', key);
    }
  });
  ctx.at('properties', () => {
    for (const key of keysOf(o.properties, u.properties)) {
      ctx.at(key, () => compareProperty(ctx, o, u, key));
    }
  });
  ctx.at('dependencies', () => {
    for (const key of keysOf(o.propertyDependencies, u.propertyDependencies)) {
      const od = o.propertyDependencies.get(key);
      const ud = u.propertyDependencies.get(key);
      if (ud === undefined) ctx.add('DEPENDENCY_ARRAY_REMOVED', key);
      else if (od === undefined) ctx.add('DEPENDENCY_ARRAY_ADDED', key);
      else {
        const uHasAll = [...od].every((d) => ud.has(d));
        const oHasAll = [...ud].every((d) => od.has(d));
        if (uHasAll && oHasAll) continue;
        ctx.add(uHasAll ? 'DEPENDENCY_ARRAY_EXTENDED' : oHasAll ? 'DEPENDENCY_ARRAY_NARROWED' : 'DEPENDENCY_ARRAY_CHANGED', key);
      }
    }
    for (const key of keysOf(o.schemaDependencies, u.schemaDependencies)) {
      const os = o.schemaDependencies.get(key);
      const us = u.schemaDependencies.get(key);
      if (us === undefined) ctx.add('DEPENDENCY_SCHEMA_REMOVED', key);
      else if (os === undefined) ctx.add('DEPENDENCY_SCHEMA_ADDED', key);
      else ctx.at(key, () => compare(ctx, os, us));
    }
  });
  ctx.at('additionalProperties', () => {
    if (o.permitsAdditional !== u.permitsAdditional) ctx.add(u.permitsAdditional ? 'ADDITIONAL_PROPERTIES_ADDED' : 'ADDITIONAL_PROPERTIES_REMOVED');
    else if (o.additionalSchema === undefined && u.additionalSchema !== undefined) ctx.add('ADDITIONAL_PROPERTIES_NARROWED');
    else if (u.additionalSchema === undefined && o.additionalSchema !== undefined) ctx.add('ADDITIONAL_PROPERTIES_EXTENDED');
    else compare(ctx, o.additionalSchema, u.additionalSchema);
  });
  compareUnevaluated(ctx, 'unevaluatedProperties', 'UNEVALUATED_PROPERTIES', o.unevaluated, u.unevaluated);
  compareLimit(ctx, 'maxProperties', o.maxProperties, u.maxProperties, 'MAX_PROPERTIES');
  compareLimit(ctx, 'minProperties', o.minProperties, u.minProperties, 'MIN_PROPERTIES');
}

function compareProperty(ctx: Context, o: ObjectSchema, u: ObjectSchema, key: string): void {
  const os = o.properties.get(key);
  const us = u.properties.get(key);
  if (us === undefined) {
    // Removing a property is judged by the update's content model only.
    if (isOpenObject(u)) return ctx.add('PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL');
    const partial = partialSchema(u, key);
    if (partial !== undefined) {
      const sub = ctx.sub();
      compare(sub, os, partial);
      ctx.addAll(sub.diffs);
      return ctx.add(sub.isCompatible() ? 'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL');
    }
    return ctx.add(os?.t === 'false' ? 'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL' : 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL');
  }
  if (os === undefined) {
    // Adding a property is judged by the original's content model only.
    const required = u.required.includes(key);
    if (isOpenObject(o)) {
      if (us.t === 'empty' || us.t === 'true') return ctx.add('PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL');
      if (required) return ctx.add(hasDefault(us) ? 'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL' : 'REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL');
      return ctx.add('OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL');
    }
    const partial = partialSchema(o, key);
    if (partial !== undefined) {
      const sub = ctx.sub();
      compare(sub, partial, us);
      ctx.addAll(sub.diffs);
      ctx.add(sub.isCompatible() ? 'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL');
    }
    if (required) return ctx.add(hasDefault(us) ? 'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL' : 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL');
    return ctx.add('OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL');
  }
  compare(ctx, os, us);
}

/** unevaluatedProperties / unevaluatedItems (2019-09 on), the same rules for both. */
function compareUnevaluated(ctx: Context, name: string, kind: string, o: Schema | undefined, u: Schema | undefined): void {
  if (o === undefined && u === undefined) return;
  ctx.at(name, () => {
    if (o === undefined) ctx.add(u?.t === 'false' ? `${kind}_REMOVED` : `${kind}_NARROWED`);
    else if (u === undefined) ctx.add(o.t === 'false' ? `${kind}_ADDED` : `${kind}_EXTENDED`);
    else if (o.t === 'false' && u.t !== 'false') ctx.add(`${kind}_ADDED`);
    else if (o.t !== 'false' && u.t === 'false') ctx.add(`${kind}_REMOVED`);
    else if (isEmptyLike(o) && !isEmptyLike(u)) ctx.add(`${kind}_NARROWED`);
    else if (!isEmptyLike(o) && isEmptyLike(u)) ctx.add(`${kind}_EXTENDED`);
    else compare(ctx, o, u);
  });
}

function isOpenArray(s: ArraySchema): boolean {
  if (!s.permitsAdditionalItems || s.additionalItemsSchema !== undefined) return false;
  return s.unevaluated === undefined || isEmptyLike(s.unevaluated);
}

function partialItems(s: ArraySchema): Schema | undefined {
  if (s.additionalItemsSchema !== undefined) return s.additionalItemsSchema;
  if (s.permitsAdditionalItems && s.unevaluated !== undefined && s.unevaluated.t !== 'false' && !isEmptyLike(s.unevaluated)) return s.unevaluated;
  return undefined;
}

export function compareArrays(ctx: Context, o: ArraySchema, u: ArraySchema): void {
  ctx.at('items', () => compare(ctx, o.allItems, u.allItems));
  const ol = o.itemList ?? [];
  const ul = u.itemList ?? [];
  for (let i = 0; i < Math.max(ol.length, ul.length); i++) {
    ctx.at(`items/${i}`, () => {
      const os = ol[i];
      const us = ul[i];
      if (os !== undefined && us !== undefined) return compare(ctx, os, us);
      if (os !== undefined) {
        if (isOpenArray(u)) return ctx.add('ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL');
        const partial = partialItems(u);
        if (partial !== undefined) {
          const sub = ctx.sub();
          compare(sub, os, partial);
          ctx.addAll(sub.diffs);
          return ctx.add(sub.isCompatible() ? 'ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL');
        }
        return ctx.add(os.t === 'false' ? 'ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL' : 'ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL');
      }
      if (us === undefined) return;
      if (isOpenArray(o)) return ctx.add(isEmptyLike(us) ? 'ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL' : 'ITEM_ADDED_TO_OPEN_CONTENT_MODEL');
      const partial = partialItems(o);
      if (partial !== undefined) {
        const sub = ctx.sub();
        compare(sub, partial, us);
        ctx.addAll(sub.diffs);
        return ctx.add(sub.isCompatible() ? 'ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL');
      }
      return ctx.add('ITEM_ADDED_TO_CLOSED_CONTENT_MODEL');
    });
  }
  ctx.at('additionalItems', () => {
    if (o.permitsAdditionalItems !== u.permitsAdditionalItems) ctx.add(o.permitsAdditionalItems ? 'ADDITIONAL_ITEMS_REMOVED' : 'ADDITIONAL_ITEMS_ADDED');
    else if (o.additionalItemsSchema === undefined && u.additionalItemsSchema !== undefined) ctx.add('ADDITIONAL_ITEMS_NARROWED');
    else if (u.additionalItemsSchema === undefined && o.additionalItemsSchema !== undefined) ctx.add('ADDITIONAL_ITEMS_EXTENDED');
    else compare(ctx, o.additionalItemsSchema, u.additionalItemsSchema);
  });
  compareUnevaluated(ctx, 'unevaluatedItems', 'UNEVALUATED_ITEMS', o.unevaluated, u.unevaluated);
  compareLimit(ctx, 'maxItems', o.maxItems, u.maxItems, 'MAX_ITEMS');
  compareLimit(ctx, 'minItems', o.minItems, u.minItems, 'MIN_ITEMS');
  if (o.uniqueItems !== u.uniqueItems) ctx.add(o.uniqueItems ? 'UNIQUE_ITEMS_REMOVED' : 'UNIQUE_ITEMS_ADDED', 'uniqueItems');
  compareLimit(ctx, 'maxContains', o.maxContains, u.maxContains, 'MAX_CONTAINS');
  compareLimit(ctx, 'minContains', o.minContains, u.minContains, 'MIN_CONTAINS');
}
