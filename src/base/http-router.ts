// The HTTP router behind the admin API, the schema registry and the proxy: a table of routes
// (method, path pattern with `:param` segments, handler) compiled once into a segment trie, then
// `match(method, pathname)` per request. Pure: no I/O, no clock; errors are values.
//
// What it answers, each rule kept from the Elysia router the three apps used before (probed on
// each app with the same requests before and after the switch) and from JAX-RS (Jersey) where
// the apps follow Confluent:
// - Static segments win over a `:param` at the same place; when the static branch does not
//   lead to a route the param branch is tried (so no table depends on its order).
// - A param matches one non-empty segment, percent-decoded (decodeURIComponent: `a%2Fb` is
//   `a/b`, `+` stays `+`). A malformed encoding (`%ZZ`, a cut UTF-8 sequence) gives `null`, not
//   a miss: each app answers it as it decides (JAX-RS: a @PathParam that cannot be converted is
//   404). Static segments compare as sent, case-sensitively.
// - One trailing slash is ignored (`/subjects/` is `/subjects`); an empty segment (`//`)
//   matches nothing.
// - A path some route serves with another method is `method_not_allowed` (Jersey's 405), else
//   `not_found` (404). HEAD is served by the GET route when there is no HEAD route (the app
//   drops the body; RFC 9110 section 9.3.2); OPTIONS is an ordinary method (405 where no route
//   has it, as before). Methods are compared as sent: they are case-sensitive (RFC 9110
//   section 9.1; fetch's Request upper-cases the six standard ones itself).

/** A pattern deeper than this is refused when compiled; the deepest route today has 7. */
export const ROUTE_SEGMENTS_MAX = 32;
/** A longer pathname is `not_found` without being split. A backstop: Bun.serve refuses request
 *  headers past its max-http-header-size (16 KiB by default) before a handler runs; above the
 *  apps' own name limits (the registry's SUBJECT_CHARS_MAX, 16 KiB, answers 42208 itself). */
export const ROUTE_PATH_CHARS_MAX = 65_536;

export interface RouteSpec<R> {
  readonly method: string;
  readonly path: string;
  readonly route: R;
}

export type RouteMatch<R> =
  | { readonly kind: 'found'; readonly route: R; readonly params: Record<string, string | null> }
  | { readonly kind: 'method_not_allowed'; readonly allowed: readonly string[] }
  | { readonly kind: 'not_found' };

export interface Router<R> {
  match(method: string, pathname: string): RouteMatch<R>;
}

interface Leaf<R> {
  readonly route: R;
  /** The route's param names, in the order of its param segments. */
  readonly names: readonly string[];
}

interface TrieNode<R> {
  readonly statics: Map<string, TrieNode<R>>;
  param: TrieNode<R> | null;
  /** The routes ending here, by method. */
  readonly leaves: Map<string, Leaf<R>>;
}

const newNode = <R>(): TrieNode<R> => ({ statics: new Map(), param: null, leaves: new Map() });

/** '/a/:b/' -> ['a', ':b']; '/' -> []. One trailing slash is not a segment. */
function segmentsOf(path: string): string[] {
  const body = path.length > 1 && path.endsWith('/') ? path.slice(1, -1) : path.slice(1);
  return body === '' ? [] : body.split('/');
}

function decoded(segment: string): string | null {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** The routes compiled into a router, or why the table is wrong (a bug in a static table). */
export function compileRoutes<R>(specs: readonly RouteSpec<R>[]): { ok: true; router: Router<R> } | { ok: false; error: string } {
  const root = newNode<R>();
  let depthMax = 0;
  for (const spec of specs) {
    if (!spec.path.startsWith('/')) return { ok: false, error: `${spec.method} ${spec.path}: a pattern starts with /` };
    const segments = segmentsOf(spec.path);
    if (segments.length > ROUTE_SEGMENTS_MAX) return { ok: false, error: `${spec.method} ${spec.path}: more than ${ROUTE_SEGMENTS_MAX} segments` };
    depthMax = Math.max(depthMax, segments.length);
    const names: string[] = [];
    let node = root;
    for (const seg of segments) {
      if (seg === '' || seg === ':') return { ok: false, error: `${spec.method} ${spec.path}: an empty segment or param name` };
      if (seg.startsWith(':')) {
        if (names.includes(seg.slice(1))) return { ok: false, error: `${spec.method} ${spec.path}: param ${seg} twice` };
        names.push(seg.slice(1));
        node.param ??= newNode<R>();
        node = node.param;
      } else {
        let next = node.statics.get(seg);
        if (next === undefined) node.statics.set(seg, (next = newNode<R>()));
        node = next;
      }
    }
    if (node.leaves.has(spec.method)) return { ok: false, error: `${spec.method} ${spec.path}: routed twice` };
    node.leaves.set(spec.method, { route: spec.route, names });
  }
  return { ok: true, router: { match: (method, pathname) => match(root, depthMax, method, pathname) } };
}

/** The first node (static before param, depth first) where `segments` end with a leaf that
 *  `accept` takes; `values` collects the raw param segments on the way. */
function walk<R>(node: TrieNode<R>, segments: readonly string[], at: number, values: string[], accept: (n: TrieNode<R>) => boolean): TrieNode<R> | null {
  if (at === segments.length) return accept(node) ? node : null;
  const seg = segments[at]!;
  const next = node.statics.get(seg);
  if (next !== undefined) {
    const found = walk(next, segments, at + 1, values, accept);
    if (found !== null) return found;
  }
  if (node.param !== null && seg !== '') {
    values.push(seg);
    const found = walk(node.param, segments, at + 1, values, accept);
    if (found !== null) return found;
    values.pop();
  }
  return null;
}

function match<R>(root: TrieNode<R>, depthMax: number, method: string, pathname: string): RouteMatch<R> {
  if (pathname.length > ROUTE_PATH_CHARS_MAX || !pathname.startsWith('/')) return { kind: 'not_found' };
  const segments = segmentsOf(pathname);
  if (segments.length > depthMax) return { kind: 'not_found' };
  const values: string[] = [];
  const leafOf = (n: TrieNode<R>): Leaf<R> | undefined => n.leaves.get(method) ?? (method === 'HEAD' ? n.leaves.get('GET') : undefined);
  const node = walk(root, segments, 0, values, (n) => leafOf(n) !== undefined);
  if (node !== null) {
    const leaf = leafOf(node)!;
    const params: Record<string, string | null> = {};
    leaf.names.forEach((name, i) => (params[name] = decoded(values[i]!)));
    return { kind: 'found', route: leaf.route, params };
  }
  const other = walk(root, segments, 0, [], (n) => n.leaves.size > 0);
  return other === null ? { kind: 'not_found' } : { kind: 'method_not_allowed', allowed: [...other.leaves.keys()] };
}

/** The answer to a HEAD request: the GET's status and headers without its body (RFC 9110
 *  section 9.3.2), with the Content-Length the GET's body has (section 8.6: a HEAD answer's
 *  Content-Length, if sent, is the GET's; Bun.serve sends the header it is given, and 0 for a
 *  bodiless Response without one). Any other request's answer as it is. */
export async function withoutBodyForHead(request: Request, response: Response): Promise<Response> {
  if (request.method !== 'HEAD' || response.body === null) return response;
  const length = (await response.arrayBuffer()).byteLength;
  const headers = new Headers(response.headers);
  headers.set('content-length', String(length));
  return new Response(null, { status: response.status, statusText: response.statusText, headers });
}
