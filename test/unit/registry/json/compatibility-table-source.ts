// The JSON Schema compatibility table, last part: rules Confluent's checker has but no case in
// its test resources shows (compatibility-table.ts has those that do). Each pair makes exactly
// one difference; its type and path are what the cited comparison in
// confluentinc/schema-registry json-schema-provider/.../json/diff/ emits, and its BACKWARD
// verdict is whether SchemaDiff.COMPATIBLE_CHANGES_STRICT holds that type. FORWARD is the
// reversed pair's single difference, judged the same way.
// Not shown anywhere: unevaluatedProperties/unevaluatedItems added, removed, extended or narrowed
// (Confluent reaches them only through its 2020-12 translator, whose mapping is not derivable
// from the comparing class alone), removed maxContains/minContains (Confluent's own 2020-12 case
// "Detect removed minContains" expects no difference: the translator drops them), and a
// decreased exclusiveMaximum (NumberSchemaDiff compares it against the update's maximum).

import { bool, type CompatibilityRow, in2020, int, N, num, row, str, Y } from './compatibility-row.ts';

/** The Confluent source a row follows: the comparing class, and the compatible set. */
const src = (diffClass: string) => `${diffClass}.java + SchemaDiff.java COMPATIBLE_CHANGES_STRICT`;
const list = { type: 'array' } as const;

