// The routes as a table: method, path (`:param` segments, base/http-router.ts), whether it reads a body, and a
// handler from the request's parts to a Response. Each follows its Confluent resource
// (confluentinc/schema-registry core/.../rest/resources/: RootResource, ServerMetadataResource,
// SubjectsResource, SubjectVersionsResource, SchemasResource, ConfigResource, ModeResource,
// CompatibilityResource); status codes and bodies per schema-registry-api-spec.yaml.

import type { RegistryState, SchemaVersion } from '../registry-state.ts';
import { clearMode, deleteCompatibility, deleteMode, deleteSubject, deleteVersion, isValidSubject, setCompatibility, setMode } from '../registry-writes.ts';
import { registryErrors } from '../registry-errors.ts';
import type { RegistryService } from '../registry-service.ts';
import { fieldOf, flag, httpProblems, intParam, intPath, json, problem, rawText, schemaRequest, type Checked, type Problem } from './wire.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The body as text (routes with `body: true`), undefined when there is none. */
  readonly body: string | undefined;
}

export interface RouteEnv {
  readonly service: RegistryService;
  readonly clusterId: string;
  /** What GET /v1/metadata/version names as the server's version. */
  readonly serverVersion: string;
}

export interface Route {
  readonly method: Method;
  readonly path: string;
  readonly body: boolean;
  readonly handle: (req: RouteRequest, env: RouteEnv) => Response | Promise<Response>;
}

/** SchemaRegistryConfig: schema.search.{default,max}.limit = 1000; subject and version lists unbounded
 *  there, bounded here by the state's own limits. */
export const SCHEMA_SEARCH_LIMIT_MAX = 1000;
export const SUBJECT_SEARCH_LIMIT_MAX = 1_000_000;
/** The group id Confluent's /v1/metadata/id names as the registry's cluster (schema.registry.group.id). */
export const SCHEMA_REGISTRY_GROUP_ID = 'schema-registry';

type Outcome<T> = { ok: true; value: T } | { ok: false; error: Problem };
const answer = <T>(o: Outcome<T>, render: (v: T) => Response): Response => (o.ok ? render(o.value) : problem(o.error));
const checked = <T>(c: Checked<T>, then: (v: T) => Response | Promise<Response>): Response | Promise<Response> => (c.ok ? then(c.value) : problem(c.problem));

/** AbstractSchemaRegistry.normalizeLimit: a limit in (0, max] is used, anything else is the default. */
function page<T>(items: readonly T[], query: URLSearchParams, max: number): T[] | undefined {
  const offset = intParam(query, 'offset', 0);
  const limit = intParam(query, 'limit', -1);
  if (offset === undefined || limit === undefined) return undefined;
  const n = limit > 0 && limit <= max ? limit : max;
  return items.slice(Math.max(0, offset), Math.max(0, offset) + n);
}
const paged = <T>(items: readonly T[], query: URLSearchParams, max: number): Response => {
  const p = page(items, query, max);
  return p === undefined ? problem(httpProblems.notFound()) : json(p);
};

/** The Schema entity (@JsonInclude NON_EMPTY, its property order); schemaType only when not
 *  AVRO, as Confluent's registries before guid/ts answered. */
export function schemaEntity(v: SchemaVersion): Record<string, unknown> {
  return {
    subject: v.subject,
    version: v.version,
    id: v.id,
    ...(v.schemaType !== undefined && v.schemaType !== 'AVRO' ? { schemaType: v.schemaType } : {}),
    ...(v.references.length > 0 ? { references: v.references } : {}),
    schema: v.schema,
  };
}

/** GET /subjects; deletedOnly (LookupFilter.DELETED_ONLY) lists the subjects with no live
 *  version left (RestApiTest.testListSoftDeletedSubjectsAndSchemas). */
function subjectsOf(state: RegistryState, query: URLSearchParams): string[] {
  const prefix = query.get('subjectPrefix') ?? '';
  const deletedOnly = flag(query, 'deletedOnly');
  const all = state.listSubjects(deletedOnly || flag(query, 'deleted'));
  const chosen = deletedOnly ? all.filter((s) => state.versionsOf(s, false).length === 0) : all;
  return chosen.filter((s) => s.startsWith(prefix));
}

/** SubjectVersionsResource.listVersions: LookupFilter DELETED_AS_NEGATIVE (every version, the
 *  soft-deleted ones negated), else DELETED_ONLY, else INCLUDE_DELETED, else live ones. */
