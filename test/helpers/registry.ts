// Talking to a node's schema registry in tests: plain fetch against Confluent's REST paths, and
// waiting for the store's replay.

import type { Broker } from './broker.ts';

/** Confluent's content type, for requests and answers. */
export const SR_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export interface SrAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly contentType: string | null;
}

/** One request to a registry; the body is sent as JSON, the answer parsed when it is JSON. */
export async function sr(baseUrl: string, method: string, path: string, body?: unknown): Promise<SrAnswer> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': SR_CONTENT_TYPE },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: res.status, body: parsed, contentType: res.headers.get('content-type') };
}

/** POST /subjects/{subject}/versions: the id, or throws with the answer. */
export async function registerSchema(baseUrl: string, subject: string, schema: string): Promise<number> {
  const r = await sr(baseUrl, 'POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema });
  if (r.status !== 200) throw new Error(`register ${subject}: ${r.status} ${JSON.stringify(r.body)}`);
  return (r.body as { id: number }).id;
}

/** The line the store logs once it has replayed `_schemas` (registry/store/topic-backend.ts). */
export const REGISTRY_READY_LINE = /_schemas replayed to offset \d+: ready/;

/** Resolves once the node's log says its registry replayed `_schemas`; throws after timeoutMs. */
export async function registryReady(broker: Broker, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!REGISTRY_READY_LINE.test(broker.logs())) {
    if (performance.now() > deadline) throw new Error(`the registry did not get ready within ${timeoutMs} ms\n${broker.logs().slice(-4_000)}`);
    await Bun.sleep(50);
  }
}

/** A small Avro record schema; string fields with a default, so adding one is a backward
 *  compatible change (the Avro specification's schema resolution: a reader field missing from
 *  the writer's schema takes its default). */
export function avroRecord(name: string, fields: readonly string[] = []): string {
  return JSON.stringify({ type: 'record', name, fields: fields.map((f) => ({ name: f, type: 'string', default: '' })) });
}
