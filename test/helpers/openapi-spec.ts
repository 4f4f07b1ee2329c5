// Checks HTTP answers against an OpenAPI document (the Schema Registry's
// schema-registry-api-spec.yaml in ../shared/http-api-specs, or $FRESHET_HTTP_API_SPECS_DIR):
// the answer's path, method and status must be described, and its JSON body must match the
// schema the spec gives for them (ajv, with the spec's $refs resolved). Reference data, read in
// place, never copied in.

import Ajv, { type ValidateFunction } from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requirement, type Requirement } from './requirements.ts';

/** The folder holding the HTTP API specs: $FRESHET_HTTP_API_SPECS_DIR, else ../shared/http-api-specs beside the repository. */
export function httpApiSpecsDir(): string {
  return process.env.FRESHET_HTTP_API_SPECS_DIR ?? join(import.meta.dir, '..', '..', '..', 'shared', 'http-api-specs');
}

export const REGISTRY_SPEC_FILE = join(httpApiSpecsDir(), 'schema-registry-api-spec.yaml');
export const REGISTRY_SPEC: Requirement = requirement(
  existsSync(REGISTRY_SPEC_FILE),
  `the Schema Registry OpenAPI spec ${REGISTRY_SPEC_FILE} (set FRESHET_HTTP_API_SPECS_DIR)`,
);

/** Deepest chain of $refs followed while inlining; the registry spec's is a few levels. */
const REF_DEPTH_MAX = 32;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function resolveRefs(node: Json, root: Json, depth = 0): Json {
  if (depth > REF_DEPTH_MAX) throw new Error('$ref chain too deep');
  if (Array.isArray(node)) return node.map((n) => resolveRefs(n, root, depth));
  if (node === null || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string') {
    const target = node.$ref.replace(/^#\//, '').split('/').reduce<Json>((at, key) => (at as Record<string, Json>)[key], root);
    return resolveRefs(target, root, depth + 1);
  }
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(node)) out[k] = resolveRefs(v, root, depth);
  return out;
}

export interface SpecAnswer {
  readonly method: string;
  /** The request path as sent (percent-encoded segments kept). */
  readonly path: string;
  readonly status: number;
  readonly bodyText: string;
}

export class OpenApiSpec {
  private readonly paths: Array<{ template: string; pattern: RegExp; literals: number }>;
  private readonly doc: Record<string, Json>;
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(yamlText: string) {
    this.doc = Bun.YAML.parse(yamlText) as Record<string, Json>;
    this.paths = Object.keys(this.doc.paths as object).map((template) => {
      const segs = template.split('/');
      const source = segs.map((s) => (/^\{.+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\:]/g, '\\$&'))).join('/');
      return { template, pattern: new RegExp(`^${source}/?$`), literals: segs.filter((s) => !s.startsWith('{')).length };
    });
  }

  /** The spec's path template for a concrete path, the most literal one when several match. */
  templateOf(path: string): string | undefined {
    const matches = this.paths.filter((p) => p.pattern.test(path)).sort((a, b) => b.literals - a.literals);
    return matches[0]?.template;
  }

  /**
   * Problems with one answer: none when the spec describes it and its body matches. `overrides`
   * maps "METHOD template status" to a component schema name, for answers the spec describes
   * wrongly or not at all but whose entity the server's code names (each with its reason, by
   * the caller).
   */
  check(answer: SpecAnswer, overrides: Readonly<Record<string, string>> = {}): string[] {
    const where = `${answer.method} ${answer.path} -> ${answer.status}`;
    const template = this.templateOf(answer.path.split('?')[0]);
    if (template === undefined) return [`${where}: path not in the spec`];
    const operation = (this.doc.paths as Record<string, Record<string, Json>>)[template][answer.method.toLowerCase()] as Record<string, Json> | undefined;
    if (operation === undefined) return [`${where}: method not in the spec for ${template}`];
    const key = `${answer.method} ${template} ${answer.status}`;
    const override = overrides[key];
    let schema: Json | undefined;
    if (override !== undefined) {
      schema = { $ref: `#/components/schemas/${override}` };
    } else {
      const responses = operation.responses as Record<string, Record<string, Json>>;
      const response = responses[String(answer.status)] ?? responses.default;
      if (response === undefined) return [`${where}: status not in the spec for ${answer.method} ${template}`];
      const content = response.content as Record<string, { schema: Json }> | undefined;
      schema = content?.['application/vnd.schemaregistry.v1+json']?.schema;
    }
    if (schema === undefined) return [];
    const cacheKey = `${key} ${override ?? ''}`;
    let validate = this.compiled.get(cacheKey);
    if (validate === undefined) {
      validate = this.ajv.compile(resolveRefs(schema, this.doc) as object);
      this.compiled.set(cacheKey, validate);
    }
    let body: unknown;
    try {
      body = JSON.parse(answer.bodyText);
    } catch {
      return [`${where}: body is not JSON: ${answer.bodyText.slice(0, 200)}`];
    }
    // The raw-schema routes (.../schema) answer the schema's own text, a JSON document the spec
    // models as a string: the text is what is checked.
    if ((resolveRefs(schema, this.doc) as Record<string, Json>).type === 'string' && typeof body !== 'string') body = answer.bodyText;
    if (validate(body)) return [];
    return [`${where}: body does not match the spec: ${this.ajv.errorsText(validate.errors)}; body ${answer.bodyText.slice(0, 300)}`];
  }
}

let loaded: OpenApiSpec | undefined;

/** The registry's spec, read once; undefined when it is missing (REGISTRY_SPEC says why). */
export function registrySpec(): OpenApiSpec | undefined {
  if (!REGISTRY_SPEC.met) return undefined;
  loaded ??= new OpenApiSpec(readFileSync(REGISTRY_SPEC_FILE, 'utf8'));
  return loaded;
}
