// What goes over the wire: responses in Confluent's media type, error bodies, the request
// bodies' JSON read and checked as Confluent's Jackson entities read them, query parameters as
// JAX-RS converts them. Sources: confluentinc/rest-utils exceptions/ (JsonParseExceptionMapper
// and JsonMappingExceptionMapper: 400 with error_code 400; ConstraintViolationExceptionMapper: a
// missing body is 422; WebApplicationExceptionMapper: Jersey's own errors keep their status as
// error_code with messages "HTTP 404 Not Found" etc.), and the request entities in
// confluentinc/schema-registry client/.../rest/entities/requests/ (@JsonIgnoreProperties
// (ignoreUnknown = true): unknown fields are ignored).

import { registryErrors } from '../registry-errors.ts';
import { SCHEMAS_VALUE_BYTES_MAX, type SchemaReference } from '../schemas-records.ts';
import type { SchemaRequest } from '../registry-service.ts';

/** Every answer's media type (Confluent's default response type). */
export const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** The request media types the resources @Consume; no Content-Type is octet-stream to Jersey. */
export const ACCEPTED_CONTENT_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.schemaregistry.v1+json',
  'application/vnd.schemaregistry+json',
  'application/json',
  'application/octet-stream',
]);

/** Default request body limit. Confluent sets none of its own (Jetty's form limit does not apply
 *  to JSON); the largest real schemas are a few hundred kB. Half of SCHEMAS_VALUE_BYTES_MAX, so a
 *  schema that came in one body always fits one `_schemas` record. */
export const REQUEST_BYTES_MAX_DEFAULT = SCHEMAS_VALUE_BYTES_MAX / 2;

/** An answer that is not a success: the HTTP status and Confluent's {error_code, message}. */
export interface Problem {
  readonly code: number;
  readonly message: string;
}

/** 5-digit error codes carry their status in the first three digits (40401 -> 404). */
export function statusOf(code: number): number {
  return code >= 10_000 ? Math.floor(code / 100) : code;
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': CONTENT_TYPE } });
}

/** The raw schema text (GET .../schema): a JSON document itself, sent as is. */
export function rawText(text: string): Response {
  return new Response(text, { status: 200, headers: { 'content-type': CONTENT_TYPE } });
}

export function problem(p: Problem): Response {
  return json({ error_code: p.code, message: p.message }, statusOf(p.code));
}

/** Jersey's own errors (WebApplicationException): error_code is the status. */
export const httpProblems = {
  notFound: (): Problem => ({ code: 404, message: 'HTTP 404 Not Found' }),
  methodNotAllowed: (): Problem => ({ code: 405, message: 'HTTP 405 Method Not Allowed' }),
  unsupportedMediaType: (): Problem => ({ code: 415, message: 'HTTP 415 Unsupported Media Type' }),
  tooLarge: (max: number): Problem => ({ code: 413, message: `Request body larger than ${max} bytes` }),
  // Jackson's messages differ; the status and error_code are rest-utils'.
  malformedJson: (detail: string): Problem => ({ code: 400, message: `Unexpected character or end of input in the JSON body: ${detail}` }),
  wrongType: (field: string, expected: string): Problem => ({ code: 400, message: `Cannot deserialize value of field "${field}": expected ${expected}` }),
  // ConstraintViolations.formatUntyped of @NotNull on the entity parameter.
  missingBody: (): Problem => ({ code: 422, message: 'The request body may not be null' }),
  internal: (): Problem => ({ code: 500, message: 'Internal Server Error' }),
};

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: Problem };
const good = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = (p: Problem): { ok: false; problem: Problem } => ({ ok: false, problem: p });

/** The body's JSON as an object; empty or null is the @NotNull 422, not an object a 400. */
export function bodyObject(text: string | undefined): Checked<Record<string, unknown>> {
  if (text === undefined || text.trim() === '') return bad(httpProblems.missingBody());
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return bad(httpProblems.malformedJson((e as Error).message));
  }
  if (value === null) return bad(httpProblems.missingBody());
  if (typeof value !== 'object' || Array.isArray(value)) return bad(httpProblems.wrongType('(body)', 'a JSON object'));
  return good(value as Record<string, unknown>);
}

/** Jackson's coercions for a String field: a scalar becomes its text; an object or array is a 400. */
function stringField(o: Record<string, unknown>, field: string): Checked<string | undefined> {
  const v = o[field];
  if (v === undefined || v === null) return good(undefined);
  if (typeof v === 'string') return good(v);
  if (typeof v === 'number' || typeof v === 'boolean') return good(String(v));
  return bad(httpProblems.wrongType(field, 'a string'));
}

