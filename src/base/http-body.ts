// Reading an HTTP request's body within a limit, for the node's HTTP front ends (the schema
// registry, src/registry/http, and the REST proxy, src/proxy): a body is never held past its
// limit, whatever its declared length says.

/** What a route gets: the body's text, or that it was larger than the limit. */
export type RawBody = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'too_large' };

/** Reads the body as text, never holding more than `max` bytes of it: a declared length past
 *  the limit is refused unread, and a chunked body is read until it passes the limit. */
export async function readBody(request: Request, max: number): Promise<RawBody> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > max) return { kind: 'too_large' };
  if (request.body === null) return { kind: 'text', text: '' };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return { kind: 'too_large' };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return { kind: 'text', text: new TextDecoder().decode(bytes) };
}
