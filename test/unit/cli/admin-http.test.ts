// The admin API client side of the CLI: where the API is (--admin-url, FRESHET_ADMIN_URL, rpk's
// default port 9644), the error bodies Redpanda's admin API sends ({"message", "code"}, and a
// refused cluster config as {"property": "reason"}) turned into one line, the global flags
// accepted before a command's name, and `cluster health` printed as rpk's printHealthOverview
// (src/go/rpk/pkg/cli/cluster/health.go: a section title underlined with '=', label/value rows,
// Go's %v of slices "[1 2 3]", "(N)" counts and "...truncated" when a list was cut).

import { describe, expect, test } from 'bun:test';
import { parseFlags, UsageError } from '../../../src/base/flags.ts';
import { adminErrorMessage, adminUrl, defaultAdminUrl, unreachableMessage } from '../../../src/cli/admin-http.ts';
import { COMMON_FLAGS, hoistGlobalFlags } from '../../../src/cli/args.ts';
import { healthText } from '../../../src/cli/cluster-admin.ts';

describe('--admin-url', () => {
  test('FRESHET_ADMIN_URL, else the node\'s own listener, else http://127.0.0.1:9644', () => {
    expect(defaultAdminUrl({})).toBe('http://127.0.0.1:9644');
    expect(defaultAdminUrl({ FRESHET_ADMIN_URL: 'http://n1:9644' })).toBe('http://n1:9644');
    expect(defaultAdminUrl({ FRESHET_ADMIN_ADDR: '0.0.0.0:19644' })).toBe('http://127.0.0.1:19644');
    expect(defaultAdminUrl({ FRESHET_ADMIN_ADDR: 'none' })).toBe('http://127.0.0.1:9644');
  });

  test('the flag wins and loses its trailing slash; not an http URL is a usage error', () => {
    expect(adminUrl(parseFlags(['--admin-url', 'http://h:1/'], COMMON_FLAGS), { FRESHET_ADMIN_URL: 'http://x:2' })).toBe('http://h:1');
    expect(() => adminUrl(parseFlags(['--admin-url', 'h:1'], COMMON_FLAGS), {})).toThrow(UsageError);
    expect(() => adminUrl(parseFlags(['--admin-url', 'ftp://h'], COMMON_FLAGS), {})).toThrow(/http\(s\)/);
  });
});

describe('admin API errors as one line', () => {
  test("Redpanda's {message, code} gives its message", () => {
    expect(adminErrorMessage(404, '{"message":"broker with id: 7 not found","code":404}')).toBe('broker with id: 7 not found');
  });

  test('a refused cluster config names each property and why', () => {
    expect(adminErrorMessage(400, '{"log.retention.ms":"Not a number","nope":"Unknown property"}')).toBe('log.retention.ms: Not a number; nope: Unknown property');
  });

  test('a body that is not JSON: the status and the start of the text', () => {
    expect(adminErrorMessage(502, 'Bad Gateway')).toBe('HTTP 502: Bad Gateway');
    expect(adminErrorMessage(500, '')).toBe('HTTP 500');
    expect(adminErrorMessage(500, 'x'.repeat(1000)).length).toBeLessThan(300);
  });

  test('connection refused asks whether the node serves the admin API; a timeout names the limit', () => {
    expect(unreachableMessage('http://h:1', Object.assign(new TypeError('Unable to connect'), { code: 'ECONNREFUSED' }))).toBe('no admin API at http://h:1: is the node started with --admin-addr?');
    expect(unreachableMessage('http://h:1', new DOMException('timed out', 'TimeoutError'))).toMatch(/did not answer within \d+ ms \(ADMIN_REQUEST_TIMEOUT_MS\)/);
  });
});

describe('global flags before the command', () => {
  test('--brokers, -b, --admin-url, --registry-url, --format move after the command, in both spellings', () => {
    expect(hoistGlobalFlags(['--admin-url', 'http://h:1', 'cluster', 'health'])).toEqual(['cluster', 'health', '--admin-url', 'http://h:1']);
    expect(hoistGlobalFlags(['-b', 'h:9092', '--format=json', 'topic', 'list'])).toEqual(['topic', 'list', '-b', 'h:9092', '--format=json']);
  });

  test('nothing after the command is reordered; other flags stay where they are', () => {
    expect(hoistGlobalFlags(['topic', 'consume', 't', '-o', 'end', '--brokers', 'b:1'])).toEqual(['topic', 'consume', 't', '-o', 'end', '--brokers', 'b:1']);
    expect(hoistGlobalFlags(['--help'])).toEqual(['--help']);
    expect(hoistGlobalFlags(['--brokers'])).toEqual(['--brokers']);
  });
});

describe('cluster health text', () => {
  test("rpk's layout; counts shown, a cut list marked ...truncated", () => {
    const text = healthText({
      is_healthy: false,
      unhealthy_reasons: ['nodes_down', 'leaderless_partitions'],
      controller_id: 1,
      all_nodes: [1, 2, 3],
      nodes_down: [3],
      nodes_in_recovery_mode: [],
      leaderless_partitions: ['kafka/t/0'],
      leaderless_count: 2,
      under_replicated_partitions: [],
      under_replicated_count: 0,
    });
    expect(text.split('\n')).toEqual([
      'CLUSTER HEALTH OVERVIEW',
      '=======================',
      'Healthy:                          false',
      'Unhealthy reasons:                [nodes_down leaderless_partitions]',
      'Controller ID:                    1',
      'All nodes:                        [1 2 3]',
      'Nodes down:                       [3]',
      'Nodes in recovery mode:           []',
      'Leaderless partitions (2):        [kafka/t/0 ...truncated]',
      'Under-replicated partitions (0):  []',
      '',
    ]);
  });
});
