// src/raft/core is pure (DESIGN.md section 2): it imports only src/base and src/protocol,
// nothing of the runtime, and never reads a clock, draws Math.random, sets a timer or awaits.

import { expect, test } from 'bun:test';
import { join } from 'node:path';
import { impurities as impuritiesUnder, sourcesOf } from '../../helpers/purity.ts';

const CORE_DIR = join(import.meta.dir, '../../../src/raft/core');
const ALLOWED_IMPORT = /^(\.\/[^/]+|\.\.\/\.\.\/(base|protocol)\/.+)\.ts$/;
const impurities = (file: string, source: string): string[] => impuritiesUnder(ALLOWED_IMPORT, file, source);

test('src/raft/core imports only base and protocol, and has no clock, randomness, timers or awaits', () => {
  const files = sourcesOf(CORE_DIR);
  expect(files.length).toBeGreaterThan(10);
  expect(files.flatMap((f) => impurities(f.file, f.source))).toEqual([]);
});

test('the purity rule catches what it must', () => {
  expect(impurities('x.ts', "import { x } from '../../storage/partition-log.ts';").length).toBe(1);
  expect(impurities('x.ts', "import { readFileSync } from 'node:fs';").length).toBe(1);
  expect(impurities('x.ts', 'const t = Date.now();').length).toBe(1);
  expect(impurities('x.ts', 'const r = Math.random();').length).toBe(1);
  expect(impurities('x.ts', '  await flush();').length).toBe(1);
  expect(impurities('x.ts', "import { assert } from '../../base/assert.ts';").length).toBe(0);
});
