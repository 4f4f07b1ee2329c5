// What `freshet start` loads: structural rules that stand in for measuring its idle memory
// (bench/README.md, "Startup": every module evaluated at start stays resident in a node that
// idles with nothing to do). A test never asserts RSS or time; these assert what the measured
// savings came from, so a change that undoes one fails here.
//
// 1. The start path imports no CLI command's module (src/main.ts imports each at its command).
//    Run in a fresh `bun` process (this one may hold the modules through other tests): its
//    preload prints the modules in require.cache, which in Bun lists ES modules too, at exit.
// 2. The executable's bundle evaluates none of Bun's node:stream-based modules at start. The
//    bundler hoists the node builtins every embedded module imports to the bundle's top, where
//    they are evaluated when the executable starts, whatever imports them and however lazily
//    (a dynamic import() of file-type brought node:fs/promises); require() in a function body
//    is left where it is. So the top-level imports of the same bundle `bun build --compile`
//    makes (packaging/compile.ts's externals) must not name them.

import { afterAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPILE_ENTRY_POINT, EXTERNAL_MODULES } from '../../packaging/compile.ts';
import { REPO_ROOT } from '../helpers/broker.ts';

const scratch = mkdtempSync(join(tmpdir(), 'freshet-start-imports-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The CLI commands' own modules (src/cli/README.md): none is needed to run a node. */
const COMMAND_MODULES = ['cli/topic.ts', 'cli/topic-produce.ts', 'cli/topic-consume.ts', 'cli/group.ts', 'cli/group-describe.ts', 'cli/group-seek.ts', 'cli/cluster.ts', 'cli/cluster-admin.ts', 'cli/topic-alter.ts', 'cli/admin-http.ts', 'cli/progress.ts', 'cli/registry.ts', 'cli/config.ts', 'cli/status.ts'];

/** Bun's node:stream-based modules, each measured costing a compiled executable that only
 *  imports it megabytes of resident memory (bench/README.md, "Startup"). */
const STREAM_BUILTINS = ['zlib', 'net', 'dns', 'dns/promises', 'fs/promises', 'stream', 'tty', 'child_process', 'crypto', 'http', 'https', 'readline'];

test('freshet start loads start.ts and none of the other commands\' modules', async () => {
  const preload = join(scratch, 'print-modules.ts');
  writeFileSync(preload, `process.on('exit', () => process.stderr.write('MODULES ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));\n`);
  // --help stops before anything is bound, after start.ts and its static imports are evaluated.
  const proc = Bun.spawn([process.execPath, '--preload', preload, join(REPO_ROOT, COMPILE_ENTRY_POINT), 'start', '--help'], { cwd: REPO_ROOT, stdout: 'pipe', stderr: 'pipe' });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  expect(await proc.exited, err).toBe(0);
  expect(out).toContain('usage: freshet start');
  const line = err.split('\n').find((l) => l.startsWith('MODULES '));
  expect(line, err).toBeDefined();
  const loaded = (JSON.parse(line!.slice('MODULES '.length)) as string[]).filter((k) => k.includes('/src/')).map((k) => k.slice(k.lastIndexOf('/src/') + '/src/'.length));
  expect(loaded).toContain('cli/start.ts');
  expect(loaded.filter((m) => COMMAND_MODULES.includes(m))).toEqual([]);
}, 30_000);

test('the executable\'s bundle evaluates no node:stream-based module at start, and embeds no file-type', async () => {
  const built = await Bun.build({ entrypoints: [join(REPO_ROOT, COMPILE_ENTRY_POINT)], target: 'bun', format: 'esm', external: [...EXTERNAL_MODULES], outdir: join(scratch, 'bundle') });
  expect(built.success, built.logs.join('\n')).toBe(true);
  const main = built.outputs.find((o) => o.kind === 'entry-point')!;
  const text = await main.text();
  // Top-level static imports: `import x from "m";`, `import * as x from "m";`, `import { a } from "m";`, `import "m";`.
  const hoisted = [...text.matchAll(/^import\s+(?:[^'"]*?\s+from\s+)?["']([^"']+)["'];?$/gm)].map((m) => m[1]!.replace(/^node:/, ''));
  expect(hoisted).toContain('fs'); // the pattern reads this bundle's imports at all
  expect([...new Set(hoisted.filter((m) => STREAM_BUILTINS.includes(m)))]).toEqual([]);
  // Not embedded: only its name, for a run-time import that no route of ours reaches.
  expect(text).not.toContain('node_modules/file-type/');
  expect(text).not.toContain('node_modules/strtok3/');
}, 60_000);
