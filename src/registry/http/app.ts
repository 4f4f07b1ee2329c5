// PLACEHOLDER (replaced by the HTTP routes): the registry's request handler over a backend.
// The node's shell serves it with Bun.serve on --schema-registry-addr.

import type { RegistryBackend } from '../registry-backend.ts';

export interface RegistryHttpOptions {
  /** Largest request body accepted, in bytes. */
  readonly requestBytesMax?: number;
}

export function registryFetch(backend: RegistryBackend, options: RegistryHttpOptions = {}): (request: Request) => Promise<Response> {
  void backend;
  void options;
  return async () =>
    new Response(JSON.stringify({ error_code: 40401, message: 'HTTP 404 Not Found' }), {
      status: 404,
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    });
}
