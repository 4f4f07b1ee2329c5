// The message of a JSON Schema validation failure, in the words Confluent's REST proxy answers.
// For drafts 4, 6 and 7 (7 is the default) Confluent's JsonSchema validates with everit's
// json-schema (JsonSchema.rawSchema: loadPreviousDraft; 2019-09 and 2020-12 go to json-sKema),
// and the 400's message is everit's ValidationException.getMessage(): "<pointer>: <message>",
// where a schema that collects more than one failure reports "<pointer>: N schema violations
// found" (N the failures under it) and one failure passes through as it is. Messages per keyword
// as everit words them ("#/age: expected type: Integer, found: String", "#: required key [name]
// not found", "-1 is not greater or equal to 0", "expected minLength: 2, actual: 1", ...); a
// keyword not mapped here keeps ajv's words. Pure.

import type { ErrorObject } from 'ajv';

/** Java's class name of a JSON value as everit sees it (Jackson's nodes through json-org:
 *  Integer, Long or BigInteger by magnitude, Double for a fraction). */
function javaTypeOf(value: unknown): string {
  if (value === null) return 'Null';
  if (Array.isArray(value)) return 'JSONArray';
  switch (typeof value) {
    case 'string': return 'String';
    case 'boolean': return 'Boolean';
    case 'number':
      if (!Number.isInteger(value)) return 'Double';
      if (Math.abs(value) <= 2_147_483_647) return 'Integer';
      return Math.abs(value) <= 9_223_372_036_854_775_807 ? 'Long' : 'BigInteger';
    default: return 'JSONObject';
  }
}

/** everit's name of a schema "type" (TypeSchema / NumberSchema.requiresInteger). */
const EXPECTED_TYPE: Readonly<Record<string, string>> = {
  integer: 'Integer', number: 'Number', string: 'String', boolean: 'Boolean', object: 'JSONObject', array: 'JSONArray', null: 'Null',
};

/** The value at a JSON pointer ("/a/0"), or undefined. */
function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let at: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

const javaText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** One failure in everit's words: its pointer (a missing or extra key is the object's) and text. */
function everitFailure(e: ErrorObject, value: unknown): { pointer: string; message: string } {
  const pointer = e.instancePath;
  const data = valueAt(value, pointer);
  const p = e.params as Record<string, unknown>;
  const text = ((): string => {
    switch (e.keyword) {
      case 'type': {
        const expected = typeof p.type === 'string' ? EXPECTED_TYPE[p.type] : undefined;
        return expected === undefined ? (e.message ?? 'is invalid') : `expected type: ${expected}, found: ${javaTypeOf(data)}`;
      }
      case 'required': return `required key [${String(p.missingProperty)}] not found`;
      case 'additionalProperties': return `extraneous key [${String(p.additionalProperty)}] is not permitted`;
      case 'minimum': return `${javaText(data)} is not greater or equal to ${String(p.limit)}`;
      case 'maximum': return `${javaText(data)} is not less or equal to ${String(p.limit)}`;
      case 'exclusiveMinimum': return `${javaText(data)} is not greater than ${String(p.limit)}`;
      case 'exclusiveMaximum': return `${javaText(data)} is not less than ${String(p.limit)}`;
      case 'minLength': return `expected minLength: ${String(p.limit)}, actual: ${[...String(data)].length}`;
      case 'maxLength': return `expected maxLength: ${String(p.limit)}, actual: ${[...String(data)].length}`;
      case 'pattern': return `string [${String(data)}] does not match pattern ${String(p.pattern)}`;
      case 'enum': return `${javaText(data)} is not a valid enum value`;
      case 'minItems': return `expected minimum item count: ${String(p.limit)}, found: ${Array.isArray(data) ? data.length : 0}`;
      case 'maxItems': return `expected maximum item count: ${String(p.limit)}, found: ${Array.isArray(data) ? data.length : 0}`;
      case 'multipleOf': return `${javaText(data)} is not a multiple of ${String(p.multipleOf)}`;
      case 'minProperties': return `minimum size: [${String(p.limit)}], found: [${data !== null && typeof data === 'object' ? Object.keys(data).length : 0}]`;
      case 'maxProperties': return `maximum size: [${String(p.limit)}], found: [${data !== null && typeof data === 'object' ? Object.keys(data).length : 0}]`;
      default: return e.message ?? 'is invalid';
    }
  })();
  return { pointer, message: text };
}

/**
 * everit's message for ajv's errors (ajv run with allErrors): one failure as "#/p: text"; more
 * as "#/q: N schema violations found" at the deepest value holding all of them, since a schema
 * with one failing part passes that failure up unchanged. Combinator errors (anyOf and the like)
 * are counted as failures too; everit words those differently.
 */
export function everitMessage(errors: readonly ErrorObject[], value: unknown): string {
  const failures = errors.map((e) => everitFailure(e, value));
  if (failures.length === 0) return '#: the value is invalid';
  if (failures.length === 1) return `#${failures[0]!.pointer}: ${failures[0]!.message}`;
  const parts = failures.map((f) => (f.pointer === '' ? [] : f.pointer.slice(1).split('/')));
  const common: string[] = [];
  for (let i = 0; ; i++) {
    const seg = parts[0]![i];
    // Stop at a failure sitting at this level, or where the failures part ways.
    if (seg === undefined || parts.some((p) => p.length <= i || p[i] !== seg)) break;
    common.push(seg);
  }
  return `#${common.map((s) => `/${s}`).join('')}: ${failures.length} schema violations found`;
}
