// The one HTTP helper of the commands that talk to a node's admin API (`freshet cluster health`,
// `cluster config`, `cluster maintenance`, `cluster decommission`): where the API is
// (--admin-url), one call with a named timeout, and its failures as messages a person can act
// on. Redpanda's admin API answers errors as JSON {"message", "code"} (seastar's json_exception,
// as src/admin/wire.ts does), and a refused cluster config as 400 with an object of
// property -> reason (Redpanda's admin/server.cc, PUT /v1/cluster_config): both become one line.

import type { Parsed } from '../base/flags.ts';
import { checkedServiceUrl, defaultServiceUrl } from './args.ts';

/** Redpanda's admin API port (rpk's default admin address), on this machine. */
export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:9644';
/** One admin request's limit: a node that does not answer within it is reported as unreachable. */
export const ADMIN_REQUEST_TIMEOUT_MS = 10_000;
/** The longest error text quoted from a body that is not JSON. */
const ERROR_TEXT_CHARS_MAX = 200;

/**
 * The admin API when --admin-url is not given: FRESHET_ADMIN_URL, else the listener of a node
 * configured in this environment (FRESHET_ADMIN_ADDR, a wildcard host read as loopback, as
 * --brokers reads FRESHET_KAFKA_ADDR), else http://127.0.0.1:9644.
 */
export function defaultAdminUrl(env: Record<string, string | undefined>): string {
  return defaultServiceUrl(env, 'FRESHET_ADMIN_URL', 'FRESHET_ADMIN_ADDR', DEFAULT_ADMIN_URL);
}

/** --admin-url (else defaultAdminUrl), checked as an http(s) URL, without a trailing slash. */
export function adminUrl(p: Parsed, env: Record<string, string | undefined> = process.env): string {
  return checkedServiceUrl('admin-url', p.strings.get('admin-url') ?? defaultAdminUrl(env));
}

/** The admin API answered with an error status; `message` is what it said. */
export class AdminCallError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'AdminCallError';
  }
}

/** No answer: connection refused, a timeout, a body that is not JSON. */
export class AdminUnreachable extends Error {
  override name = 'AdminUnreachable';
}

/**
 * An error answer as one line. Redpanda's {"message": "...", "code": N} gives its message; a
 * cluster config refusal, {"key": "reason", ...}, gives "key: reason; key2: reason2"; anything
 * else its status and (the start of) its text. Pure.
 */
export function adminErrorMessage(status: number, text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `HTTP ${status}${text.trim() === '' ? '' : `: ${text.trim().slice(0, ERROR_TEXT_CHARS_MAX)}`}`;
  }
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const o = body as Record<string, unknown>;
    if (typeof o.message === 'string') return o.message;
    const reasons = Object.entries(o).filter((e): e is [string, string] => typeof e[1] === 'string');
    if (reasons.length > 0) return reasons.map(([k, why]) => `${k}: ${why}`).join('; ');
  }
  return `HTTP ${status}: ${text.trim().slice(0, ERROR_TEXT_CHARS_MAX)}`;
}

/** Why a request got no answer, as the person at the terminal needs it. Pure. */
export function unreachableMessage(url: string, e: unknown): string {
  if (e instanceof Error && e.name === 'TimeoutError') return `the admin API at ${url} did not answer within ${ADMIN_REQUEST_TIMEOUT_MS} ms (ADMIN_REQUEST_TIMEOUT_MS)`;
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  if (code === 'ECONNREFUSED' || code === 'ConnectionRefused') return `no admin API at ${url}: is the node started with --admin-addr?`;
  return `cannot reach the admin API at ${url}: ${e instanceof Error ? e.message : String(e)}`;
}

/** One call; the parsed JSON answer on 2xx (null for an empty body), else throws AdminCallError / AdminUnreachable. */
export async function adminCall(url: string, method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${url}${path}`, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(ADMIN_REQUEST_TIMEOUT_MS),
    });
  } catch (e) {
    throw new AdminUnreachable(unreachableMessage(url, e));
  }
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    throw new AdminUnreachable(unreachableMessage(url, e));
  }
  if (!res.ok) throw new AdminCallError(res.status, adminErrorMessage(res.status, text));
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new AdminUnreachable(`${url}${path} answered ${res.status} with a body that is not JSON: is ${url} a Freshet or Redpanda admin API?`);
  }
}
