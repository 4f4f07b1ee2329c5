// The table of Avro schema pairs and their expected verdicts. Each row says where its verdict
// comes from:
//   [CT]    Confluent's AvroCompatibilityTest.java (confluentinc/schema-registry, core/src/test/
//           .../avro/), its schema1..schema8 and the assertion message quoted;
//   [DOC]   Confluent's "Schema Evolution and Compatibility" docs (the table of allowed changes:
//           BACKWARD = delete fields, add optional fields; FORWARD = add fields, delete optional
//           fields; FULL = add or delete optional fields);
//   [SPEC]  the Avro specification, "Schema Resolution" (promotions int->long->float->double,
//           string<->bytes; enum symbols and enum default; union branch matching; names and
//           aliases; fixed sizes; reader fields without a writer field need a default).
// `backward`: the new schema reads data written with the old one; `forward`: the old schema reads
// data written with the new one. FULL is both (Confluent's docs); the test asserts all three.
// `backwardTypes`/`forwardTypes`: Avro's incompatibility types expected in each direction.

import type { IncompatibilityType } from '../../../../src/registry/avro/compatibility.ts';

export interface CompatibilityRow {
  readonly name: string;
  readonly source: string;
  readonly old: unknown;
  readonly new: unknown;
  readonly backward: boolean;
  readonly forward: boolean;
  readonly backwardTypes?: readonly IncompatibilityType[];
  readonly forwardTypes?: readonly IncompatibilityType[];
}

const rec = (fields: unknown[], name = 'myrecord', extra: Record<string, unknown> = {}): unknown => ({ type: 'record', name, ...extra, fields });
const field = (name: string, type: unknown, extra: Record<string, unknown> = {}): unknown => ({ name, type, ...extra });
const one = (type: unknown): unknown => rec([field('f1', type)]);

// Confluent's AvroCompatibilityTest schemas.
export const S1 = rec([field('f1', 'string')]);
export const S2 = rec([field('f1', 'string'), field('f2', 'string', { default: 'foo' })]);
export const S3 = rec([field('f1', 'string'), field('f2', 'string')]);
const S4 = rec([field('f1_new', 'string', { aliases: ['f1'] })]);
const S6 = rec([field('f1', ['null', 'string'], { doc: 'doc of f1' })]);
const S7 = rec([field('f1', ['null', 'string', 'int'], { doc: 'doc of f1' })]);
export const S8 = rec([field('f1', 'string'), field('f2', 'string', { default: 'foo' }), field('f3', 'string', { default: 'bar' })]);

const enumOf = (symbols: string[], name = 'Suit', extra: Record<string, unknown> = {}): unknown => ({ type: 'enum', name, symbols, ...extra });
const fixedOf = (size: number, name = 'Md5'): unknown => ({ type: 'fixed', name, size });
const inner = (fields: unknown[]): unknown => rec(fields, 'Inner');
const LIST = { type: 'record', name: 'LongList', fields: [field('value', 'long'), field('next', ['null', 'LongList'])] };

