// src/raft/core is pure (DESIGN.md section 2): it imports only src/base and src/protocol,
// nothing of the runtime, and never reads a clock, draws Math.random, sets a timer or awaits.

import { expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const CORE_DIR = join(import.meta.dir, '../../../src/raft/core');
const IMPORT = /from\s+['"]([^'"]+)['"]/g;
const ALLOWED_IMPORT = /^(\.\/[^/]+|\.\.\/\.\.\/(base|protocol)\/.+)\.ts$/;
const FORBIDDEN_CALL = /\bDate\.now\(|\bnew Date\(|Math\.random\(|performance\.now\(|\bprocess\.|\bsetTimeout\(|\bsetInterval\(|\bawait\b|\basync\b|\bBun\./;

/** Lines of `source` that break the rule, as "file:line: text". */
function impurities(file: string, source: string): string[] {
  const out: string[] = [];
  source.split('\n').forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, '');
    for (const [, spec] of code.matchAll(IMPORT)) if (!ALLOWED_IMPORT.test(spec)) out.push(`${file}:${i + 1}: imports ${spec}`);
    if (FORBIDDEN_CALL.test(code)) out.push(`${file}:${i + 1}: ${line.trim()}`);
  });
  return out;
}

test('src/raft/core imports only base and protocol, and has no clock, randomness, timers or awaits', () => {
  const files = readdirSync(CORE_DIR).filter((f) => f.endsWith('.ts'));
  expect(files.length).toBeGreaterThan(10);
  expect(files.flatMap((f) => impurities(f, readFileSync(join(CORE_DIR, f), 'utf8')))).toEqual([]);
});

test('the purity rule catches what it must', () => {
  expect(impurities('x.ts', "import { x } from '../../storage/partition-log.ts';").length).toBe(1);
  expect(impurities('x.ts', "import { readFileSync } from 'node:fs';").length).toBe(1);
  expect(impurities('x.ts', 'const t = Date.now();').length).toBe(1);
  expect(impurities('x.ts', 'const r = Math.random();').length).toBe(1);
  expect(impurities('x.ts', '  await flush();').length).toBe(1);
  expect(impurities('x.ts', "import { assert } from '../../base/assert.ts';").length).toBe(0);
});
