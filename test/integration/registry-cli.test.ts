// `freshet registry ...` end to end: the compiled binary as the node and as the CLI, over
// Confluent's REST paths. Expected answers and error codes are Confluent's (docs.confluent.io
// "Schema Registry API Reference": 40401 subject not found, 40403 schema not found, 40406
// version soft-deleted, 42205 operation not permitted in read-only mode; the default global
// compatibility BACKWARD and mode READWRITE) and the Avro specification's schema resolution (a
// field added without a default cannot be read from old data: not BACKWARD compatible).

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Broker, FRESHET_BIN, startBroker } from '../helpers/broker.ts';
import { freePort } from '../helpers/ports.ts';
import { describeRun, run, type RunResult } from '../helpers/process.ts';
import { registryReady } from '../helpers/registry.ts';

setDefaultTimeout(60_000);

let node: Broker;
const scratch = mkdtempSync(join(tmpdir(), 'freshet-registry-cli-'));
beforeAll(async () => {
  node = await startBroker({ registry: true });
  await registryReady(node);
});
afterAll(async () => {
  await node?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

const CLI_TIMEOUT_MS = 20_000;

function registry(...args: string[]): Promise<RunResult> {
  return run([FRESHET_BIN, 'registry', ...args, '--registry-url', node.registryUrl!], { timeoutMs: CLI_TIMEOUT_MS });
}

function expectExit(result: RunResult, code: number): RunResult {
  expect(result.timedOut, describeRun(result)).toBe(false);
  expect(result.exitCode, describeRun(result)).toBe(code);
  return result;
}

const json = <T>(r: RunResult): T => JSON.parse(r.stdout) as T;

const USER_V1 = JSON.stringify({ type: 'record', name: 'User', fields: [{ name: 'name', type: 'string' }] });
/** A field added with a default: BACKWARD compatible (the reader fills it in for old data). */
const USER_V2 = JSON.stringify({ type: 'record', name: 'User', fields: [{ name: 'name', type: 'string' }, { name: 'age', type: 'int', default: 0 }] });
/** A field added without a default: not BACKWARD compatible. */
const USER_BAD = JSON.stringify({ type: 'record', name: 'User', fields: [{ name: 'name', type: 'string' }, { name: 'email', type: 'string' }] });

describe('freshet registry: help and usage', () => {
  test('every level answers --help with exit 0', async () => {
    const top = expectExit(await run([FRESHET_BIN, 'registry', '--help'], { timeoutMs: CLI_TIMEOUT_MS }), 0);
    for (const g of ['schema', 'subject', 'compatibility-level', 'mode']) expect(top.stdout).toContain(g);
    const schema = expectExit(await run([FRESHET_BIN, 'registry', 'schema', '--help'], { timeoutMs: CLI_TIMEOUT_MS }), 0);
    for (const c of ['create', 'get', 'list', 'delete', 'check-compatibility']) expect(schema.stdout).toContain(c);
    const create = expectExit(await run([FRESHET_BIN, 'registry', 'schema', 'create', '--help'], { timeoutMs: CLI_TIMEOUT_MS }), 0);
    expect(create.stdout).toStartWith('usage: freshet registry schema create SUBJECT');
    expect(create.stdout).toContain('--registry-url');
    const main = expectExit(await run([FRESHET_BIN, '--help'], { timeoutMs: CLI_TIMEOUT_MS }), 0);
    expect(main.stdout).toContain('registry');
  });

  test('usage mistakes exit 2 and name the mistake', async () => {
    expect(expectExit(await registry('schema', 'create', 'subject-a'), 2).stderr).toContain('exactly one of --schema TEXT or --schema-file FILE');
    expect(expectExit(await registry('bogus'), 2).stderr).toContain("unknown group 'bogus'");
    expect(expectExit(await registry('schema', 'get'), 2).stderr).toContain('missing SUBJECT');
    expect(expectExit(await registry('schema', 'get', 's', '--version', 'first'), 2).stderr).toContain("VERSION must be a number or latest, not 'first'");
    const badUrl = await run([FRESHET_BIN, 'registry', 'subject', 'list', '--registry-url', 'not a url'], { timeoutMs: CLI_TIMEOUT_MS });
    expect(expectExit(badUrl, 2).stderr).toContain('is not a URL');
  });

  test('no registry at the URL: exit 1, saying it cannot be reached', async () => {
    const r = await run([FRESHET_BIN, 'registry', 'subject', 'list', '--registry-url', `http://127.0.0.1:${await freePort()}`], { timeoutMs: CLI_TIMEOUT_MS });
    expect(expectExit(r, 1).stderr).toContain('cannot reach the schema registry at http://127.0.0.1:');
  });
});

describe('freshet registry against a node', () => {
  test('schema create, get, list; subject list (table and JSON)', async () => {
    const created = expectExit(await registry('schema', 'create', 'cli-users', '--schema', USER_V1), 0);
    expect(created.stdout).toMatch(/^registered schema id \d+ as version 1 of cli-users\n$/);
    const file = join(scratch, 'user-v2.avsc');
    writeFileSync(file, USER_V2);
    const v2 = json<{ subject: string; version: number; id: number }>(expectExit(await registry('schema', 'create', 'cli-users', '--schema-file', file, '--json'), 0));
    expect(v2.subject).toBe('cli-users');
    expect(v2.version).toBe(2);
    // Registering the same schema again answers the same id and version (Confluent: idempotent).
    const again = json<{ subject: string; version: number; id: number }>(expectExit(await registry('schema', 'create', 'cli-users', '--schema-file', file, '--format', 'json'), 0));
    expect(again).toEqual({ subject: 'cli-users', version: 2, id: v2.id });

    const byId = json<{ schema: string }>(expectExit(await registry('schema', 'get', '--id', String(v2.id), '--json'), 0));
    expect(JSON.parse(byId.schema)).toEqual(JSON.parse(USER_V2));
    const latest = expectExit(await registry('schema', 'get', 'cli-users'), 0);
    expect(latest.stdout).toMatch(/^SUBJECT\s+VERSION\s+ID\s+TYPE\ncli-users\s+2\s+\d+\s+AVRO\n/);
    const first = json<{ version: number; schema: string }>(expectExit(await registry('schema', 'get', 'cli-users', '--version', '1', '--json'), 0));
    expect(first.version).toBe(1);

    const versions = json<Array<{ subject: string; version: number; id: number }>>(expectExit(await registry('schema', 'list', 'cli-users', '--json'), 0));
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[1].id).toBe(v2.id);
    // Without a subject: the latest version of every subject (GET /schemas?latestOnly=true).
    const everyLatest = json<Array<{ subject: string; version: number; id: number; schemaType: string }>>(expectExit(await registry('schema', 'list', '--json'), 0));
    expect(everyLatest.filter((s) => s.subject === 'cli-users')).toEqual([{ subject: 'cli-users', version: 2, id: v2.id, schemaType: 'AVRO' }]);
    expect(expectExit(await registry('schema', 'list'), 0).stdout).toMatch(new RegExp(`^cli-users\\s+2\\s+${v2.id}\\s+AVRO$`, 'm'));
    const subjects = json<string[]>(expectExit(await registry('subject', 'list', '--json'), 0));
    expect(subjects).toContain('cli-users');
    expect(expectExit(await registry('subject', 'list'), 0).stdout).toMatch(/^SUBJECT\n(.*\n)*cli-users\n/);
  });

  test('registry errors print Confluent\'s error_code and message and exit 1', async () => {
    expect(expectExit(await registry('schema', 'get', '--id', '987654'), 1).stderr).toContain('error 40403: Schema 987654 not found');
    expect(expectExit(await registry('subject', 'delete', 'cli-no-such-subject'), 1).stderr).toContain("error 40401: Subject 'cli-no-such-subject' not found.");
    const asJson = expectExit(await registry('schema', 'get', '--id', '987654', '--json'), 1);
    expect(json<{ error_code: number }>(asJson).error_code).toBe(40403);
  });

  test('compatibility-level and mode: get and set, global and per subject', async () => {
    expectExit(await registry('schema', 'create', 'cli-settings', '--schema', '"string"'), 0);
    expect(expectExit(await registry('compatibility-level', 'get'), 0).stdout).toBe('BACKWARD\n');
    expectExit(await registry('compatibility-level', 'set', 'NONE', '--subject', 'cli-settings'), 0);
    expect(expectExit(await registry('compatibility-level', 'get', '--subject', 'cli-settings'), 0).stdout).toBe('NONE\n');
    expect(expectExit(await registry('compatibility-level', 'get'), 0).stdout).toBe('BACKWARD\n');
    expect(expectExit(await registry('mode', 'get'), 0).stdout).toBe('READWRITE\n');
    expectExit(await registry('mode', 'set', 'READONLY', '--subject', 'cli-settings'), 0);
    const refused = expectExit(await registry('schema', 'create', 'cli-settings', '--schema', '"int"'), 1);
    expect(refused.stderr).toContain('error 42205:');
    expectExit(await registry('mode', 'set', 'READWRITE', '--subject', 'cli-settings'), 0);
    expectExit(await registry('schema', 'create', 'cli-settings', '--schema', '"int"'), 0);
  });

  test('schema delete (soft, then permanent) and subject delete', async () => {
    expectExit(await registry('schema', 'create', 'cli-doomed', '--schema', '"string"'), 0);
    expect(expectExit(await registry('schema', 'delete', 'cli-doomed', '1'), 0).stdout).toBe('deleted version 1 of cli-doomed\n');
    expect(expectExit(await registry('schema', 'delete', 'cli-doomed', '1'), 1).stderr).toContain('error 40406:');
    expect(expectExit(await registry('schema', 'delete', 'cli-doomed', '1', '--permanent'), 0).stdout).toBe('deleted version 1 of cli-doomed permanently\n');
    expectExit(await registry('schema', 'create', 'cli-doomed-2', '--schema', '"string"'), 0);
    expect(json<{ versions: number[] }>(expectExit(await registry('subject', 'delete', 'cli-doomed-2', '--json'), 0)).versions).toEqual([1]);
    expect(json<string[]>(expectExit(await registry('subject', 'list', '--json'), 0))).not.toContain('cli-doomed-2');
    expect(json<string[]>(expectExit(await registry('subject', 'list', '--deleted', '--json'), 0))).toContain('cli-doomed-2');
  });

  test('check-compatibility: a field added with a default is compatible (exit 0); without one it is not (exit 1)', async () => {
    expectExit(await registry('schema', 'create', 'cli-compat', '--schema', USER_V1), 0);
    expect(expectExit(await registry('schema', 'check-compatibility', 'cli-compat', '--schema', USER_V2), 0).stdout).toStartWith('compatible\n');
    const bad = expectExit(await registry('schema', 'check-compatibility', 'cli-compat', '--schema', USER_BAD), 1);
    expect(bad.stdout).toStartWith('incompatible\n');
    expect(json<{ is_compatible: boolean }>(expectExit(await registry('schema', 'check-compatibility', 'cli-compat', '--schema', USER_BAD, '--json'), 1)).is_compatible).toBe(false);
  });
});
