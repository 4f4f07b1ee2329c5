// `freshet cluster health|config|maintenance|decommission` over the admin API, against the
// compiled binary (a node with --admin-addr) and, for answers a single healthy node cannot give
// (unhealthy, 501 "not built", a refused broker id), against a stub serving Redpanda's documented
// shapes (src/v/redpanda/admin/api-doc/cluster.json cluster_health_overview; errors as
// {"message", "code"}). Values set through the CLI are read back with curl.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { type Broker, FRESHET_BIN, startBroker } from '../helpers/broker.ts';
import { freePort } from '../helpers/ports.ts';
import { describeRun, expectSuccess, run, type RunResult } from '../helpers/process.ts';

setDefaultTimeout(60_000);

const CLI_TIMEOUT_MS = 20_000;
let node: Broker;
let adminUrl: string;

beforeAll(async () => {
  node = await startBroker({ admin: true });
  adminUrl = node.adminUrl!;
});
afterAll(async () => {
  await node?.dispose();
});

function freshet(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return run([FRESHET_BIN, ...args], { timeoutMs: CLI_TIMEOUT_MS, env });
}

function expectExit(result: RunResult, code: number): RunResult {
  expect(result.timedOut, describeRun(result)).toBe(false);
  expect(result.exitCode, describeRun(result)).toBe(code);
  return result;
}

/** A stand-in admin API answering each "METHOD path" from a table (status, JSON body). */
function stubAdmin(routes: Record<string, [number, unknown]>) {
  return Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch(req) {
      const url = new URL(req.url);
      const r = routes[`${req.method} ${url.pathname}`];
      if (r === undefined) return Response.json({ message: `Not found: ${url.pathname}`, code: 404 }, { status: 404 });
      return Response.json(r[1], { status: r[0] });
    },
  });
}

describe('freshet cluster health', () => {
  test("a healthy node: rpk's overview text, exit 0; --admin-url before the command, or FRESHET_ADMIN_URL", async () => {
    const r = expectExit(await freshet(['--admin-url', adminUrl, 'cluster', 'health']), 0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 2)).toEqual(['CLUSTER HEALTH OVERVIEW', '=======================']);
    expect(r.stdout).toMatch(/^Healthy:\s+true$/m);
    expect(r.stdout).toMatch(/^Nodes down:\s+\[\]$/m);
    expect(r.stdout).toMatch(/^Leaderless partitions \(0\):\s+\[\]$/m);
    const viaEnv = expectExit(await freshet(['cluster', 'health', '--format', 'json'], { FRESHET_ADMIN_URL: adminUrl }), 0);
    const h = JSON.parse(viaEnv.stdout) as { is_healthy: boolean; nodes_down: number[]; all_nodes: number[] };
    expect(h.is_healthy).toBe(true);
    expect(h.nodes_down).toEqual([]);
    expect(h.all_nodes.length).toBe(1);
  });

  test('an unhealthy cluster exits 1 and says why', async () => {
    const server = stubAdmin({
      'GET /v1/cluster/health_overview': [200, { is_healthy: false, unhealthy_reasons: ['nodes_down'], controller_id: 1, all_nodes: [1, 2, 3], nodes_down: [3], leaderless_partitions: [], under_replicated_partitions: ['kafka/t/0'], under_replicated_count: 1 }],
    });
    try {
      const r = expectExit(await freshet(['cluster', 'health', '--admin-url', `http://127.0.0.1:${server.port}`]), 1);
      expect(r.stdout).toMatch(/^Healthy:\s+false$/m);
      expect(r.stdout).toMatch(/^Unhealthy reasons:\s+\[nodes_down\]$/m);
      expect(r.stdout).toMatch(/^Nodes down:\s+\[3\]$/m);
      expect(r.stdout).toMatch(/^Under-replicated partitions \(1\):\s+\[kafka\/t\/0\]$/m);
    } finally {
      server.stop(true);
    }
  });

  test('-e waits until the cluster is healthy, printing each change once; with --timeout-ms it gives up, exit 1', async () => {
    const unhealthy = { is_healthy: false, unhealthy_reasons: ['leaderless_partitions'], controller_id: 1, all_nodes: [1], nodes_down: [], leaderless_partitions: ['kafka/t/0'], under_replicated_partitions: [] };
    const healthy = { ...unhealthy, is_healthy: true, unhealthy_reasons: [], leaderless_partitions: [] };
    let asked = 0;
    const server = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: () => Response.json(++asked <= 2 ? unhealthy : healthy),
    });
    try {
      const url = `http://127.0.0.1:${server.port}`;
      const r = expectExit(await freshet(['cluster', 'health', '-e', '--admin-url', url]), 0);
      expect(asked).toBe(3);
      // The unchanged second answer is not printed again.
      expect(r.stdout.match(/^Healthy:\s+false$/gm)?.length).toBe(1);
      expect(r.stdout).toMatch(/^Healthy:\s+true$/m);
      asked = -100;
      const late = expectExit(await freshet(['cluster', 'health', '-e', '--timeout-ms', '1000', '--admin-url', url]), 1);
      expect(late.stderr).toBe('freshet cluster health: not healthy after 1000 ms\n');
      expectExit(await freshet(['cluster', 'health', '--timeout-ms', '1000', '--admin-url', url]), 2);
    } finally {
      server.stop(true);
    }
  });

  test('no admin API at the URL: exit 1, the message asks about --admin-addr', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const r = expectExit(await freshet(['cluster', 'health', '--admin-url', url]), 1);
    expect(r.stderr).toBe(`freshet cluster health: no admin API at ${url}: is the node started with --admin-addr?\n`);
    expect(r.stdout).toBe('');
  });
});

