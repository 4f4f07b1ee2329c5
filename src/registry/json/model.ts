// The schema model Confluent's SchemaDiff compares: the everit-json-schema classes its JsonSchema
// loads (org.everit.json.schema.loader.SchemaLoader.runSchemaExtractors and SchemaExtractor.java
// in everit-org/json-schema; JsonSchema.rawSchema in confluentinc/schema-registry). A JSON object
// yields one schema per keyword family, in the extractors' order (enum, allOf/anyOf/oneOf, not,
// const, type, then the keywords of a type without "type"); several become a synthetic allOf.
// "$ref" stands alone (draft 4-7); 2019-09/2020-12 wrap "$ref" with siblings in an allOf, as
// Confluent's SchemaTranslator does. Built lazily per node, so recursive "$ref"s are finite.

import { member, type JsonNode } from './json-text.ts';

export type Draft = 'draft-04' | 'draft-06' | 'draft-07' | '2019-09' | '2020-12';
export type Criterion = 'allOf' | 'anyOf' | 'oneOf';

interface Common {
  /** The JSON the schema was loaded from: subschemas are told apart by its text (CombinedSchemaDiff). */
  readonly src: JsonNode;
  readonly id?: string;
  readonly title?: string;
  readonly description?: string;
  readonly defaultValue?: JsonNode;
  /** Confluent's "connect.type" property: two "bytes" schemas of different types are equal. */
  readonly connectType?: string;
}

export type Schema = Common & (
  | { readonly t: 'empty' | 'true' | 'false' | 'boolean' | 'null' | 'conditional' }
  | { readonly t: 'ref'; readonly ref: string; readonly target: () => Schema | undefined }
  | { readonly t: 'string'; readonly minLength?: number; readonly maxLength?: number; readonly pattern?: string }
  | {
    readonly t: 'number'; readonly requiresInteger: boolean; readonly minimum?: number; readonly maximum?: number;
    readonly exclusiveMinimum?: number; readonly exclusiveMaximum?: number; readonly multipleOf?: string;
  }
  | { readonly t: 'enum'; readonly values: readonly JsonNode[] }
  | { readonly t: 'const'; readonly value: JsonNode }
  | { readonly t: 'not'; readonly schema: Schema }
  | { readonly t: 'combined'; readonly criterion: Criterion; readonly subschemas: readonly Schema[] }
  | {
    readonly t: 'object'; readonly properties: ReadonlyMap<string, Schema>; readonly required: readonly string[];
    /** additionalProperties: absent or true => true, false => false, a schema => true + schema. */
    readonly permitsAdditional: boolean; readonly additionalSchema?: Schema;
    readonly patternProperties: ReadonlyArray<readonly [string, Schema]>;
    readonly minProperties?: number; readonly maxProperties?: number;
    readonly propertyDependencies: ReadonlyMap<string, ReadonlySet<string>>;
    readonly schemaDependencies: ReadonlyMap<string, Schema>;
    readonly unevaluated?: Schema;
  }
  | {
    readonly t: 'array'; readonly allItems?: Schema; readonly itemList?: readonly Schema[];
    readonly permitsAdditionalItems: boolean; readonly additionalItemsSchema?: Schema;
    readonly minItems?: number; readonly maxItems?: number; readonly uniqueItems: boolean;
    readonly minContains?: number; readonly maxContains?: number; readonly unevaluated?: Schema;
  }
);

export type SchemaOf<T extends Schema['t']> = Extract<Schema, { t: T }>;

/** A document "$ref"s can reach: the schema being loaded and its references, by name and $id. */
export interface Documents {
  readonly root: JsonNode;
  readonly byName: ReadonlyMap<string, JsonNode>;
}

const NUMBER_KEYS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'];
const STRING_KEYS = ['minLength', 'maxLength', 'pattern', 'format'];
const OBJECT_KEYS_4 = ['properties', 'required', 'minProperties', 'maxProperties', 'dependencies', 'patternProperties', 'additionalProperties'];
const ARRAY_KEYS_4 = ['items', 'additionalItems', 'minItems', 'maxItems', 'uniqueItems'];
const modern = (d: Draft): boolean => d === '2019-09' || d === '2020-12';
const objectKeys = (d: Draft): string[] => d === 'draft-04' ? OBJECT_KEYS_4
  : [...OBJECT_KEYS_4, 'propertyNames', ...(modern(d) ? ['dependentRequired', 'dependentSchemas', 'unevaluatedProperties'] : [])];
