// --help at every level of the executable, found by walking the help itself: every command and
// group a help text lists ("commands:" / "groups:") answers --help and -h with its own usage on
// stdout and exit 0, without needing a node (a closed port as the only broker). A command added
// to a list is covered without editing this test; one listed without help fails it.

import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { assertBinaryBuilt, FRESHET_BIN } from '../helpers/broker.ts';
import { freePort } from '../helpers/ports.ts';
import { describeRun, run } from '../helpers/process.ts';

setDefaultTimeout(120_000);

/** Levels below `freshet` at most (freshet registry schema create is three). */
const DEPTH_MAX = 4;

/** The first word of each entry under "commands:" or "groups:" (two-space indent; wrapped lines are indented further). */
function listedCommands(help: string): string[] {
  const out: string[] = [];
  let inList = false;
  for (const line of help.split('\n')) {
    if (/^(commands|groups):$/.test(line)) inList = true;
    else if (line.trim() === '') inList = false;
    else if (inList) {
      const m = /^ {2}([a-z][a-z-]*)(\s|$)/.exec(line);
      if (m !== null) out.push(m[1]);
    }
  }
  return out;
}

describe('--help at every level', () => {
  test('every listed command answers --help, -h and `help` with its usage, exit 0, no node needed', async () => {
    assertBinaryBuilt();
    const env = { FRESHET_BROKERS: `127.0.0.1:${await freePort()}`, FRESHET_REGISTRY_URL: `http://127.0.0.1:${await freePort()}`, FRESHET_ADMIN_URL: `http://127.0.0.1:${await freePort()}` };
    const seen: string[] = [];
    const walk = async (path: string[]): Promise<void> => {
      const r = await run([FRESHET_BIN, ...path, '--help'], { timeoutMs: 10_000, env });
      expect(r.exitCode, describeRun(r)).toBe(0);
      expect(r.stdout, describeRun(r)).toStartWith(`usage: freshet${path.map((p) => ` ${p}`).join('')}`);
      expect(r.stderr, describeRun(r)).toBe('');
      const short = await run([FRESHET_BIN, ...path, '-h'], { timeoutMs: 10_000, env });
      expect(short.exitCode, describeRun(short)).toBe(0);
      expect(short.stdout).toBe(r.stdout);
      seen.push(path.join(' '));
      if (path.length >= DEPTH_MAX) return;
      for (const sub of listedCommands(r.stdout)) await walk([...path, sub]);
    };
    await walk([]);
    // The walk reached the levels the issue names (not an empty list passing vacuously).
    for (const cmd of [
      'start', 'version', 'status', 'config print', 'config example', 'topic produce', 'topic consume', 'group seek', 'cluster info', 'registry schema create',
      'topic alter-config', 'topic add-partitions', 'topic trim-prefix', 'cluster health', 'cluster config get', 'cluster config set', 'cluster maintenance enable',
      'cluster maintenance status', 'cluster decommission',
    ]) {
      expect(seen).toContain(cmd);
    }
    // The global flags are accepted before the command too, and help is the same.
    const before = await run([FRESHET_BIN, '--admin-url', 'http://127.0.0.1:1', 'cluster', 'health', '--help'], { timeoutMs: 10_000, env });
    const after = await run([FRESHET_BIN, 'cluster', 'health', '--help'], { timeoutMs: 10_000, env });
    expect(before.exitCode, describeRun(before)).toBe(0);
    expect(before.stdout).toBe(after.stdout);
    // Every client command's help lists the three global connection flags.
    for (const flag of ['--brokers', '--admin-url', '--registry-url']) expect(after.stdout).toContain(flag);
    // `freshet help X` is `freshet X --help`.
    for (const cmd of ['topic', 'config', 'version']) {
      const a = await run([FRESHET_BIN, 'help', cmd], { timeoutMs: 10_000, env });
      const b = await run([FRESHET_BIN, cmd, '--help'], { timeoutMs: 10_000, env });
      expect(a.exitCode).toBe(0);
      expect(a.stdout).toBe(b.stdout);
    }
  });

  test('freshet version prints the version and exits 0', async () => {
    const r = await run([FRESHET_BIN, 'version'], { timeoutMs: 10_000 });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^freshet \d+\.\d+\.\d+/);
  });
});