describe('freshet cluster config', () => {
  test('set, get, list and reset a cluster property; curl reads the same values', async () => {
    const key = 'log.retention.ms';
    const set = expectExit(await freshet(['cluster', 'config', 'set', key, '7200000', '--admin-url', adminUrl]), 0);
    expect(set.stdout).toContain(key);
    const curl = expectSuccess(await run(['curl', '-sf', `${adminUrl}/v1/cluster_config?key=${key}`], { timeoutMs: CLI_TIMEOUT_MS }));
    expect(String((JSON.parse(curl.stdout) as Record<string, unknown>)[key])).toBe('7200000');
    // Bare output, for scripts (rpk cluster config get).
    expect(expectExit(await freshet(['cluster', 'config', 'get', key, '--admin-url', adminUrl]), 0).stdout).toBe('7200000\n');
    const listed = expectExit(await freshet(['cluster', 'config', 'list', '--set-only', '--admin-url', adminUrl]), 0);
    expect(listed.stdout).toMatch(new RegExp(`^${key.replaceAll('.', '\\.')}\\s+7200000$`, 'm'));
    expectExit(await freshet(['cluster', 'config', 'reset', key, '--admin-url', adminUrl]), 0);
    const after = expectSuccess(await run(['curl', '-sf', `${adminUrl}/v1/cluster_config?key=${key}&include_defaults=false`], { timeoutMs: CLI_TIMEOUT_MS }));
    expect(Object.hasOwn(JSON.parse(after.stdout) as object, key)).toBe(false);
  });

  test('a refused value prints the admin API\'s reason, exits 1, and changes nothing', async () => {
    expectExit(await freshet(['cluster', 'config', 'set', 'log.retention.bytes', '1000000', '--admin-url', adminUrl]), 0);
    const bad = expectExit(await freshet(['cluster', 'config', 'set', 'log.retention.bytes', 'lots', '--admin-url', adminUrl]), 1);
    expect(bad.stderr).toMatch(/^freshet cluster config set: log\.retention\.bytes: .+/);
    const unknown = expectExit(await freshet(['cluster', 'config', 'set', 'no.such.property', '1', '--admin-url', adminUrl]), 1);
    expect(unknown.stderr).toContain('no.such.property');
    expect(expectExit(await freshet(['cluster', 'config', 'get', 'log.retention.bytes', '--admin-url', adminUrl]), 0).stdout).toBe('1000000\n');
    const missing = expectExit(await freshet(['cluster', 'config', 'get', 'no.such.property', '--admin-url', adminUrl]), 1);
    expect(missing.stderr).toContain("'no.such.property' not found");
  });
});

describe('freshet cluster maintenance and decommission', () => {
  test("status: rpk's columns, a row per node from GET /v1/brokers", async () => {
    const r = expectExit(await freshet(['cluster', 'maintenance', 'status', '--admin-url', adminUrl]), 0);
    const [header, ...rows] = r.stdout.trim().split('\n');
    expect(header.split(/\s+/)).toEqual(['NODE-ID', 'ENABLED', 'FINISHED', 'ERRORS', 'PARTITIONS', 'ELIGIBLE', 'TRANSFERRING', 'FAILED']);
    expect(rows.length).toBe(1);
    expect(rows[0].split(/\s+/)[1]).toBe('false');
  });

  test('an admin API that does not have them (501) or refuses the id: its message, exit 1', async () => {
    const notBuilt = { message: 'PUT /v1/brokers/:id/maintenance: not built yet', code: 501 };
    const server = stubAdmin({
      'PUT /v1/brokers/1/maintenance': [501, notBuilt],
      'DELETE /v1/brokers/1/maintenance': [501, notBuilt],
      'PUT /v1/brokers/1/decommission': [501, notBuilt],
      'GET /v1/brokers/1/decommission': [501, notBuilt],
      'GET /v1/brokers/9': [404, { message: 'broker with id: 9 not found', code: 404 }],
    });
    const url = `http://127.0.0.1:${server.port}`;
    try {
      for (const args of [['maintenance', 'enable', '1'], ['maintenance', 'disable', '1'], ['decommission', '1'], ['decommission-status', '1']]) {
        const r = expectExit(await freshet(['cluster', ...args, '--admin-url', url]), 1);
        expect(r.stderr).toBe(`freshet cluster ${args.slice(0, -1).join(' ')}: PUT /v1/brokers/:id/maintenance: not built yet\n`);
      }
      const json = expectExit(await freshet(['cluster', 'decommission', '1', '--admin-url', url, '--format', 'json']), 1);
      expect(JSON.parse(json.stdout)).toEqual({ error: { status: 501, message: notBuilt.message } });
      const unknown = expectExit(await freshet(['cluster', 'maintenance', 'status', '9', '--admin-url', url]), 1);
      expect(unknown.stderr).toContain('broker with id: 9 not found');
    } finally {
      server.stop(true);
    }
  });

  test('a node id that is not a number is a usage error, exit 2, before any request', async () => {
    for (const args of [['maintenance', 'enable', 'one'], ['maintenance', 'disable'], ['decommission', '-1'], ['decommission-status', '1', '2'], ['maintenance', 'status', 'x']]) {
      const r = expectExit(await freshet(['cluster', ...args, '--admin-url', 'http://127.0.0.1:1']), 2);
      expect(r.stderr).toContain('usage: freshet cluster');
    }
  });
});
