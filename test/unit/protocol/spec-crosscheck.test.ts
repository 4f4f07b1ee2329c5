// Cross-checks every definition in ALL_APIS against Apache Kafka's own message specs
// (clients/src/main/resources/common/message/*.json). They live outside the repository: the
// folder holding `message/` is $FRESHET_KAFKA_PROTOCOL_DIR, by default ../shared/kafka-protocol
// beside the repository. Without it the cross-check is skipped visibly (failed under CI=true,
// and .ci/run refuses to start without it), so a clone with nothing beside it still passes.
// Our definitions are written by hand; this test is what keeps them honest: same fields in the
// same order, same types, versions, nullable versions, tags and defaults, within the versions we
// support. Any mismatch is reported as "<Api> <request|response> <path>: <property> ...".

import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KAFKA_SPECS, KAFKA_SPECS_DIR, testRequiring } from '../../helpers/requirements.ts';
import { ALL_APIS } from '../../../src/protocol/messages/index.ts';
import { ZERO_UUID } from '../../../src/protocol/primitives.ts';
import {
  type ApiDef,
  type FieldDef,
  NO_VERSIONS,
  parseRange,
  type Range,
  type StructDef,
} from '../../../src/protocol/schema.ts';

const SPEC_DIR = KAFKA_SPECS_DIR;
const SPECS = KAFKA_SPECS;

interface SpecField {
  name: string;
  type: string;
  versions: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  default?: string;
  fields?: SpecField[];
}
interface SpecMessage {
  apiKey: number;
  type: string;
  name: string;
  validVersions: string;
  flexibleVersions: string;
  fields: SpecField[];
  commonStructs?: Array<{ name: string; versions: string; fields: SpecField[] }>;
}

const PRIMITIVES = new Set([
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float64',
  'uuid',
  'string',
  'bytes',
  'records',
]);

/** The spec files are JSON with `//` line comments. */
function loadSpec(file: string): SpecMessage {
  const text = readFileSync(join(SPEC_DIR, file), 'utf8');
  const json = text
    .split('\n')
    .filter((line) => !/^\s*\/\//.test(line))
    .join('\n');
  return JSON.parse(json) as SpecMessage;
}

function intersect(a: Range, b: Range): Range {
  const min = Math.max(a.min, b.min);
  const max = Math.min(a.max, b.max);
  return min > max ? NO_VERSIONS : { min, max };
}

function show(r: Range): string {
  if (r.min > r.max) return 'none';
  return r.max === Infinity ? `${r.min}+` : `${r.min}-${r.max}`;
}

const camel = (s: string): string => s[0].toLowerCase() + s.slice(1);

/** Our kind as the spec would spell it; struct names are ours to choose, so structs show as "struct". */
function ourType(f: FieldDef): string {
  if (f.kind === 'array') return `[]${ourType(f.element!)}`;
  return f.kind;
}
function specType(t: string): string {
  if (t.startsWith('[]')) return `[]${specType(t.slice(2))}`;
  return PRIMITIVES.has(t) ? t : 'struct';
}

/** The default the spec implies for a field: its "default", else Kafka's per-type default. */
function specDefault(f: SpecField): unknown {
  const d = f.default;
  if (f.type.startsWith('[]')) return d === 'null' ? null : [];
  if (d === 'null') return null;
  switch (f.type) {
    case 'bool':
      return d === undefined ? false : d === 'true';
    case 'string':
      return d ?? '';
    case 'bytes':
      return new Uint8Array(0);
    case 'records':
      return null;
    case 'uuid':
      return ZERO_UUID;
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'int64':
    case 'float64': {
      const n = d === undefined ? 0 : Number(d);
      // int64 policy (primitives.ts): values beyond 2^53 are clamped, e.g. Long.MAX_VALUE.
      return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, n));
    }
    default:
      return undefined; // a struct: its default is the defaults of its fields
  }
}

function sameDefault(ours: unknown, spec: unknown): boolean {
  if (spec instanceof Uint8Array) return ours instanceof Uint8Array && ours.length === spec.length;
  if (Array.isArray(spec)) return Array.isArray(ours) && ours.length === spec.length;
  return Object.is(ours, spec) || ours === spec;
}

class Checker {
  readonly problems: string[] = [];
  private readonly structs = new Map<string, SpecField[]>();

  constructor(
    private readonly api: string,
    private readonly supported: Range,
    spec: SpecMessage,
  ) {
    for (const c of spec.commonStructs ?? []) this.structs.set(c.name, c.fields);
    this.collect(spec.fields);
  }

