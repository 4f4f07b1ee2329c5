// The router behind the three HTTP apps, as a table of requests and what each must match. The
// expectations are the rules the apps answered by before (Elysia's router, probed per app) and
// JAX-RS's (@Path templates: a literal segment wins over a template variable, JSR 370 section
// 3.7.2 step 3(f) sorts by the number of literal characters first; a {param} matches one
// non-empty segment, percent-decoded), RFC 3986 section 2.1 (percent-encoding) and RFC 9110
// sections 9.3.2 (HEAD is GET without the body) and 15.5.6 (405 for a known resource).

import { describe, expect, test } from 'bun:test';
import { compileRoutes, ROUTE_PATH_CHARS_MAX, ROUTE_SEGMENTS_MAX, type RouteMatch, type Router, withoutBodyForHead } from '../../../src/base/http-router.ts';

const TABLE: ReadonlyArray<[string, string]> = [
  ['GET', '/'],
  ['GET', '/subjects'],
  ['POST', '/subjects/:subject'],
  ['DELETE', '/subjects/:subject'],
  ['GET', '/subjects/:subject/versions/:version'],
  ['GET', '/subjects/:subject/versions/latest/schema'],
  ['GET', '/subjects/:subject/versions/:version/schema'],
  ['GET', '/schemas/types'],
  ['GET', '/schemas/ids/:id'],
  ['POST', '/consumers/:group/instances/:instance/positions'],
  ['POST', '/consumers/:group/instances/:instance/positions/beginning'],
  ['GET', '/a/b/c'],
  ['GET', '/a/:x/d'],
];

function router(): Router<string> {
  const compiled = compileRoutes(TABLE.map(([method, path]) => ({ method, path, route: `${method} ${path}` })));
  if (!compiled.ok) throw new Error(compiled.error);
  return compiled.router;
}

const found = (route: string, params: Record<string, string | null> = {}): RouteMatch<string> => ({ kind: 'found', route, params });
const NOT_FOUND: RouteMatch<string> = { kind: 'not_found' };

describe('match', () => {
  const cases: ReadonlyArray<[string, string, string, RouteMatch<string>]> = [
    ['the root', 'GET', '/', found('GET /')],
    ['a static path', 'GET', '/subjects', found('GET /subjects')],
    ['one trailing slash is ignored', 'GET', '/subjects/', found('GET /subjects')],
    ['two trailing slashes are an empty segment: nothing', 'GET', '/subjects//', NOT_FOUND],
    ['an empty segment inside: nothing', 'GET', '/subjects//versions/1', NOT_FOUND],
    ['a leading double slash: nothing', 'GET', '//subjects', NOT_FOUND],
    ['static segments are case-sensitive', 'GET', '/Subjects', NOT_FOUND],
    ['params by name', 'GET', '/subjects/s/versions/3', found('GET /subjects/:subject/versions/:version', { subject: 's', version: '3' })],
    ['a param is percent-decoded, %2F included', 'GET', '/subjects/a%2Fb/versions/1', found('GET /subjects/:subject/versions/:version', { subject: 'a/b', version: '1' })],
    ['lower-case hex decodes too', 'GET', '/subjects/a%2fb/versions/1', found('GET /subjects/:subject/versions/:version', { subject: 'a/b', version: '1' })],
    ['UTF-8 sequences decode', 'POST', '/subjects/%C3%A9', found('POST /subjects/:subject', { subject: 'é' })],
    ['+ is not a space in a path', 'POST', '/subjects/a+b', found('POST /subjects/:subject', { subject: 'a+b' })],
    ['a malformed escape is null, still routed', 'POST', '/subjects/%ZZ', found('POST /subjects/:subject', { subject: null })],
    ['a lone % is null', 'POST', '/subjects/%', found('POST /subjects/:subject', { subject: null })],
    ['a cut UTF-8 sequence is null', 'GET', '/subjects/%E0%A4%A/versions/1', found('GET /subjects/:subject/versions/:version', { subject: null, version: '1' })],
    ['a static segment beats a param', 'GET', '/subjects/s/versions/latest/schema', found('GET /subjects/:subject/versions/latest/schema', { subject: 's' })],
    ['the param still matches other values', 'GET', '/subjects/s/versions/7/schema', found('GET /subjects/:subject/versions/:version/schema', { subject: 's', version: '7' })],
    ['a static branch that leads nowhere falls back to the param', 'GET', '/a/b/d', found('GET /a/:x/d', { x: 'b' })],
    ['the static branch where it leads somewhere', 'GET', '/a/b/c', found('GET /a/b/c')],
    ['a longer static path beside a shorter one', 'POST', '/consumers/g/instances/i/positions/beginning', found('POST /consumers/:group/instances/:instance/positions/beginning', { group: 'g', instance: 'i' })],
    ['the shorter one', 'POST', '/consumers/g/instances/i/positions', found('POST /consumers/:group/instances/:instance/positions', { group: 'g', instance: 'i' })],
    ['a path prefix of a route is not a route', 'GET', '/schemas/ids', NOT_FOUND],
    ['a missing param segment is not a match', 'GET', '/schemas/ids/', NOT_FOUND],
    ['a route with an extra segment is not a match', 'GET', '/schemas/types/x', NOT_FOUND],
    ['an unknown path', 'GET', '/nope', NOT_FOUND],
    ['deeper than every route', 'GET', '/a/b/c/d/e/f/g/h/i', NOT_FOUND],
    ['a known path, another method', 'PUT', '/subjects', { kind: 'method_not_allowed', allowed: ['GET'] }],
    ['a known param path, another method', 'GET', '/subjects/s', { kind: 'method_not_allowed', allowed: ['POST', 'DELETE'] }],
    ['OPTIONS is an ordinary method', 'OPTIONS', '/subjects', { kind: 'method_not_allowed', allowed: ['GET'] }],
    ['OPTIONS on an unknown path', 'OPTIONS', '/nope', NOT_FOUND],
    ['HEAD is served by GET', 'HEAD', '/schemas/ids/4', found('GET /schemas/ids/:id', { id: '4' })],
    ['HEAD where there is no GET', 'HEAD', '/subjects/s', { kind: 'method_not_allowed', allowed: ['POST', 'DELETE'] }],
    ['a method is case-sensitive (RFC 9110 section 9.1)', 'get', '/subjects', { kind: 'method_not_allowed', allowed: ['GET'] }],
    ['a pathname without its leading slash', 'GET', 'subjects', NOT_FOUND],
  ];
  for (const [why, method, path, expected] of cases) {
    test(`${why}: ${method} ${path}`, () => {
      expect(router().match(method, path)).toEqual(expected);
    });
  }
});