export const SOURCE_ROWS: readonly CompatibilityRow[] = [
  row('maxLength added', src('StringSchemaDiff'), str, { type: 'string', maxLength: 9 }, N, ['MAX_LENGTH_ADDED #/maxLength'], Y),
  row('minLength added', src('StringSchemaDiff'), str, { type: 'string', minLength: 1 }, N, ['MIN_LENGTH_ADDED #/minLength'], Y),
  row('minLength removed', src('StringSchemaDiff'), { type: 'string', minLength: 1 }, str, Y, ['MIN_LENGTH_REMOVED #/minLength'], N),
  row('pattern added', src('StringSchemaDiff'), str, { type: 'string', pattern: '^[0-9]+$' }, N, ['PATTERN_ADDED #/pattern'], Y),
  row('maximum added', src('NumberSchemaDiff'), num, { type: 'number', maximum: 9 }, N, ['MAXIMUM_ADDED #/maximum'], Y),
  row('minimum added', src('NumberSchemaDiff'), num, { type: 'number', minimum: 1 }, N, ['MINIMUM_ADDED #/minimum'], Y),
  row('exclusiveMaximum added', src('NumberSchemaDiff'), num, { type: 'number', exclusiveMaximum: 9 }, N, ['EXCLUSIVE_MAXIMUM_ADDED #/exclusiveMaximum'], Y),
  row('exclusiveMaximum removed', src('NumberSchemaDiff'), { type: 'number', exclusiveMaximum: 9 }, num, Y, ['EXCLUSIVE_MAXIMUM_REMOVED #/exclusiveMaximum'], N),
  row('exclusiveMaximum increased', src('NumberSchemaDiff'),
    { type: 'number', exclusiveMaximum: 9 }, { type: 'number', exclusiveMaximum: 19 }, Y, ['EXCLUSIVE_MAXIMUM_INCREASED #/exclusiveMaximum']),
  row('exclusiveMinimum added', src('NumberSchemaDiff'), num, { type: 'number', exclusiveMinimum: 1 }, N, ['EXCLUSIVE_MINIMUM_ADDED #/exclusiveMinimum'], Y),
  row('exclusiveMinimum removed', src('NumberSchemaDiff'), { type: 'number', exclusiveMinimum: 1 }, num, Y, ['EXCLUSIVE_MINIMUM_REMOVED #/exclusiveMinimum'], N),
  row('exclusiveMinimum increased', src('NumberSchemaDiff'),
    { type: 'number', exclusiveMinimum: 1 }, { type: 'number', exclusiveMinimum: 3 }, N, ['EXCLUSIVE_MINIMUM_INCREASED #/exclusiveMinimum'], Y),
  row('exclusiveMinimum decreased', src('NumberSchemaDiff'),
    { type: 'number', exclusiveMinimum: 3 }, { type: 'number', exclusiveMinimum: 1 }, Y, ['EXCLUSIVE_MINIMUM_DECREASED #/exclusiveMinimum'], N),
  row('multipleOf added', src('NumberSchemaDiff'), num, { type: 'number', multipleOf: 3 }, N, ['MULTIPLE_OF_ADDED #/multipleOf'], Y),
  row('multipleOf expanded to a multiple', src('NumberSchemaDiff'),
    { type: 'number', multipleOf: 3 }, { type: 'number', multipleOf: 6 }, N, ['MULTIPLE_OF_EXPANDED #/multipleOf'], Y),
  row('maxItems added', src('ArraySchemaDiff'), list, { ...list, maxItems: 4 }, N, ['MAX_ITEMS_ADDED #/maxItems'], Y),
  row('maxItems removed', src('ArraySchemaDiff'), { ...list, maxItems: 4 }, list, Y, ['MAX_ITEMS_REMOVED #/maxItems'], N),
  row('maxItems increased', src('ArraySchemaDiff'), { ...list, maxItems: 4 }, { ...list, maxItems: 8 }, Y, ['MAX_ITEMS_INCREASED #/maxItems'], N),
  row('minItems added', src('ArraySchemaDiff'), list, { ...list, minItems: 1 }, N, ['MIN_ITEMS_ADDED #/minItems'], Y),
  row('uniqueItems added', src('ArraySchemaDiff'), list, { ...list, uniqueItems: true }, N, ['UNIQUE_ITEMS_ADDED #/uniqueItems'], Y),
  row('additionalItems schema dropped (extended)', src('ArraySchemaDiff'),
    { ...list, items: [int], additionalItems: str }, { ...list, items: [int] }, Y, ['ADDITIONAL_ITEMS_EXTENDED #/additionalItems'], N),
  row('additionalItems schema added (narrowed)', src('ArraySchemaDiff'),
    { ...list, items: [int] }, { ...list, items: [int], additionalItems: str }, N, ['ADDITIONAL_ITEMS_NARROWED #/additionalItems'], Y),
  row('2020-12: maxContains added', src('ArraySchemaDiff'),
    in2020({ ...list, contains: int }), in2020({ ...list, contains: int, maxContains: 2 }), N, ['MAX_CONTAINS_ADDED #/maxContains'], Y),
  row('2020-12: maxContains increased', src('ArraySchemaDiff'),
    in2020({ ...list, contains: int, maxContains: 2 }), in2020({ ...list, contains: int, maxContains: 4 }), Y, ['MAX_CONTAINS_INCREASED #/maxContains'], N),
  row('2020-12: maxContains decreased', src('ArraySchemaDiff'),
    in2020({ ...list, contains: int, maxContains: 4 }), in2020({ ...list, contains: int, maxContains: 2 }), N, ['MAX_CONTAINS_DECREASED #/maxContains'], Y),
  row('2020-12: minContains added', src('ArraySchemaDiff'),
    in2020({ ...list, contains: int }), in2020({ ...list, contains: int, minContains: 2 }), N, ['MIN_CONTAINS_ADDED #/minContains'], Y),
  row('additionalProperties schema dropped (extended)', src('ObjectSchemaDiff'),
    { type: 'object', additionalProperties: bool }, { type: 'object' }, Y, ['ADDITIONAL_PROPERTIES_EXTENDED #/additionalProperties'], N),
  row('property dependency gains a name', src('ObjectSchemaDiff'),
    { dependencies: { card: ['cvv'] } }, { dependencies: { card: ['cvv', 'expiry'] } }, N, ['DEPENDENCY_ARRAY_EXTENDED #/dependencies/card'], Y),
  row('property dependency loses a name', src('ObjectSchemaDiff'),
    { dependencies: { card: ['cvv', 'expiry'] } }, { dependencies: { card: ['cvv'] } }, Y, ['DEPENDENCY_ARRAY_NARROWED #/dependencies/card'], N),
  row('property dependency replaced', src('ObjectSchemaDiff'),
    { dependencies: { card: ['cvv'] } }, { dependencies: { card: ['expiry'] } }, N, ['DEPENDENCY_ARRAY_CHANGED #/dependencies/card'], N),
  row('maxProperties added', src('ObjectSchemaDiff'), { type: 'object' }, { type: 'object', maxProperties: 3 }, N, ['MAX_PROPERTIES_ADDED #/maxProperties'], Y),
  row('minProperties added', src('ObjectSchemaDiff'), { type: 'object' }, { type: 'object', minProperties: 1 }, N, ['MIN_PROPERTIES_ADDED #/minProperties'], Y),
  row('required property added to an open model', src('ObjectSchemaDiff'),
    { properties: { city: str } }, { properties: { city: str, zip: int }, required: ['zip'] }, N,
    ['REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/zip'], Y),
  row('required property with a default added to an open model', src('ObjectSchemaDiff'),
    { properties: { city: str } }, { properties: { city: str, zip: { type: 'integer', default: 0 } }, required: ['zip'] }, N,
    ['REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL #/properties/zip'], Y),
  row('required property with a default added to a closed model', src('ObjectSchemaDiff'),
    { properties: { city: str }, additionalProperties: false },
    { properties: { city: str, zip: { type: 'integer', default: 0 } }, required: ['zip'], additionalProperties: false }, Y,
    ['REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/zip'], N),
  row('property removed from a closed model', src('ObjectSchemaDiff'),
    { properties: { city: str, zip: int }, additionalProperties: false }, { properties: { city: str }, additionalProperties: false }, N,
    ['PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL #/properties/zip'], Y),
  row('existing property with a default made required', src('ObjectSchemaDiff'),
    { properties: { zip: { type: 'integer', default: 0 } } }, { properties: { zip: { type: 'integer', default: 0 } }, required: ['zip'] }, Y,
    ['REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED #/required/zip'], Y),
  row('tuple item added to an open tuple', src('ArraySchemaDiff'),
    { ...list, items: [int] }, { ...list, items: [int, str] }, N, ['ITEM_ADDED_TO_OPEN_CONTENT_MODEL #/items/1'], Y),
  row('tuple item removed from a closed tuple', src('ArraySchemaDiff'),
    { ...list, items: [int, str], additionalItems: false }, { ...list, items: [int], additionalItems: false }, N,
    ['ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL #/items/1'], Y),
  // A bare enum: inside an allOf an incompatible member match is reported as the combined type's
  // COMBINED_TYPE_SUBSCHEMAS_CHANGED instead (CombinedSchemaDiff; Confluent's "Detect
  // incompatible changes to enum schema").
  row('enum narrowed', src('EnumSchemaDiff'),
    { enum: ['small', 'large'] }, { enum: ['small'] }, N, ['ENUM_ARRAY_NARROWED #/enum'], Y),
  row('default changed', src('SchemaDiff'), { type: 'integer', default: 1 }, { type: 'integer', default: 2 }, Y, ['DEFAULT_CHANGED #/'], Y),
];
