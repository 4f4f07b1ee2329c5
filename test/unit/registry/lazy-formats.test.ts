// The schema types' parser libraries stay out of a starting node (src/registry/lazy-formats.ts):
// the modules `freshet start` imports must not evaluate avsc, ajv or protobufjs, and the first
// use of a type loads its library and works. Run in a fresh `bun` process: this test process may
// have loaded the libraries through other tests. The loaded modules are read from require.cache,
// which in Bun lists ES modules too.

import { expect, test } from 'bun:test';
import { join } from 'node:path';

const ROOT = join(import.meta.dir, '..', '..', '..');

const SCRIPT = `
const libs = () => Object.keys(require.cache).filter((k) => /node_modules\\/(protobufjs|avsc|ajv)\\//.test(k)).map((k) => k.split('node_modules/')[1].split('/')[0]);
await import(${JSON.stringify(join(ROOT, 'src/cli/start.ts'))});
const { DEFAULT_SUPPORTS } = await import(${JSON.stringify(join(ROOT, 'src/registry/http/app.ts'))});
const atStart = [...new Set(libs())];
const avro = DEFAULT_SUPPORTS.find((s) => s.schemaType === 'AVRO');
const parsed = avro.parse('{"type":"record","name":"R","fields":[{"name":"a","type":"string"}]}', [], () => undefined, {});
const afterAvro = [...new Set(libs())].sort();
console.log(JSON.stringify({ atStart, parsedOk: parsed.ok, afterAvro, types: DEFAULT_SUPPORTS.map((s) => s.schemaType) }));
`;

test('start imports none of avsc, ajv, protobufjs; the first Avro parse loads avsc alone and parses', async () => {
  const proc = Bun.spawn([process.execPath, '-e', SCRIPT], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  expect(await proc.exited, err).toBe(0);
  const r = JSON.parse(out.trim().split('\n').at(-1)!);
  expect(r.atStart).toEqual([]);
  expect(r.parsedOk).toBe(true);
  expect(r.afterAvro).toEqual(['avsc']);
  // GET /schemas/types still lists the three (Confluent's order is not at stake here: the table's).
  expect(r.types).toEqual(['AVRO', 'JSON', 'PROTOBUF']);
}, 30_000);
