// `freshet start --log-format json` on the real executable: every line the node writes, from the
// first to the stop, is a JSON object (JSON Lines, https://jsonlines.org/: one JSON value per
// line, \n-separated) with time (ISO 8601), level, logger and message, the loggers being the
// subsystems' names the admin API's /v1/config/log_level takes. The same from
// FRESHET_LOG_FORMAT and from the config file; a bad value is a usage error; text (the default)
// is unchanged. Traffic comes from real clients: curl against the registry and the admin API,
// kcat producing to an auto-created topic.

import { afterAll, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LEVELS, LOGGER_NAMES } from '../../src/base/log.ts';
import { assertBinaryBuilt, type Broker, FRESHET_BIN, startBroker } from '../helpers/broker.ts';
import { describeRun, kcat, KCAT_TOOL, run } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';

setDefaultTimeout(60_000);

const scratch = mkdtempSync(join(tmpdir(), 'freshet-logfmt-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** ISO 8601 as Date.prototype.toISOString writes it (UTC, milliseconds, Z). */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Today's text line: the ISO time, the level in capitals padded to five, the message. */
const TEXT_LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (TRACE|DEBUG|INFO |WARN |ERROR) \S/;

type JsonLine = { time: string; level: string; logger: string; message: string } & Record<string, unknown>;

/** Every line of `text` parsed as a JSON object with the four keys; fails naming the line. */
function jsonLines(text: string): JsonLine[] {
  const lines = text.split('\n');
  expect(lines.at(-1)).toBe(''); // each line ends with \n
  return lines.slice(0, -1).map((line) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`not a JSON line: ${line}`);
    }
    expect(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed), line).toBe(true);
    const o = parsed as JsonLine;
    expect(o.time, line).toMatch(ISO_UTC);
    expect(LEVELS as readonly string[], line).toContain(o.level);
    expect(LOGGER_NAMES as readonly string[], line).toContain(o.logger);
    expect(typeof o.message, line).toBe('string');
    return o;
  });
}

async function stopped(broker: Broker): Promise<string> {
  await broker.stop();
  await Bun.sleep(50); // the drain loop collects the last lines
  return broker.logs();
}

testRequiring(KCAT_TOOL, 'with --log-format json every line from start to stop is a JSON object with time, level, logger, message', async () => {
  const broker = await startBroker({ registry: true, admin: true, proxy: true, extraArgs: ['--log-format', 'json'] });
  try {
    // The registry creates and replays _schemas (registry logger), then a registration.
    const schema = JSON.stringify({ schema: JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] }) });
    const reg = await run(['curl', '-sf', '-X', 'POST', '-H', 'Content-Type: application/vnd.schemaregistry.v1+json', '--data', schema, `${broker.registryUrl}/subjects/logs-value/versions`]);
    expect(reg.exitCode, describeRun(reg)).toBe(0);
    // A log level change is logged by the admin logger (Redpanda's "Set log level" line).
    const put = await run(['curl', '-sf', '-X', 'PUT', `${broker.adminUrl}/v1/config/log_level/raft?level=debug&expires=0`]);
    expect(put.exitCode, describeRun(put)).toBe(0);
    // An auto-created topic (--dev) through a real producer.
    const produce = await kcat(['-P', '-b', broker.bootstrap, '-t', 'logs-topic'], { stdin: 'one\ntwo\n' });
    expect(produce.exitCode, describeRun(produce)).toBe(0);
  } finally {
    await stopped(broker);
  }
  const lines = jsonLines(broker.logs());
  const messages = lines.map((l) => l.message);
  // From the first line to the last: start, the traffic's lines, the stop.
  expect(messages.some((m) => m.includes(' ready: kafka'))).toBe(true);
  expect(messages.some((m) => m.includes('created topic logs-topic'))).toBe(true);
  expect(messages.at(-1)).toBe('stopped');
  // Subsystems log under their own names.
  const loggers = new Set(lines.map((l) => l.logger));
  expect(loggers.has('registry')).toBe(true);
  expect(loggers.has('admin')).toBe(true);
  expect(lines.find((l) => l.message.includes('created topic logs-topic'))?.logger).toBe('kafka');
  expect(lines.find((l) => l.message.startsWith('proxy: reaching the cluster'))?.logger).toBe('proxy');
  const levelSet = lines.find((l) => l.logger === 'admin' && l.message.includes('set log level for {raft}'));
  expect(levelSet?.level).toBe('info');
  // The ready line carries the node's addresses and ids as fields.
  const ready = lines.find((l) => l.event === 'ready')!;
  expect(ready).toMatchObject({ level: 'info', logger: 'root', node_id: 0, kafka: broker.bootstrap, schema_registry: broker.registryUrl, proxy: broker.proxyUrl, admin_api: broker.adminUrl, rpc: null });
  expect(typeof ready.cluster_id).toBe('string');
  expect(ready.message).toContain(String(ready.cluster_id));
});

test('FRESHET_LOG_FORMAT=json and the config file key log-format: json do the same; a flag still wins', async () => {
  const fromEnv = await startBroker({ env: { FRESHET_LOG_FORMAT: 'json' } });
  await stopped(fromEnv);
  await fromEnv.dispose();
  expect(jsonLines(fromEnv.logs()).at(-1)?.message).toBe('stopped');

  const file = join(scratch, 'json.yaml');
  writeFileSync(file, 'log-format: json\n');
  const fromFile = await startBroker({ extraArgs: ['--config', file] });
  await stopped(fromFile);
  await fromFile.dispose();
  expect(jsonLines(fromFile.logs()).some((l) => l.event === 'ready')).toBe(true);

  const flagWins = await startBroker({ env: { FRESHET_LOG_FORMAT: 'json' }, extraArgs: ['--log-format', 'text'] });
  const text = await stopped(flagWins);
  await flagWins.dispose();
  for (const line of text.trimEnd().split('\n')) expect(line).toMatch(TEXT_LINE);
});

test('by default the lines are text, as before: time, level, message', async () => {
  const broker = await startBroker();
  const text = await stopped(broker);
  await broker.dispose();
  const lines = text.trimEnd().split('\n');
  for (const line of lines) expect(line).toMatch(TEXT_LINE);
  expect(lines.some((l) => / INFO  freshet \S+ node 0 ready: kafka /.test(l))).toBe(true);
  expect(text.includes('{"time"')).toBe(false);
});

test('an unknown --log-format is a usage error naming the values, exit 2, nothing started', async () => {
  assertBinaryBuilt();
  const dataDir = join(scratch, 'never');
  const r = await run([FRESHET_BIN, 'start', '--data-dir', dataDir, '--log-format', 'logfmt', '--admin-addr', 'none', '--schema-registry-addr', 'none', '--proxy-addr', 'none']);
  expect(r.exitCode, describeRun(r)).toBe(2);
  expect(r.stderr).toContain("--log-format: expected one of text, json, got 'logfmt'");
  const env = await run([FRESHET_BIN, 'start', '--data-dir', dataDir, '--admin-addr', 'none', '--schema-registry-addr', 'none', '--proxy-addr', 'none'], { env: { FRESHET_LOG_FORMAT: 'JSON' } });
  expect(env.exitCode, describeRun(env)).toBe(2);
  expect(env.stderr).toContain("FRESHET_LOG_FORMAT: expected one of text, json, got 'JSON'");
});
