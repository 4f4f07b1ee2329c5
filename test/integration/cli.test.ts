// The executable's command line: `freshet version`, refusal of flags for subsystems that are
// not built yet, and a start/stop cycle that leaves a usable data dir.

import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBinaryBuilt, FRESHET_BIN, REPO_ROOT, startBroker } from '../helpers/broker.ts';
import { freePort } from '../helpers/ports.ts';
import { describeRun, expectSuccess, kcat, KCAT_TOOL, run } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';

// Real processes and real clients: far slower than unit tests (bun's default is 5 s).
setDefaultTimeout(60_000);

const PACKAGE_VERSION: string = (await Bun.file(join(REPO_ROOT, 'package.json')).json()).version;

describe('freshet CLI', () => {
  test('`freshet version` prints the package version and exits 0', async () => {
    assertBinaryBuilt();
    const result = expectSuccess(await run([FRESHET_BIN, 'version'], { timeoutMs: 10_000 }));
    expect(result.stdout).toContain(PACKAGE_VERSION);
  });

  test('`freshet start --rpc-addr` without --seeds fails clearly (usage, exit 2): a node without seeds has no peers', async () => {
    assertBinaryBuilt();
    const dataDir = mkdtempSync(join(tmpdir(), 'freshet-cli-'));
    try {
      const [kafkaPort, rpcPort] = [await freePort(), await freePort()];
      const result = await run(
        [FRESHET_BIN, 'start', '--data-dir', dataDir, '--kafka-addr', `127.0.0.1:${kafkaPort}`, '--schema-registry-addr', 'none', '--proxy-addr', 'none', '--admin-addr', 'none', '--rpc-addr', `127.0.0.1:${rpcPort}`],
        { timeoutMs: 10_000 },
      );
      expect(result.timedOut, describeRun(result)).toBe(false);
      expect(result.exitCode, describeRun(result)).toBe(2);
      expect(result.stderr, describeRun(result)).toContain('--rpc-addr: needs --seeds');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('an unknown command fails with usage and a non-zero exit', async () => {
    assertBinaryBuilt();
    const result = await run([FRESHET_BIN, 'no-such-command'], { timeoutMs: 10_000 });
    expect(result.exitCode, describeRun(result)).not.toBe(0);
    expect(result.stderr).toMatch(/usage/i);
  });

  testRequiring(KCAT_TOOL, 'SIGTERM stops the broker cleanly and data survives a restart', async () => {
    const broker = await startBroker({ dev: true });
    try {
      const topic = `cli-restart-${process.pid}`;
      expectSuccess(await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0'], { stdin: 'a\nb\nc\n', timeoutMs: 20_000 }));
      await broker.stop();
      expect(broker.proc.exitCode, broker.logs()).toBe(0);
      await broker.restart();
      const result = expectSuccess(
        await kcat(['-b', broker.bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o:%s\\n'], { timeoutMs: 20_000 }),
      );
      expect(result.stdout.trim().split('\n')).toEqual(['0:a', '1:b', '2:c']);
    } finally {
      await broker.dispose();
    }
  });
});