function versionsOf(state: RegistryState, subject: string, query: URLSearchParams): Outcome<number[]> {
  const deletedOnly = flag(query, 'deletedOnly');
  const asNegative = flag(query, 'deletedAsNegative');
  if (state.versionsOf(subject, deletedOnly || flag(query, 'deleted')).length === 0) return { ok: false, error: registryErrors.subjectNotFound(subject) };
  const all = state.versionsOf(subject, true);
  if (asNegative) return { ok: true, value: all.map((v) => (v.deleted ? -v.version : v.version)) };
  const chosen = deletedOnly ? all.filter((v) => v.deleted) : flag(query, 'deleted') ? all : all.filter((v) => !v.deleted);
  return { ok: true, value: chosen.map((v) => v.version) };
}

/** GET /schemas: every matching subject's versions (or its latest), by subject then version. */
function schemasOf(state: RegistryState, query: URLSearchParams): SchemaVersion[] {
  const prefix = query.get('subjectPrefix') ?? '';
  const deleted = flag(query, 'deleted');
  const out: SchemaVersion[] = [];
  for (const s of state.listSubjects(deleted)) {
    if (!s.startsWith(prefix)) continue;
    const vs = state.versionsOf(s, deleted);
    out.push(...(flag(query, 'latestOnly') ? vs.slice(-1) : vs));
  }
  return out;
}

/** GET /schemas/ids/{id}: the id's schema, or with ?subject= the version of that subject holding it. */
function schemaById(state: RegistryState, idText: string, query: URLSearchParams): Outcome<SchemaVersion> | undefined {
  const id = intPath(idText);
  if (id === undefined) return undefined;
  const subject = query.get('subject');
  if (subject !== null && subject !== '') {
    const held = state.versionsOf(subject, true).find((v) => v.id === id);
    if (held !== undefined) return { ok: true, value: held };
  }
  return state.schemaById(id);
}

const config = (level: string) => json({ compatibilityLevel: level });

/** PUT /mode[/{subject}]: echoes the request's mode as written; without one the scope's mode is
 *  cleared and the answer has none (ModeResource.updateMode returns the request). */
async function putMode(env: RouteEnv, subject: string | null, mode: string | undefined, force: boolean): Promise<Response> {
  if (mode === undefined) return answer(await env.service.write((s) => clearMode(s, subject), () => ({})), (v) => json(v));
  return answer(await env.service.write((s) => setMode(s, subject, mode, force), () => mode), (m) => json({ mode: m }));
}

/** GET /schemas/ids/{id}/subjects and /versions: an unknown id is "Schema not found", without
 *  the id (SchemasResource.getSubjects/getVersions: Errors.schemaNotFoundException()). */
function idHolders(env: RouteEnv, id: number, query: URLSearchParams): Outcome<Array<{ subject: string; version: number }>> {
  const held = env.service.state.subjectVersionsById(id, flag(query, 'deleted'));
  return held.ok ? held : { ok: false, error: registryErrors.schemaNotFound() };
}

