// src/cluster/controller is pure, like src/raft/core (DESIGN.md section 2): it imports only
// base, protocol, config and raft/core, nothing of the runtime, and never reads a clock, draws
// Math.random, sets a timer or awaits. Everything it may not choose comes in as an input (the
// Random of topic ids and placement, the sessions of registration, the proposing leader's clock).

import { expect, test } from 'bun:test';
import { join } from 'node:path';
import { impurities as impuritiesUnder, sourcesOf } from '../../../helpers/purity.ts';

const DIR = join(import.meta.dir, '../../../../src/cluster/controller');
const ALLOWED_IMPORT = /^(\.\/[^/]+|\.\.\/\.\.\/(base|protocol|config)\/.+|\.\.\/\.\.\/raft\/core\/[^/]+)\.ts$/;
const impurities = (file: string, source: string): string[] => impuritiesUnder(ALLOWED_IMPORT, file, source);

test('src/cluster/controller imports only base, protocol, config and raft/core, and has no clock, randomness, timers or awaits', () => {
  const files = sourcesOf(DIR);
  expect(files.length).toBeGreaterThan(10);
  expect(files.flatMap((f) => impurities(f.file, f.source))).toEqual([]);
});

test('the purity rule catches what it must', () => {
  expect(impurities('x.ts', "import { TopicTable } from '../topic-table.ts';").length).toBe(1);
  expect(impurities('x.ts', "import { x } from '../../storage/partition-log.ts';").length).toBe(1);
  expect(impurities('x.ts', "import { d } from '../../raft/group-driver.ts';").length).toBe(1);
  expect(impurities('x.ts', "import { readFileSync } from 'node:fs';").length).toBe(1);
  expect(impurities('x.ts', 'const t = Date.now();').length).toBe(1);
  expect(impurities('x.ts', 'const r = Math.random();').length).toBe(1);
  expect(impurities('x.ts', '  await propose();').length).toBe(1);
  expect(impurities('x.ts', "import type { NodeId } from '../../raft/core/types.ts';").length).toBe(0);
  expect(impurities('x.ts', "import { validateTopicConfigs } from '../../config/topic-config.ts';").length).toBe(0);
});
