// src/ keeps its layering (test/unit/layering-rules.ts, DESIGN.md section 2): every import
// between folders is an allowed downward edge, pure cores import no runtime, handlers do not
// import each other; and nothing below src/cli reaches the clock, timers, randomness, file
// system or network except the real implementations of the interfaces in base. Each rule is
// shown to fail on a fake file that breaks it.

import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALLOWED_IMPORTS, ALLOWED_REAL, checkForbiddenCalls, checkLayering, importsOf, layerOf, type SourceFile } from './layering-rules.ts';

const ROOT = join(import.meta.dir, '../..');

function sourceFiles(): SourceFile[] {
  const names = readdirSync(join(ROOT, 'src'), { recursive: true }) as string[];
  return names
    .filter((n) => n.endsWith('.ts'))
    .sort()
    .map((n) => ({ path: `src/${n}`, text: readFileSync(join(ROOT, 'src', n), 'utf8') }));
}

const describeViolations = (vs: Array<{ where: string; what: string }>) => vs.map((v) => `${v.where}: ${v.what}`);

describe('the tree', () => {
  const files = sourceFiles();

  test('every import between folders is an allowed edge; pure layers import no runtime; handlers import no handler', () => {
    expect(describeViolations(checkLayering(files))).toEqual([]);
  });

  test('nothing below src/cli reaches the system except the real implementations in the allowlist', () => {
    expect(describeViolations(checkForbiddenCalls(files))).toEqual([]);
  });

  test('every folder of src/ is placed in the layer table, and every allowlisted file exists', () => {
    const layers = new Set(files.map((f) => layerOf(f.path)));
    const unplaced = [...layers].filter((l) => ALLOWED_IMPORTS[l] === undefined && l !== 'cli' && l !== 'main');
    expect(unplaced).toEqual([]);
    const paths = new Set(files.map((f) => f.path));
    expect(Object.keys(ALLOWED_REAL).filter((p) => !paths.has(p))).toEqual([]);
  });

  test('the scanner sees the imports there are (multi-line, type-only, re-exports)', () => {
    const broker = files.find((f) => f.path === 'src/broker/broker.ts')!;
    const specs = importsOf(broker.text).map((i) => i.spec);
    expect(specs).toContain('../storage/partition-log.ts');
    expect(specs).toContain('../base/deps.ts');
    expect(importsOf("import {\n  a,\n  type B,\n} from './x.ts';\nexport * from '../y.ts';\n// import { z } from '../z.ts';\n")).toEqual([
      { spec: './x.ts', line: 1 },
      { spec: '../y.ts', line: 5 },
    ]);
  });
});

describe('each rule can fail', () => {
  const one = (path: string, text: string) => describeViolations([...checkLayering([{ path, text }]), ...checkForbiddenCalls([{ path, text }])]);

  test('an upward import, with file and line', () => {
    expect(one('src/groups/x.ts', "import { a } from '../base/assert.ts';\nimport type { Broker } from '../broker/broker.ts';\n")).toEqual([
      "src/groups/x.ts:2: groups may not import broker ('../broker/broker.ts'); it may import base, protocol, config",
    ]);
    expect(one('src/storage/x.ts', "export { y } from '../cluster/partition.ts';")).toHaveLength(1);
    expect(one('src/protocol/x.ts', "import { log } from '../base/log.ts';")).toHaveLength(1);
    expect(one('src/raft/core/x.ts', "import { log } from '../../storage/fs.ts';")).toHaveLength(1);
    expect(one('src/raft/core/x.ts', "import { log } from '../../base/log.ts';")).toEqual([]);
    expect(one('src/client/x.ts', "import { Broker } from '../broker/broker.ts';")).toHaveLength(1);
    expect(one('src/cluster/controller/x.ts', "import { writeFileAtomic } from '../../storage/atomic-file.ts';")).toEqual([
      "src/cluster/controller/x.ts:1: cluster/controller may not import storage ('../../storage/atomic-file.ts'); it may import base, protocol, config, raft/core",
    ]);
    expect(one('src/cluster/controller/x.ts', "import { TopicTable } from '../topic-table.ts';")).toHaveLength(1);
    expect(one('src/cluster/controller/x.ts', "import type { NodeId } from '../../raft/core/types.ts';")).toEqual([]);
    expect(one('src/cluster/x.ts', "import { MetadataImage } from './controller/image.ts';")).toEqual([]);
    expect(one('src/cli/x.ts', "import { Broker } from '../broker/broker.ts';")).toEqual([]);
  });

  test('a runtime import in a pure layer; a folder missing from the table', () => {
    expect(one('src/raft/core/x.ts', "import { readFileSync } from 'node:fs';")).toContain(
      "src/raft/core/x.ts:1: raft/core is pure: it imports no runtime module ('node:fs')",
    );
    expect(one('src/cluster/controller/x.ts', "import { readFileSync } from 'node:fs';")).toContain(
      "src/cluster/controller/x.ts:1: cluster/controller is pure: it imports no runtime module ('node:fs')",
    );
    expect(one('src/newthing/x.ts', "import { a } from '../base/assert.ts';")[0]).toContain('not in the layer table');
  });

  test('a handler importing another handler; the connection reaching into storage', () => {
    expect(one('src/broker/handlers/33-x.ts', "import { T } from './32-y.ts';")[0]).toContain('a handler imports no other handler');
    expect(one('src/broker/handlers/index.ts', "import a from './32-y.ts';")).toEqual([]);
    expect(one('src/broker/connection.ts', "import { r } from '../storage/read-buffers.ts';")[0]).toContain('touches no storage');
  });

  test('each forbidden call or import, outside the allowlist, with file and line', () => {
    const calls = [
      'const t = Date.now();',
      'const f = Date.now;',
      'const d = new Date();',
      'performance.now()',
      'setTimeout(f, 1)',
      'setInterval(f, 1)',
      'setImmediate(f)',
      'Math.random()',
      'crypto.randomUUID()',
      'crypto.getRandomValues(b)',
      'Bun.listen({})',
      'Bun.connect({})',
      'Bun.file(p)',
      'Bun.write(p, b)',
      'Bun.sleep(1)',
      'process.env.X',
      "import * as fs from 'node:fs';",
      "import { lookup } from 'node:dns/promises';",
    ];
    for (const line of calls) {
      expect(one('src/broker/x.ts', `const a = 1;\n${line}\n`), line).toEqual([expect.stringMatching(/^src\/broker\/x\.ts:2: /)]);
    }
    expect(one('src/broker/x.ts', '// Date.now() is what we avoid\nconst d = new Date(ms);\n')).toEqual([]);
    expect(one('src/base/clock.ts', 'Date.now()')).toEqual([]);
    expect(one('src/base/clock.ts', 'setTimeout(f)')).toHaveLength(1);
    expect(one('src/cli/x.ts', 'process.env.X')).toEqual([]);
  });
});
