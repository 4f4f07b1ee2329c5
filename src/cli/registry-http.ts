// What `freshet registry ...` shares: the --registry-url and output flags, one HTTP call to
// Confluent's REST paths with fetch, and the exit-code contract of the other client commands
// (0 success, 1 a registry error or no registry reachable, 2 usage). A registry error is shown
// as Confluent gives it: its error_code and message.

import { type FlagTable, HELP_FLAG, type Parsed, UsageError } from '../base/flags.ts';
import { checkedServiceUrl, defaultServiceUrl } from './args.ts';

/** Where the registry is when neither --registry-url nor the environment says. */
export const DEFAULT_REGISTRY_URL = 'http://127.0.0.1:8081';
/** One request's limit: a registry that does not answer within it is unreachable. */
export const REGISTRY_REQUEST_TIMEOUT_MS = 30_000;
/** Confluent's content type (the API reference: every request and answer). */
export const SR_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** Flags every registry command accepts. */
export const REGISTRY_COMMON_FLAGS: FlagTable = {
  'registry-url': {
    kind: 'string',
    value: 'URL',
    help: 'the schema registry',
    defaultText: `$FRESHET_REGISTRY_URL, else $FRESHET_SCHEMA_REGISTRY_ADDR, else ${DEFAULT_REGISTRY_URL}`,
  },
  format: { kind: 'string', value: 'table|json', help: 'output format', defaultText: 'table' },
  json: { kind: 'boolean', help: 'the same as --format json' },
  // Accepted so the global flags can be given to every command alike (args.ts hoistGlobalFlags).
  brokers: { kind: 'string', short: 'b', value: 'HOST:PORT[,...]', help: 'the Kafka brokers (not used by registry commands; accepted with the other global flags)' },
  'admin-url': { kind: 'string', value: 'URL', help: "the node's admin API (not used by registry commands; accepted with the other global flags)" },
  ...HELP_FLAG,
};

export interface RegistryOptions {
  readonly url: string;
  readonly format: 'table' | 'json';
}

/**
 * The registry when --registry-url is not given: FRESHET_REGISTRY_URL, else the listener of a
 * node configured in this environment (FRESHET_SCHEMA_REGISTRY_ADDR, a wildcard host read as
 * loopback, as --brokers reads FRESHET_KAFKA_ADDR), else http://127.0.0.1:8081.
 */
export function defaultRegistryUrl(env: Record<string, string | undefined>): string {
  return defaultServiceUrl(env, 'FRESHET_REGISTRY_URL', 'FRESHET_SCHEMA_REGISTRY_ADDR', DEFAULT_REGISTRY_URL);
}

export function registryOptions(p: Parsed, env: Record<string, string | undefined> = process.env): RegistryOptions {
  const url = checkedServiceUrl('registry-url', p.strings.get('registry-url') ?? defaultRegistryUrl(env));
  const format = p.booleans.get('json') === true ? 'json' : (p.strings.get('format') ?? 'table');
  if (format !== 'table' && format !== 'json') throw new UsageError(`--format must be table or json, not '${format}'`);
  return { url, format };
}

/** A registry answered with an error: Confluent's body {"error_code": N, "message": "..."}. */
export class RegistryCallError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryCallError';
  }
}

/** No answer at all: connection refused, timeout, not JSON. */
export class RegistryUnreachable extends Error {
  override name = 'RegistryUnreachable';
}

/** One call; the parsed JSON answer on 2xx, else throws RegistryCallError / RegistryUnreachable. */
export async function registryCall(options: RegistryOptions, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${options.url}${path}`, {
      method,
      headers: { accept: `${SR_CONTENT_TYPE}, application/json`, ...(body === undefined ? {} : { 'content-type': SR_CONTENT_TYPE }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REGISTRY_REQUEST_TIMEOUT_MS),
    });
  } catch (e) {
    const why = e instanceof Error && e.name === 'TimeoutError' ? `no answer within ${REGISTRY_REQUEST_TIMEOUT_MS} ms` : e instanceof Error ? e.message : String(e);
    throw new RegistryUnreachable(`cannot reach the schema registry at ${options.url}: ${why}`);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    if (res.ok) throw new RegistryUnreachable(`${options.url}${path} answered ${res.status} with a body that is not JSON`);
    throw new RegistryCallError(res.status, res.status, `HTTP ${res.status}: ${text.slice(0, 200)}`);
  }
  if (res.ok) return parsed;
  const e = parsed as { error_code?: unknown; message?: unknown } | null;
  const code = typeof e?.error_code === 'number' ? e.error_code : res.status;
  const message = typeof e?.message === 'string' ? e.message : `HTTP ${res.status}`;
  throw new RegistryCallError(res.status, code, message);
}

/** A path segment: subjects may hold any character (slashes, spaces). */
export const seg = (s: string): string => encodeURIComponent(s);

/** "?a=1&b=2" from the entries that are set; "" when none is. */
export function query(params: Record<string, string | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== false) q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}
