// The admin API's answers on the wire. Redpanda's admin server is Seastar's httpd, whose errors
// (base_exception, bad_param_exception, not_found_exception) are written as
// {"message": "...", "code": N} with the status N (seastar/http/exception.hh, json_exception);
// ours are the same, so scripts written against Redpanda read them unchanged.

/** Largest request body the admin API reads, in bytes (a cluster_config PUT is a few KiB). */
export const ADMIN_REQUEST_BYTES_MAX = 1024 * 1024;

export const JSON_TYPE = 'application/json';

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': JSON_TYPE } });
}

/** Seastar's json_exception body: {"message", "code"} with the status as code. */
export function adminError(status: number, message: string): Response {
  return json(status, { message, code: status });
}

export const notFound = (path: string): Response => adminError(404, `Not found: ${path}`);

/** A path segment or query value as an integer, or null (Redpanda: "must be an integer"). */
export function intParam(text: string | null | undefined): number | null {
  if (text === null || text === undefined || !/^-?\d{1,10}$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/** Redpanda's get_boolean_query_param (admin/util.cc): "true" in any case or "1" is true, anything else false. */
export function boolParam(text: string | null): boolean {
  return text !== null && (text.toLowerCase() === 'true' || text === '1');
}