export const COMPATIBILITY_TABLE: readonly CompatibilityRow[] = [
  // Records: Confluent's own cases.
  { name: 'add a field with a default', source: '[CT] schema1->schema2 "adding a field with default is a backward compatible change"; [DOC]', old: S1, new: S2, backward: true, forward: true },
  { name: 'add a field without a default', source: '[CT] schema1->schema3 "adding a field w/o default is not a backward compatible change"; "adding a field is a forward compatible change"', old: S1, new: S3, backward: false, forward: true, backwardTypes: ['READER_FIELD_MISSING_DEFAULT_VALUE'] },
  { name: 'rename a field with an alias', source: '[CT] schema1->schema4 "changing field name with alias is a backward compatible change"; forward: [SPEC] the old reader\'s f1 has no writer field and no default', old: S1, new: S4, backward: true, forward: false, forwardTypes: ['READER_FIELD_MISSING_DEFAULT_VALUE'] },
  { name: 'field type to a union holding it', source: '[CT] schema1->schema6 "evolving a field type to a union is a backward compatible change"; forward: [SPEC] a string reader cannot read the null branch', old: S1, new: S6, backward: true, forward: false, forwardTypes: ['TYPE_MISMATCH'] },
  { name: 'union to one of its branches', source: '[CT] schema6->schema1 "removing a type from a union is not a backward compatible change"', old: S6, new: S1, backward: false, forward: true, backwardTypes: ['TYPE_MISMATCH'] },
  { name: 'add a type to a union', source: '[CT] schema6->schema7 "adding a new type in union is a backward compatible change"; forward: [SPEC] the old union lacks int', old: S6, new: S7, backward: true, forward: false, forwardTypes: ['MISSING_UNION_BRANCH'] },
  { name: 'remove a type from a union', source: '[CT] schema7->schema6 "removing a type from a union is not a backward compatible change"', old: S7, new: S6, backward: false, forward: true, backwardTypes: ['MISSING_UNION_BRANCH'] },
  { name: 'add a default to a field', source: '[CT] schema3->schema2 "adding default to a field is a compatible change"', old: S3, new: S2, backward: true, forward: true },
  { name: 'remove a default from a field', source: '[CT] schema2->schema3 "removing a default from a field compatible change"', old: S2, new: S3, backward: true, forward: true },
  { name: 'delete a field without a default', source: '[DOC] BACKWARD allows deleting fields; FORWARD only optional ones', old: S3, new: S1, backward: true, forward: false, forwardTypes: ['READER_FIELD_MISSING_DEFAULT_VALUE'] },
  { name: 'delete a field with a default', source: '[CT] schema2->schema1 "removing a field with a default is a compatible change"', old: S2, new: S1, backward: true, forward: true },
  // Promotions.
  { name: 'int to long', source: '[SPEC] int is promotable to long', old: one('int'), new: one('long'), backward: true, forward: false, forwardTypes: ['TYPE_MISMATCH'] },
  { name: 'long to float', source: '[SPEC] long is promotable to float', old: one('long'), new: one('float'), backward: true, forward: false, forwardTypes: ['TYPE_MISMATCH'] },
  { name: 'float to double', source: '[SPEC] float is promotable to double', old: one('float'), new: one('double'), backward: true, forward: false, forwardTypes: ['TYPE_MISMATCH'] },
  { name: 'int to double', source: '[SPEC] int is promotable to double', old: one('int'), new: one('double'), backward: true, forward: false, forwardTypes: ['TYPE_MISMATCH'] },
  { name: 'long to int', source: '[SPEC] no promotion narrows', old: one('long'), new: one('int'), backward: false, forward: true, backwardTypes: ['TYPE_MISMATCH'] },
  { name: 'string to bytes', source: '[SPEC] string is promotable to bytes and bytes to string', old: one('string'), new: one('bytes'), backward: true, forward: true },
  { name: 'int to string', source: '[SPEC] no promotion between numbers and strings', old: one('int'), new: one('string'), backward: false, forward: false, backwardTypes: ['TYPE_MISMATCH'], forwardTypes: ['TYPE_MISMATCH'] },
  { name: 'int to a union with long', source: '[SPEC] the first reader branch that matches the writer (by promotion) is used', old: one('int'), new: one(['null', 'long']), backward: true, forward: false, forwardTypes: ['TYPE_MISMATCH', 'TYPE_MISMATCH'] },
  { name: 'union of int and long to long', source: '[SPEC] a non-union reader reads a writer union if it reads each branch', old: one(['int', 'long']), new: one('long'), backward: true, forward: true },
  { name: 'union branch type changed', source: '[SPEC] no reader branch matches the writer\'s string', old: one(['null', 'string']), new: one(['null', 'int']), backward: false, forward: false, backwardTypes: ['MISSING_UNION_BRANCH'], forwardTypes: ['MISSING_UNION_BRANCH'] },
  { name: 'string to a union without string', source: '[SPEC] no reader branch matches the writer', old: one('string'), new: one(['null', 'int']), backward: false, forward: false, backwardTypes: ['MISSING_UNION_BRANCH'], forwardTypes: ['TYPE_MISMATCH', 'TYPE_MISMATCH'] },
  // Enums.
  { name: 'add an enum symbol', source: '[SPEC] a writer symbol the reader lacks is an error', old: one(enumOf(['A', 'B'])), new: one(enumOf(['A', 'B', 'C'])), backward: true, forward: false, forwardTypes: ['MISSING_ENUM_SYMBOLS'] },
  { name: 'remove an enum symbol', source: '[SPEC] a writer symbol the reader lacks is an error', old: one(enumOf(['A', 'B', 'C'])), new: one(enumOf(['A', 'B'])), backward: false, forward: true, backwardTypes: ['MISSING_ENUM_SYMBOLS'] },
  { name: 'remove an enum symbol, the new enum has a default', source: '[SPEC] the reader\'s enum default replaces a symbol it lacks', old: one(enumOf(['A', 'B', 'C'])), new: one(enumOf(['A', 'B'], 'Suit', { default: 'A' })), backward: true, forward: true },
  { name: 'rename an enum', source: '[SPEC] named types match by name or the reader\'s aliases', old: one(enumOf(['A'], 'Suit')), new: one(enumOf(['A'], 'Colour')), backward: false, forward: false, backwardTypes: ['NAME_MISMATCH'], forwardTypes: ['NAME_MISMATCH'] },
  { name: 'rename an enum with an alias', source: '[SPEC] the reader\'s aliases hold the writer\'s name', old: one(enumOf(['A'], 'Suit')), new: one(enumOf(['A'], 'Colour', { aliases: ['Suit'] })), backward: true, forward: false, forwardTypes: ['NAME_MISMATCH'] },
  // Records: names, nesting, named references, recursion.
  { name: 'rename a record', source: '[SPEC] both records\' names must match', old: rec([field('a', 'int')], 'A'), new: rec([field('a', 'int')], 'B'), backward: false, forward: false, backwardTypes: ['NAME_MISMATCH'], forwardTypes: ['NAME_MISMATCH'] },
  { name: 'rename a record with an alias', source: '[SPEC] the reader\'s aliases hold the writer\'s name', old: rec([field('a', 'int')], 'A'), new: rec([field('a', 'int')], 'B', { aliases: ['A'] }), backward: true, forward: false, forwardTypes: ['NAME_MISMATCH'] },
  { name: 'nested record gains a field without a default', source: '[SPEC] applied recursively to the nested record', old: one(inner([field('x', 'int')])), new: one(inner([field('x', 'int'), field('y', 'int')])), backward: false, forward: true, backwardTypes: ['READER_FIELD_MISSING_DEFAULT_VALUE'] },
  { name: 'nested record used again by name gains a field with a default', source: '[SPEC] a named type referenced by name resolves like its definition', old: rec([field('a', inner([field('x', 'int')])), field('b', 'Inner')]), new: rec([field('a', inner([field('x', 'int'), field('y', 'int', { default: 0 })])), field('b', 'Inner')]), backward: true, forward: true },
  { name: 'record becomes an int', source: '[SPEC] different kinds do not match', old: one(inner([field('x', 'int')])), new: one('int'), backward: false, forward: false, backwardTypes: ['TYPE_MISMATCH'], forwardTypes: ['TYPE_MISMATCH'] },
  { name: 'recursive record unchanged', source: '[SPEC] a schema reads its own data', old: LIST, new: LIST, backward: true, forward: true },
  // Fixed, arrays, maps.
  { name: 'fixed changes size', source: '[SPEC] fixed sizes must match', old: one(fixedOf(16)), new: one(fixedOf(32)), backward: false, forward: false, backwardTypes: ['FIXED_SIZE_MISMATCH'], forwardTypes: ['FIXED_SIZE_MISMATCH'] },
  { name: 'fixed unchanged', source: '[SPEC] same name and size', old: one(fixedOf(16)), new: one(fixedOf(16)), backward: true, forward: true },
  { name: 'array items int to long', source: '[SPEC] arrays resolve their items', old: one({ type: 'array', items: 'int' }), new: one({ type: 'array', items: 'long' }), backward: true, forward: false, forwardTypes: ['TYPE_MISMATCH'] },
  { name: 'map values string to int', source: '[SPEC] maps resolve their values', old: one({ type: 'map', values: 'string' }), new: one({ type: 'map', values: 'int' }), backward: false, forward: false, backwardTypes: ['TYPE_MISMATCH'], forwardTypes: ['TYPE_MISMATCH'] },
  { name: 'array becomes a map', source: '[SPEC] different kinds do not match', old: one({ type: 'array', items: 'int' }), new: one({ type: 'map', values: 'int' }), backward: false, forward: false, backwardTypes: ['TYPE_MISMATCH'], forwardTypes: ['TYPE_MISMATCH'] },
];