const arrayKeys = (d: Draft): string[] => d === 'draft-04' ? ARRAY_KEYS_4
  : [...ARRAY_KEYS_4, 'contains', ...(modern(d) ? ['prefixItems', 'minContains', 'maxContains', 'unevaluatedItems'] : [])];

const num = (n: JsonNode | undefined): number | undefined => (n?.k === 'num' ? Number(n.raw) : undefined);
const str = (n: JsonNode | undefined): string | undefined => (n?.k === 'str' ? n.v : undefined);

/** JSON pointer ("/a/b~1c") inside a node; undefined where it leads nowhere. */
export function pointer(root: JsonNode, fragment: string): JsonNode | undefined {
  if (fragment === '' || fragment === '/') return fragment === '' ? root : member(root, '');
  let node: JsonNode | undefined = root;
  for (const raw of fragment.split('/').slice(1)) {
    let part: string;
    try {
      part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return undefined; // a malformed %-escape leads nowhere
    }
    if (node?.k === 'arr') node = /^(0|[1-9][0-9]*)$/.test(part) ? node.items[Number(part)] : undefined;
    else node = member(node, part);
    if (node === undefined) return undefined;
  }
  return node;
}

/** Loads the model of a schema document; every node is loaded once (a cache by node identity). */
export class ModelLoader {
  private readonly cache = new Map<JsonNode, Schema>();
  private readonly idIndex = new Map<string, JsonNode>();