  /** Struct types defined inline may be referenced by name elsewhere in the same file. */
  private collect(fields: SpecField[]): void {
    for (const f of fields) {
      if (!f.fields) continue;
      this.structs.set(f.type.replace(/^\[\]/, ''), f.fields);
      this.collect(f.fields);
    }
  }

  private fail(path: string, property: string, ours: unknown, spec: unknown): void {
    this.problems.push(`${this.api} ${path}: ${property} ours=${JSON.stringify(ours)} spec=${JSON.stringify(spec)}`);
  }

  private range(s: string | undefined): string {
    return show(intersect(s === undefined ? NO_VERSIONS : parseRange(s), this.supported));
  }

  checkStruct(path: string, ours: StructDef, spec: SpecField[]): void {
    const ourNames = ours.fields.map(([n]) => n);
    const specNames = spec.map((f) => camel(f.name));
    if (ourNames.join(',') !== specNames.join(',')) {
      this.fail(path, 'fields', ourNames, specNames);
      return;
    }
    ours.fields.forEach(([name, f], i) => this.checkField(`${path}.${name}`, f, spec[i]));
  }

  private checkField(path: string, f: FieldDef, s: SpecField): void {
    const sRange = (r: Range | null): string => (r === null ? 'none' : show(intersect(r, this.supported)));
    if (ourType(f) !== specType(s.type)) this.fail(path, 'type', ourType(f), s.type);
    if (sRange(f.versions) !== this.range(s.versions)) {
      this.fail(path, 'versions', sRange(f.versions), this.range(s.versions));
    }
    if (sRange(f.nullable) !== this.range(s.nullableVersions)) {
      this.fail(path, 'nullableVersions', sRange(f.nullable), this.range(s.nullableVersions));
    }
    if (f.tag !== (s.tag ?? null)) this.fail(path, 'tag', f.tag, s.tag ?? null);
    if (sRange(f.taggedVersions) !== this.range(s.taggedVersions)) {
      this.fail(path, 'taggedVersions', sRange(f.taggedVersions), this.range(s.taggedVersions));
    }
    const d = specDefault(s);
    if (d !== undefined && !sameDefault(f.default, d)) this.fail(path, 'default', f.default, d);

    const elementType = s.type.replace(/^\[\]/, '');
    if (f.struct !== null && !PRIMITIVES.has(elementType)) {
      const fields = s.fields ?? this.structs.get(elementType);
      if (!fields) this.fail(path, 'struct type', 'struct', `unresolved ${elementType}`);
      else this.checkStruct(path, f.struct, fields);
    }
  }
}

function crossCheck(def: ApiDef): string[] {
  const req = loadSpec(`${def.name}Request.json`);
  const res = loadSpec(`${def.name}Response.json`);
  const problems: string[] = [];
  const top = (property: string, ours: unknown, spec: unknown): void => {
    if (JSON.stringify(ours) !== JSON.stringify(spec)) {
      problems.push(`${def.name}: ${property} ours=${JSON.stringify(ours)} spec=${JSON.stringify(spec)}`);
    }
  };
  top('request apiKey', def.apiKey, req.apiKey);
  top('response apiKey', def.apiKey, res.apiKey);
  for (const spec of [req, res]) {
    const valid = parseRange(spec.validVersions);
    if (def.versions.min < valid.min || def.versions.max > valid.max) {
      top(`${spec.type} versions within validVersions`, show(def.versions), spec.validVersions);
    }
    top(`${spec.type} flexibleVersions`, show(def.flexible), show(parseRange(spec.flexibleVersions)));
  }
  for (const [direction, ours, spec] of [
    ['request', def.request, req],
    ['response', def.response, res],
  ] as const) {
    const c = new Checker(def.name, def.versions, spec);
    c.checkStruct(direction, ours, spec.fields);
    problems.push(...c.problems);
  }
  return problems;
}

describe('spec cross-check', () => {
  test('ALL_APIS is sorted by api key, one definition per key', () => {
    const keys = ALL_APIS.map((a) => a.apiKey);
    expect(keys).toEqual([...new Set(keys)].sort((a, b) => a - b));
  });

  for (const def of ALL_APIS) {
    testRequiring(SPECS, `${def.name} (${def.apiKey}) matches the Kafka spec`, () => {
      expect(crossCheck(def)).toEqual([]);
    });
  }

  testRequiring(SPECS, 'the checker notices a wrong field', () => {
    const bad: ApiDef = {
      ...ALL_APIS[0],
      request: { fields: ALL_APIS[0].request.fields.map(([n, f], i) => (i === 0 ? [n, { ...f, tag: 99 }] : [n, f])) },
    };
    expect(crossCheck(bad).join('\n')).toContain('tag ours=99');
  });
});
