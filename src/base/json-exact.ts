// JSON text read as Jackson reads it into a JsonNode, where JavaScript's JSON.parse would lose
// digits: an integer past 2^53 keeps them (Jackson's BigIntegerNode / LongNode), held as a
// JSON.rawJSON object that JSON.stringify writes back exactly as it came. Shared by the HTTP
// proxy (its json embedded format) and the schema registry's codecs (JSON Schema payloads).
// JSON.rawJSON, JSON.isRawJSON and the reviver's source text are TC39's "JSON.parse source text
// access" (Bun has them), not yet in TypeScript's lib.

const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;
const isRawJSONOf = (JSON as unknown as { isRawJSON(value: unknown): boolean }).isRawJSON;
type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

/** An integer past 2^53 keeps its digits; every other value is JSON.parse's. */
const exactIntegers: Reviver = (_key, value, context) => {
  const source = context?.source;
  if (typeof value === 'number' && source !== undefined && !Number.isSafeInteger(value) && /^-?[0-9]+$/.test(source)) return rawJSON(source);
  return value;
};

/** JSON.parse, keeping integers past 2^53 exact. Throws as JSON.parse does. */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(text, exactIntegers as Parameters<typeof JSON.parse>[1]);
}

/** Whether `value` is such a kept integer (a JSON.rawJSON object). */
export function isExactInteger(value: unknown): boolean {
  return typeof value === 'object' && value !== null && isRawJSONOf(value);
}