  constructor(private readonly docs: Documents, private readonly draft: Draft) {
    for (const doc of [docs.root, ...docs.byName.values()]) {
      const id = str(member(doc, draft === 'draft-04' ? 'id' : '$id'));
      if (id !== undefined) this.idIndex.set(id.replace(/#$/, ''), doc);
    }
  }

  load(node: JsonNode, docRoot: JsonNode = this.docs.root): Schema {
    const cached = this.cache.get(node);
    if (cached !== undefined) return cached;
    const built = this.build(node, docRoot);
    this.cache.set(node, built);
    return built;
  }

  /** The node a "$ref" names: "#/pointer" in its own document, "name#/pointer" in a reference. */
  private resolveRef(ref: string, docRoot: JsonNode): { node: JsonNode; docRoot: JsonNode } | undefined {
    const hash = ref.indexOf('#');
    const base = hash < 0 ? ref : ref.slice(0, hash);
    const fragment = hash < 0 ? '' : ref.slice(hash + 1);
    let doc: JsonNode | undefined = docRoot;
    if (base !== '') {
      doc = this.docs.byName.get(base) ?? this.docs.byName.get(base.replace(/^\.\//, '')) ?? this.idIndex.get(base);
      if (doc === undefined) {
        const last = base.slice(base.lastIndexOf('/') + 1);
        doc = this.docs.byName.get(last) ?? this.idIndex.get(last);
      }
    }
    if (doc === undefined) return undefined;
    const node = pointer(doc, fragment);
    return node === undefined ? undefined : { node, docRoot: doc };
  }

  private build(node: JsonNode, docRoot: JsonNode): Schema {
    if (node.k === 'bool') return { t: node.v ? 'true' : 'false', src: node };
    if (node.k !== 'obj') return { t: 'empty', src: node };
    const get = (key: string): JsonNode | undefined => member(node, key);
    const common: Common = {
      src: node,
      id: modern(this.draft) ? undefined : str(get(this.draft === 'draft-04' ? 'id' : '$id')),
      title: str(get('title')),
      description: str(get('description')),
      defaultValue: get('default'),
      connectType: str(get('connect.type')),
    };
    const child = (n: JsonNode): Schema => this.load(n, docRoot);
    const refNode = get('$ref');
    const refSchema = (): Schema | undefined => {
      if (refNode?.k !== 'str') return undefined;
      const ref = refNode.v;
      let memo: Schema | undefined;
      return {
        ...common, t: 'ref', ref,
        target: () => {
          if (memo === undefined) {
            const found = this.resolveRef(ref, docRoot);
            if (found !== undefined) memo = this.load(found.node, found.docRoot);
          }
          return memo;
        },
      };
    };
    if (refNode !== undefined && !modern(this.draft)) return refSchema() ?? { ...common, t: 'empty' };

    const used = new Set<string>();
    const has = (key: string): boolean => !used.has(key) && get(key) !== undefined;
    const take = (keys: readonly string[]): void => keys.forEach((k) => used.add(k));
    const extracted: Schema[] = [];
    if (refNode !== undefined) {
      const ref = refSchema();
      if (ref !== undefined) extracted.push(ref);
    }
    const enumNode = get('enum');
    if (enumNode?.k === 'arr') {
      take(['enum']);
      extracted.push({ ...common, t: 'enum', values: enumNode.items });
    }
    const combined: Schema[] = [];
    for (const criterion of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = get(criterion);
      if (list?.k === 'arr') combined.push({ ...common, t: 'combined', criterion, subschemas: list.items.map(child) });
    }
    take(['allOf', 'anyOf', 'oneOf']);
    if (combined.length === 1) extracted.push(combined[0]!);
    else if (combined.length > 1) extracted.push({ ...common, t: 'combined', criterion: 'allOf', subschemas: combined });
    const notNode = get('not');
    if (notNode !== undefined) {
      take(['not']);
      extracted.push({ ...common, t: 'not', schema: child(notNode) });
    }
    const constNode = get('const');
    if (constNode !== undefined && this.draft !== 'draft-04') {
      take(['const']);
      extracted.push({ ...common, t: 'const', value: constNode });
    }
    const typed = (type: string): Schema | undefined => {
      switch (type) {
        case 'string': take(STRING_KEYS); return this.stringSchema(common, get);
        case 'integer': take(NUMBER_KEYS); return this.numberSchema(common, get, true);
        case 'number': take(NUMBER_KEYS); return this.numberSchema(common, get, false);
        case 'boolean': return { ...common, t: 'boolean' };
        case 'null': return { ...common, t: 'null' };
        case 'object': take(objectKeys(this.draft)); return this.objectSchema(common, get, child);
        case 'array': take(arrayKeys(this.draft)); return this.arraySchema(common, get, child);
        default: return undefined;
      }
    };
    const typeNode = get('type');
    if (typeNode?.k === 'str') {
      const s = typed(typeNode.v);
      if (s !== undefined) extracted.push(s);
    } else if (typeNode?.k === 'arr') {
      const subs = typeNode.items.flatMap((t) => (t.k === 'str' ? [typed(t.v)] : [])).filter((s): s is Schema => s !== undefined);
      extracted.push({ ...common, t: 'combined', criterion: 'anyOf', subschemas: subs });
    }
    take(['type']);
    // Keywords of a type, without "type" (PropertySnifferSchemaExtractor).
    if (arrayKeys(this.draft).some(has)) extracted.push(this.arraySchema(common, get, child));
    if (objectKeys(this.draft).some(has)) extracted.push(this.objectSchema(common, get, child));
    if (NUMBER_KEYS.some(has)) extracted.push(this.numberSchema(common, get, false));
    if (STRING_KEYS.some(has)) extracted.push(this.stringSchema(common, get));
    if (this.draft !== 'draft-04' && ['if', 'then', 'else'].some(has)) extracted.push({ ...common, t: 'conditional' });
    if (extracted.length === 0) return { ...common, t: 'empty' };
    if (extracted.length === 1) return extracted[0]!;
    return { ...common, t: 'combined', criterion: 'allOf', subschemas: extracted };
  }

  private stringSchema(common: Common, get: (k: string) => JsonNode | undefined): Schema {
    return { ...common, t: 'string', minLength: num(get('minLength')), maxLength: num(get('maxLength')), pattern: str(get('pattern')) };
  }

  private numberSchema(common: Common, get: (k: string) => JsonNode | undefined, requiresInteger: boolean): Schema {
    const multipleOf = get('multipleOf');
    // Draft 4's exclusiveMinimum/Maximum are booleans that qualify minimum/maximum (everit's
    // ExclusiveLimitHandler): they set no limit of their own.
    return {
      ...common, t: 'number', requiresInteger, minimum: num(get('minimum')), maximum: num(get('maximum')),
      exclusiveMinimum: num(get('exclusiveMinimum')), exclusiveMaximum: num(get('exclusiveMaximum')),
      multipleOf: multipleOf?.k === 'num' ? multipleOf.raw : undefined,
    };
  }

  private objectSchema(common: Common, get: (k: string) => JsonNode | undefined, child: (n: JsonNode) => Schema): Schema {
    const props = get('properties');
    const properties = new Map<string, Schema>(props?.k === 'obj' ? props.entries.map(([k, v]) => [k, child(v)]) : []);
    const requiredNode = get('required');
    const required = requiredNode?.k === 'arr' ? requiredNode.items.flatMap((n) => (n.k === 'str' ? [n.v] : [])) : [];
    const additional = get('additionalProperties');
    const patterns = get('patternProperties');
    const propertyDependencies = new Map<string, ReadonlySet<string>>();
    const schemaDependencies = new Map<string, Schema>();
    const addDeps = (deps: JsonNode | undefined, arrays: boolean, schemas: boolean): void => {
      if (deps?.k !== 'obj') return;
      for (const [k, v] of deps.entries) {
        if (v.k === 'arr' && arrays) propertyDependencies.set(k, new Set(v.items.flatMap((n) => (n.k === 'str' ? [n.v] : []))));
        else if (v.k !== 'arr' && schemas) schemaDependencies.set(k, child(v));
      }
    };
    addDeps(get('dependencies'), true, true);
    addDeps(get('dependentRequired'), true, false);
    addDeps(get('dependentSchemas'), false, true);
    const unevaluated = get('unevaluatedProperties');
    return {
      ...common, t: 'object', properties, required,
      permitsAdditional: !(additional?.k === 'bool' && !additional.v),
      additionalSchema: additional !== undefined && additional.k !== 'bool' ? child(additional) : undefined,
      patternProperties: patterns?.k === 'obj' ? patterns.entries.map(([k, v]) => [k, child(v)] as const) : [],
      minProperties: num(get('minProperties')), maxProperties: num(get('maxProperties')),
      propertyDependencies, schemaDependencies,
      unevaluated: unevaluated === undefined ? undefined : child(unevaluated),
    };
  }

  private arraySchema(common: Common, get: (k: string) => JsonNode | undefined, child: (n: JsonNode) => Schema): Schema {
    // 2020-12 renamed tuple "items" to "prefixItems" and "additionalItems" to "items"; Confluent's
    // SchemaTranslator maps them back onto everit's item list and additional items.
    const prefix = this.draft === '2020-12' ? get('prefixItems') : undefined;
    const items = get('items');
    // A boolean 2020-12 "items" without "prefixItems" becomes everit's additionalItems too
    // (Confluent's diff-schema-examples-2020-12.json: "items": true -> false is
    // ADDITIONAL_ITEMS_REMOVED at #/additionalItems).
    const modernBoolItems = this.draft === '2020-12' && prefix === undefined && items?.k === 'bool';
    const tuple = prefix ?? (items?.k === 'arr' ? items : undefined);
    const additional = prefix !== undefined || modernBoolItems ? items : get('additionalItems');
    const allItems = prefix === undefined && !modernBoolItems && items !== undefined && items.k !== 'arr' ? child(items) : undefined;
    const unique = get('uniqueItems');
    const unevaluated = get('unevaluatedItems');
    return {
      ...common, t: 'array', allItems,
      itemList: tuple?.k === 'arr' ? tuple.items.map(child) : undefined,
      permitsAdditionalItems: !(additional?.k === 'bool' && !additional.v),
      additionalItemsSchema: additional !== undefined && additional.k !== 'bool' ? child(additional) : undefined,
      minItems: num(get('minItems')), maxItems: num(get('maxItems')),
      uniqueItems: unique?.k === 'bool' && unique.v,
      minContains: num(get('minContains')), maxContains: num(get('maxContains')),
      unevaluated: unevaluated === undefined ? undefined : child(unevaluated),
    };
  }
}