/** An Integer field: an int32 number or a string holding one (Jackson coerces), else 400. */
function intField(o: Record<string, unknown>, field: string): Checked<number | undefined> {
  const v = o[field];
  if (v === undefined || v === null) return good(undefined);
  const n = typeof v === 'string' && /^-?[0-9]{1,10}$/.test(v.trim()) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n) && n >= -2_147_483_648 && n <= 2_147_483_647) return good(n);
  return bad(httpProblems.wrongType(field, 'an int32'));
}

function references(o: Record<string, unknown>): Checked<SchemaReference[]> {
  const v = o.references;
  if (v === undefined || v === null) return good([]);
  if (!Array.isArray(v)) return bad(httpProblems.wrongType('references', 'an array'));
  const out: SchemaReference[] = [];
  for (const item of v) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return bad(httpProblems.wrongType('references[]', 'an object'));
    const r = item as Record<string, unknown>;
    const name = stringField(r, 'name');
    const subject = stringField(r, 'subject');
    const version = intField(r, 'version');
    if (!name.ok) return name;
    if (!subject.ok) return subject;
    if (!version.ok) return version;
    // AbstractSchemaProvider.resolveReferences: "Invalid reference" (an invalid schema, 42201).
    if (name.value === undefined || subject.value === undefined || version.value === undefined) {
      return bad({ code: 42201, message: `Invalid reference: {name=${name.value ?? null}, subject=${subject.value ?? null}, version=${version.value ?? null}}` });
    }
    out.push({ name: name.value, subject: subject.value, version: version.value });
  }
  return good(out);
}

/** RegisterSchemaRequest: schema, schemaType, references, id, version. Metadata, a rule set and
 *  schema tags are not built: a request carrying one (not null, not empty) is refused at once
 *  (42201, 42210 for a rule set) rather than stored without it. A missing schema is empty
 *  (42201 later). */
export function schemaRequest(text: string | undefined): Checked<SchemaRequest> {
  const body = bodyObject(text);
  if (!body.ok) return body;
  const o = body.value;
  const schema = stringField(o, 'schema');
  const schemaType = stringField(o, 'schemaType');
  const refs = references(o);
  const id = intField(o, 'id');
  const version = intField(o, 'version');
  for (const c of [schema, schemaType, refs, id, version]) if (!c.ok) return c;
  if (present(o.ruleSet)) return bad(registryErrors.ruleSetNotSupported());
  for (const field of ['metadata', 'schemaTags', 'propagateSchemaTags'] as const) {
    if (present(o[field]) && o[field] !== false) return bad(registryErrors.metadataNotSupported(field));
  }
  return good({
    schema: schema.ok ? (schema.value ?? '') : '',
    schemaType: schemaType.ok ? schemaType.value : undefined,
    references: refs.ok ? refs.value : [],
    // Schema(subject, request): an id below 0 and a version of 0 or less mean "none".
    id: id.ok && id.value !== undefined && id.value >= 0 ? id.value : undefined,
    version: version.ok && version.value !== undefined && version.value > 0 ? version.value : undefined,
  });
}

/** A request field that says something: not absent, null, an empty object or an empty array. */
function present(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  return typeof v !== 'object' || Object.keys(v as object).length > 0;
}

/** One string field of a small request (ConfigUpdateRequest.compatibility, ModeUpdateRequest.mode). */
export function fieldOf(text: string | undefined, field: string): Checked<string | undefined> {
  const body = bodyObject(text);
  return body.ok ? stringField(body.value, field) : body;
}

/** A JAX-RS boolean @QueryParam: "true" in any case is true, anything else false. */
export function flag(query: URLSearchParams, name: string): boolean {
  return query.get(name)?.toLowerCase() === 'true';
}

/** A JAX-RS int @QueryParam: absent is the default; text that is not an int32 makes the
 *  resource unmatched, which Jersey answers 404. */
export function intParam(query: URLSearchParams, name: string, fallback: number): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return fallback;
  if (!/^[-+]?[0-9]{1,10}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= -2_147_483_648 && n <= 2_147_483_647 ? n : undefined;
}

/** An Integer @PathParam ({id}): as intParam, absent not allowed. */
export function intPath(text: string): number | undefined {
  return /^[-+]?[0-9]{1,10}$/.test(text) && Math.abs(Number(text)) <= 2_147_483_647 ? Number(text) : undefined;
}

/** The media type of a Content-Type header, parameters dropped, lower case. */
export function mediaTypeOf(header: string | null): string | null {
  return header === null ? null : header.split(';')[0].trim().toLowerCase();
}
