// Confluent's JSON Schema differences: the Difference.Type list, which of them are compatible
// (SchemaDiff.COMPATIBLE_CHANGES_STRICT, the default policy of JsonSchema.isBackwardCompatible,
// and COMPATIBLE_CHANGES_LENIENT), and Difference.toString()/error() for verbose messages
// (json-schema-provider/.../json/diff/SchemaDiff.java and Difference.java).

export const STRICT_COMPATIBLE = [
  'ID_CHANGED', 'DESCRIPTION_CHANGED', 'TITLE_CHANGED', 'DEFAULT_CHANGED', 'SCHEMA_REMOVED', 'TYPE_EXTENDED',
  'MAX_LENGTH_INCREASED', 'MAX_LENGTH_REMOVED', 'MIN_LENGTH_DECREASED', 'MIN_LENGTH_REMOVED', 'PATTERN_REMOVED',
  'MAXIMUM_INCREASED', 'MAXIMUM_REMOVED', 'MINIMUM_DECREASED', 'MINIMUM_REMOVED',
  'EXCLUSIVE_MAXIMUM_INCREASED', 'EXCLUSIVE_MAXIMUM_REMOVED', 'EXCLUSIVE_MINIMUM_DECREASED', 'EXCLUSIVE_MINIMUM_REMOVED',
  'MULTIPLE_OF_REDUCED', 'MULTIPLE_OF_REMOVED',
  'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED', 'REQUIRED_ATTRIBUTE_REMOVED', 'DEPENDENCY_ARRAY_NARROWED',
  'DEPENDENCY_ARRAY_REMOVED', 'DEPENDENCY_SCHEMA_REMOVED', 'MAX_PROPERTIES_INCREASED', 'MAX_PROPERTIES_REMOVED',
  'MIN_PROPERTIES_DECREASED', 'MIN_PROPERTIES_REMOVED', 'ADDITIONAL_PROPERTIES_ADDED', 'ADDITIONAL_PROPERTIES_EXTENDED',
  'UNEVALUATED_PROPERTIES_ADDED', 'UNEVALUATED_PROPERTIES_EXTENDED',
  'PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL', 'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL',
  'OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL', 'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL',
  'PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL', 'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'MAX_ITEMS_INCREASED', 'MAX_ITEMS_REMOVED', 'MIN_ITEMS_DECREASED', 'MIN_ITEMS_REMOVED',
  'MAX_CONTAINS_INCREASED', 'MAX_CONTAINS_REMOVED', 'MIN_CONTAINS_DECREASED', 'MIN_CONTAINS_REMOVED',
  'UNIQUE_ITEMS_REMOVED', 'ADDITIONAL_ITEMS_ADDED', 'ADDITIONAL_ITEMS_EXTENDED', 'UNEVALUATED_ITEMS_ADDED',
  'UNEVALUATED_ITEMS_EXTENDED', 'ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL', 'ITEM_ADDED_TO_CLOSED_CONTENT_MODEL',
  'ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL', 'ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL',
  'ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', 'ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'ENUM_ARRAY_EXTENDED', 'COMBINED_TYPE_EXTENDED', 'PRODUCT_TYPE_NARROWED', 'SUM_TYPE_EXTENDED', 'NOT_TYPE_NARROWED',
] as const;

/** The lenient policy adds these (SchemaDiff's static block, after COMPATIBLE_CHANGES_STRICT). */
export const LENIENT_EXTRA = [
  'ADDITIONAL_PROPERTIES_NARROWED', 'ADDITIONAL_PROPERTIES_REMOVED', 'UNEVALUATED_PROPERTIES_NARROWED',
  'UNEVALUATED_PROPERTIES_REMOVED', 'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL',
  'OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL', 'PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL',
  'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL', 'PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
] as const;

/** A Difference.Type name (the full list is Difference.java's enum; only names are compared). */
export type DifferenceType = string;

export interface Difference {
  readonly type: DifferenceType;
  /** "#/properties/foo": where in the schema, as Context.jsonPathString prints it. */
  readonly path: string;
}

export type Policy = 'STRICT' | 'LENIENT';

export const COMPATIBLE_CHANGES: Readonly<Record<Policy, ReadonlySet<DifferenceType>>> = {
  STRICT: new Set<DifferenceType>(STRICT_COMPATIBLE),
  LENIENT: new Set<DifferenceType>([...STRICT_COMPATIBLE, ...LENIENT_EXTRA]),
};