/** The schema text in the ?format= asked for (ParsedSchema.formattedString), or as stored. */
function withFormat(env: RouteEnv, v: SchemaVersion, query: URLSearchParams): Outcome<string> {
  const format = query.get('format') ?? '';
  return format.trim() === '' ? { ok: true, value: v.schema } : env.service.formatted(v, format);
}

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/', body: false, handle: () => json({}) },
  {
    method: 'GET', path: '/v1/metadata/id', body: false,
    // ServerClusterId: its id is always "" (a final field); the cluster ids are in the scope.
    handle: (_r, env) => json({ id: '', scope: { path: [], clusters: { 'kafka-cluster': env.clusterId, 'schema-registry-cluster': SCHEMA_REGISTRY_GROUP_ID } } }),
  },
  // SchemaRegistryServerVersion; the commit id is the build's, which we do not carry.
  { method: 'GET', path: '/v1/metadata/version', body: false, handle: (_r, env) => json({ version: env.serverVersion, commitId: '' }) },
  // ContextsResource: contexts are not supported, so the default context is the only one.
  { method: 'GET', path: '/contexts', body: false, handle: (r) => paged(['.'].filter((c) => c.startsWith(r.query.get('contextPrefix') ?? '')), r.query, SUBJECT_SEARCH_LIMIT_MAX) },
  { method: 'GET', path: '/subjects', body: false, handle: (r, env) => paged(subjectsOf(env.service.state, r.query), r.query, SUBJECT_SEARCH_LIMIT_MAX) },
  {
    method: 'POST', path: '/subjects/:subject', body: true,
    handle: (r, env) => checked(schemaRequest(r.body), (req) =>
      answer(env.service.lookup(r.params.subject, req, flag(r.query, 'normalize'), flag(r.query, 'deleted')), (v) => json(schemaEntity(v)))),
  },
  {
    method: 'DELETE', path: '/subjects/:subject', body: false,
    handle: async (r, env) => answer(
      await env.service.write((s) => deleteSubject(s, r.params.subject, flag(r.query, 'permanent')), (v) => v.versions), (v) => json(v)),
  },
  {
    method: 'GET', path: '/subjects/:subject/versions', body: false,
    handle: (r, env) => answer(versionsOf(env.service.state, r.params.subject, r.query), (v) => paged(v, r.query, SUBJECT_SEARCH_LIMIT_MAX)),
  },
  {
    method: 'POST', path: '/subjects/:subject/versions', body: true,
    handle: (r, env) => checked(schemaRequest(r.body), async (req) =>
      answer(await env.service.register(r.params.subject, req, flag(r.query, 'normalize')), (v) => json({ id: v.id, version: v.version }))),
  },
  {
    method: 'GET', path: '/subjects/:subject/versions/:version', body: false,
    handle: (r, env) => answer(env.service.state.getVersion(r.params.subject, r.params.version, flag(r.query, 'deleted')), (v) => {
      const text = withFormat(env, v, r.query);
      return text.ok ? json({ ...schemaEntity(v), schema: text.value }) : problem(text.error);
    }),
  },
  {
    method: 'DELETE', path: '/subjects/:subject/versions/:version', body: false,
    handle: async (r, env) => answer(
      await env.service.write((s) => deleteVersion(s, r.params.subject, r.params.version, flag(r.query, 'permanent')), (v) => v.version), (v) => json(v)),
  },
  {
    method: 'GET', path: '/subjects/:subject/versions/:version/schema', body: false,
    // SubjectVersionsResource.getSchemaOnly: the version's schema text, in ?format= if asked.
    handle: (r, env) => answer(env.service.state.getVersion(r.params.subject, r.params.version, flag(r.query, 'deleted')), (v) => answer(withFormat(env, v, r.query), rawText)),
  },
  {
    method: 'GET', path: '/subjects/:subject/versions/:version/referencedby', body: false,
    handle: (r, env) => answer(env.service.referencedBy(r.params.subject, r.params.version, flag(r.query, 'deleted')), (ids) => paged(ids, r.query, SCHEMA_SEARCH_LIMIT_MAX)),
  },
  { method: 'GET', path: '/schemas', body: false, handle: (r, env) => paged(schemasOf(env.service.state, r.query).map(schemaEntity), r.query, SCHEMA_SEARCH_LIMIT_MAX) },
  { method: 'GET', path: '/schemas/types', body: false, handle: (_r, env) => json(env.service.schemaTypes()) },
  {
    method: 'GET', path: '/schemas/ids/:id', body: false,
    handle: (r, env) => {
      const found = schemaById(env.service.state, r.params.id, r.query);
      if (found === undefined) return problem(httpProblems.notFound());
      return answer(found, (v) => {
        const text = withFormat(env, v, r.query);
        if (!text.ok) return problem(text.error);
        const schema = text.value;
        return json({
          ...(v.schemaType !== undefined && v.schemaType !== 'AVRO' ? { schemaType: v.schemaType } : {}),
          schema,
          ...(v.references.length > 0 ? { references: v.references } : {}),
          ...(flag(r.query, 'fetchMaxId') ? { maxId: env.service.state.nextId() - 1 } : {}),
        });
      });
    },
  },
  {
    method: 'GET', path: '/schemas/ids/:id/schema', body: false,
    handle: (r, env) => {
      const found = schemaById(env.service.state, r.params.id, r.query);
      return found === undefined ? problem(httpProblems.notFound()) : answer(found, (v) => rawText(v.schema));
    },
  },
  {
    method: 'GET', path: '/schemas/ids/:id/subjects', body: false,
    handle: (r, env) => {
      const id = intPath(r.params.id);
      if (id === undefined) return problem(httpProblems.notFound());
      return answer(idHolders(env, id, r.query), (svs) => paged([...new Set(svs.map((sv) => sv.subject))], r.query, SUBJECT_SEARCH_LIMIT_MAX));
    },
  },
  {
    method: 'GET', path: '/schemas/ids/:id/versions', body: false,
    handle: (r, env) => {
      const id = intPath(r.params.id);
      if (id === undefined) return problem(httpProblems.notFound());
      return answer(idHolders(env, id, r.query), (svs) => paged(svs, r.query, SUBJECT_SEARCH_LIMIT_MAX));
    },
  },
  // ConfigResource: GET answers Config {compatibilityLevel}, PUT echoes ConfigUpdateRequest {compatibility}.
  { method: 'GET', path: '/config', body: false, handle: (_r, env) => config(env.service.state.compatibilityOf(null) ?? env.service.state.effectiveCompatibility('')) },
  {
    method: 'PUT', path: '/config', body: true,
    handle: (r, env) => checked(fieldOf(r.body, 'compatibility'), async (level) =>
      answer(await env.service.write((s) => setCompatibility(s, null, level ?? ''), (v) => v.level), (l) => json({ compatibility: l }))),
  },
  { method: 'DELETE', path: '/config', body: false, handle: async (_r, env) => answer(await env.service.write((s) => deleteCompatibility(s, null), (v) => v.level), config) },
  {
    method: 'GET', path: '/config/:subject', body: false,
    handle: (r, env) => {
      const state = env.service.state;
      const level = flag(r.query, 'defaultToGlobal') ? state.effectiveCompatibility(r.params.subject) : state.compatibilityOf(r.params.subject);
      return level === null ? problem(registryErrors.subjectCompatibilityNotConfigured(r.params.subject)) : config(level);
    },
  },
  {
    method: 'PUT', path: '/config/:subject', body: true,
    handle: (r, env) => checked(fieldOf(r.body, 'compatibility'), async (level) => {
      if (!isValidSubject(r.params.subject)) return problem(registryErrors.invalidSubject(r.params.subject));
      return answer(await env.service.write((s) => setCompatibility(s, r.params.subject, level ?? ''), (v) => v.level), (l) => json({ compatibility: l }));
    }),
  },
  {
    method: 'DELETE', path: '/config/:subject', body: false,
    handle: async (r, env) => answer(await env.service.write((s) => deleteCompatibility(s, r.params.subject), (v) => v.level), config),
  },
  // ModeResource: GET answers {mode}; PUT echoes the request's mode as written.
  { method: 'GET', path: '/mode', body: false, handle: (_r, env) => json({ mode: env.service.state.effectiveMode(null) }) },
  { method: 'PUT', path: '/mode', body: true, handle: (r, env) => checked(fieldOf(r.body, 'mode'), (mode) => putMode(env, null, mode, flag(r.query, 'force'))) },
  { method: 'DELETE', path: '/mode', body: false, handle: async (_r, env) => answer(await env.service.write((s) => deleteMode(s, null), (v) => v.mode), (m) => json({ mode: m })) },
  {
    method: 'GET', path: '/mode/:subject', body: false,
    handle: (r, env) => {
      const state = env.service.state;
      const mode = flag(r.query, 'defaultToGlobal') ? state.effectiveMode(r.params.subject) : state.modeOf(r.params.subject);
      return mode === null ? problem(registryErrors.subjectModeNotConfigured(r.params.subject)) : json({ mode });
    },
  },
  {
    method: 'PUT', path: '/mode/:subject', body: true,
    handle: (r, env) => checked(fieldOf(r.body, 'mode'), (mode) => {
      if (!isValidSubject(r.params.subject)) return problem(registryErrors.invalidSubject(r.params.subject));
      return putMode(env, r.params.subject, mode, flag(r.query, 'force'));
    }),
  },
  {
    method: 'DELETE', path: '/mode/:subject', body: false,
    handle: async (r, env) => answer(await env.service.write((s) => deleteMode(s, r.params.subject), (v) => v.mode), (m) => json({ mode: m })),
  },
  // CompatibilityResource: {is_compatible}, and the reasons with verbose=true.
  ...(['/compatibility/subjects/:subject/versions/:version', '/compatibility/subjects/:subject/versions'] as const).map((path): Route => ({
    method: 'POST', path, body: true,
    handle: (r, env) => checked(schemaRequest(r.body), (req) => {
      const verbose = flag(r.query, 'verbose');
      const result = env.service.testCompatibility(r.params.subject, r.params.version ?? null, req, flag(r.query, 'normalize'), verbose);
      return answer(result, (messages) => json({ is_compatible: messages.length === 0, ...(verbose ? { messages } : {}) }));
    }),
  })),
];