describe('limits', () => {
  test(`a pathname past ROUTE_PATH_CHARS_MAX (${ROUTE_PATH_CHARS_MAX}) is not found; one at it is routed`, () => {
    const r = router();
    const at = `/subjects/${'x'.repeat(ROUTE_PATH_CHARS_MAX - '/subjects/'.length)}`;
    expect(r.match('POST', at)).toEqual(found('POST /subjects/:subject', { subject: at.slice('/subjects/'.length) }));
    expect(r.match('POST', `${at}x`)).toEqual(NOT_FOUND);
  });

  test(`a pattern deeper than ROUTE_SEGMENTS_MAX (${ROUTE_SEGMENTS_MAX}) is refused when compiled`, () => {
    const deep = (n: number) => '/s'.repeat(n);
    expect(compileRoutes([{ method: 'GET', path: deep(ROUTE_SEGMENTS_MAX), route: 1 }]).ok).toBe(true);
    expect(compileRoutes([{ method: 'GET', path: deep(ROUTE_SEGMENTS_MAX + 1), route: 1 }])).toMatchObject({ ok: false });
  });
});

describe('a wrong table is an error value', () => {
  const bad: ReadonlyArray<[string, Array<[string, string]>]> = [
    ['the same method and pattern twice', [['GET', '/a/:x'], ['GET', '/a/:y']]],
    ['a pattern without its leading slash', [['GET', 'a']]],
    ['an empty segment', [['GET', '/a//b']]],
    ['a param without a name', [['GET', '/a/:']]],
    ['a param name twice', [['GET', '/a/:x/:x']]],
  ];
  for (const [why, table] of bad) {
    test(why, () => {
      expect(compileRoutes(table.map(([method, path]) => ({ method, path, route: path })))).toMatchObject({ ok: false });
    });
  }
});

describe('withoutBodyForHead', () => {
  test("HEAD keeps the GET's status and headers and its body's Content-Length, without the body; other methods keep theirs", async () => {
    const get = () => new Response('{"a":1}', { status: 200, headers: { 'content-type': 'application/json' } });
    const head = await withoutBodyForHead(new Request('http://h/x', { method: 'HEAD' }), get());
    expect([head.status, head.headers.get('content-type'), head.headers.get('content-length'), head.body]).toEqual([200, 'application/json', '7', null]);
    const same = await withoutBodyForHead(new Request('http://h/x'), get());
    expect(await same.text()).toBe('{"a":1}');
  });
});