const set = (...types: string[]): ReadonlySet<string> => new Set(types);
const KEYWORD_ADDED_OR_REMOVED = set('MAX_LENGTH_ADDED', 'MIN_LENGTH_ADDED', 'PATTERN_ADDED', 'MAXIMUM_ADDED',
  'MINIMUM_ADDED', 'EXCLUSIVE_MAXIMUM_ADDED', 'EXCLUSIVE_MINIMUM_ADDED', 'MULTIPLE_OF_ADDED', 'REQUIRED_ATTRIBUTE_ADDED',
  'DEPENDENCY_ARRAY_ADDED', 'DEPENDENCY_SCHEMA_ADDED', 'MAX_PROPERTIES_ADDED', 'MIN_PROPERTIES_ADDED', 'MAX_ITEMS_ADDED',
  'MIN_ITEMS_ADDED', 'MAX_CONTAINS_ADDED', 'MIN_CONTAINS_ADDED', 'UNIQUE_ITEMS_ADDED', 'ADDITIONAL_ITEMS_REMOVED',
  'ADDITIONAL_PROPERTIES_REMOVED', 'UNEVALUATED_PROPERTIES_REMOVED', 'UNEVALUATED_ITEMS_REMOVED');
const VALUE_INCREASED = set('MIN_LENGTH_INCREASED', 'MINIMUM_INCREASED', 'EXCLUSIVE_MINIMUM_INCREASED',
  'MIN_PROPERTIES_INCREASED', 'MULTIPLE_OF_EXPANDED', 'MIN_ITEMS_INCREASED', 'MIN_CONTAINS_INCREASED');
const VALUE_DECREASED = set('MAX_LENGTH_DECREASED', 'MAXIMUM_DECREASED', 'MAX_ITEMS_DECREASED',
  'MAX_CONTAINS_DECREASED', 'EXCLUSIVE_MAXIMUM_DECREASED', 'MAX_PROPERTIES_DECREASED');
const TYPE_NARROWED = set('ADDITIONAL_ITEMS_NARROWED', 'ENUM_ARRAY_NARROWED', 'SUM_TYPE_NARROWED',
  'ADDITIONAL_PROPERTIES_NARROWED', 'UNEVALUATED_PROPERTIES_NARROWED', 'UNEVALUATED_ITEMS_NARROWED');
const VALUE_CHANGED = set('PATTERN_CHANGED', 'MULTIPLE_OF_CHANGED', 'DEPENDENCY_ARRAY_CHANGED');
const TYPE_CHANGED = set('TYPE_CHANGED', 'TYPE_NARROWED', 'COMBINED_TYPE_CHANGED', 'COMBINED_TYPE_SUBSCHEMAS_CHANGED',
  'ENUM_ARRAY_CHANGED');
const TYPE_EXTENDED = set('DEPENDENCY_ARRAY_EXTENDED', 'PRODUCT_TYPE_EXTENDED', 'SUM_TYPE_EXTENDED', 'NOT_TYPE_EXTENDED');
const ADDED_TO_OPEN = set('REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL',
  'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL', 'OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL',
  'ITEM_ADDED_TO_OPEN_CONTENT_MODEL');

/** Difference.error(): the description with its two "%s" left for the roles (reader, writer). */
function errorTemplate(type: DifferenceType, p: string): string {
  if (KEYWORD_ADDED_OR_REMOVED.has(type)) return `The keyword at path '${p}' in the %s schema is not present in the %s schema`;
  if (VALUE_INCREASED.has(type)) return `The value at path '${p}' in the %s schema is more than its value in the %s schema`;
  if (VALUE_DECREASED.has(type)) return `The value at path '${p}' in the %s schema is less than its value in the %s schema`;
  if (VALUE_CHANGED.has(type)) return `The value at path '${p}' is different between the %s and %s schema`;
  if (TYPE_NARROWED.has(type)) return `An array or combined type at path '${p}' has fewer elements in the %s schema than the %s schema`;
  if (TYPE_EXTENDED.has(type)) return `An array or combined type at path '${p}' has more elements in the %s schema than the %s schema`;
  if (TYPE_CHANGED.has(type)) return `A type at path '${p}' is different between the %s schema and the %s schema`;
  if (ADDED_TO_OPEN.has(type)) return `The %s schema has an open content model and has a property or item at path '${p}' which is missing in the %s schema`;
  switch (type) {
    case 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL':
      return `The %s schema has an unopen content model and has a required property at path '${p}' which is missing in the %s schema`;
    case 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL':
    case 'ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL':
      return `The %s has a closed content model and is missing a property or item present at path '${p}' in the %s schema`;
    case 'PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL':
    case 'ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL':
      return `A property or item is missing in the %s schema but present at path '${p}' in the %s schema and is not covered by its partially open content model`;
    case 'PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL':
    case 'ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL':
      return `The %s schema has a property or item at path '${p}' which is missing in the %s schema and is not covered by its partially open content model`;
    default:
      return '';
  }
}

/**
 * Difference.toString(), as Confluent's verbose answer lists it. Confluent's JsonSchema
 * leaves the "%s" placeholders to CompatibilityChecker, which fills them with "new"/"old"
 * (the reader's role first); the odd closing "'}" is Confluent's own.
 */
export function describeDifference(d: Difference, reader: 'new' | 'old', writer: 'new' | 'old'): string {
  const roles = [reader, writer];
  const description = errorTemplate(d.type, d.path).replace(/%s/g, () => roles.shift() ?? '');
  return `{errorType:"${d.type}", description:"${description}'}`;
}
