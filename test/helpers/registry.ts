// Talking to a node's schema registry in tests: plain fetch against Confluent's REST paths,
// waiting for the store's replay, and marking the tests that need the HTTP routes.
//
// The routes (src/registry/http/app.ts) are built separately from the store; until they are in
// the tree, app.ts is a placeholder answering 404 to everything. Tests that need the routes are
// declared with `routesTest`: reported as todo (named, never silently skipped) while the
// placeholder is there, and run as ordinary tests once it is gone.

import { test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, type Broker } from './broker.ts';

/** Confluent's content type, for requests and answers. */
export const SR_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** Whether the tree has the registry's HTTP routes (not the placeholder). */
export const ROUTES_MERGED = !readFileSync(join(REPO_ROOT, 'src', 'registry', 'http', 'app.ts'), 'utf8').includes('PLACEHOLDER');

/** A test that needs the HTTP routes: todo (visibly, "needs the HTTP routes") until they are merged. */
export function routesTest(name: string, fn: () => Promise<void>, timeoutMs?: number): void {
  if (ROUTES_MERGED) test(name, fn, timeoutMs);
  else test.todo(`${name} [needs the HTTP routes: src/registry/http/app.ts is a placeholder]`, fn);
}

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
