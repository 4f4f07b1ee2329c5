// `freshet topic produce -F FORMAT` (records read by an rpk-style format string) read back by
// kcat (librdkafka) with partitions, keys and headers intact; and the progress line: nothing on
// stderr when it is a pipe, a line rewritten in place when it is a terminal (`script` gives the
// command a pseudo-terminal as stderr while stdin stays a pipe).

import { afterAll, beforeAll, describe, expect, setDefaultTimeout } from 'bun:test';
import { existsSync } from 'node:fs';
import { type Broker, FRESHET_BIN, startBroker } from '../helpers/broker.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { describeRun, expectSuccess, kcat, KCAT_TOOL, run, type RunResult } from '../helpers/process.ts';
import { allOf, requirement, testRequiring } from '../helpers/requirements.ts';

setDefaultTimeout(60_000);

const CLI_TIMEOUT_MS = 30_000;
const SCRIPT = '/usr/bin/script';
const SCRIPT_AND_KCAT = allOf(KCAT_TOOL, requirement(existsSync(SCRIPT), `script at ${SCRIPT} (util-linux)`));

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.dispose();
});

function topicCmd(args: string[], stdin?: string): Promise<RunResult> {
  return run([FRESHET_BIN, 'topic', ...args, '--brokers', broker.bootstrap], { timeoutMs: CLI_TIMEOUT_MS, stdin });
}

function expectExit(result: RunResult, code: number): RunResult {
  expect(result.timedOut, describeRun(result)).toBe(false);
  expect(result.exitCode, describeRun(result)).toBe(code);
  return result;
}

async function kcatRead(topic: string): Promise<string[]> {
  const r = expectSuccess(await kcat(['-b', broker.bootstrap, '-C', '-t', topic, '-e', '-q', '-f', '%p|%k|%h|%s\\n'], { timeoutMs: CLI_TIMEOUT_MS }));
  return r.stdout.split('\n').filter((l) => l !== '').sort();
}

describe('topic produce -F', () => {
  testRequiring(KCAT_TOOL, 'partition, key, headers and value from the format; kcat reads them back', async () => {
    const topic = uniqueTopic('cli-fmt');
    expectExit(await topicCmd(['create', topic, '-p', '3']), 0);
    // %p partition, %k up to '|', %H a header count then that many %h{k=v;}, %v to the newline;
    // the last line has no newline (the format's last delimiter may be missing at the end).
    const input = '2|key-a|2:a=1;b=two;value one\n0|key-b|0:value two\n1||1:only=x;v|with|bars';
    const produced = expectExit(await topicCmd(['produce', topic, '-F', '%p|%k|%H:%h{%k=%v;}%v\\n', '-H', 'src=cli'], input), 0);
    expect(produced.stderr).toBe('');
    expect(await kcatRead(topic)).toEqual(['0|key-b|src=cli|value two', '1||only=x,src=cli|v|with|bars', '2|key-a|a=1,b=two,src=cli|value one'].sort());
  });

  testRequiring(KCAT_TOOL, 'sizes: %K and %V say how many bytes %k and %v hold, delimiters inside included', async () => {
    const topic = uniqueTopic('cli-fmt-size');
    expectExit(await topicCmd(['create', topic, '-p', '1']), 0);
    expectExit(await topicCmd(['produce', topic, '-F', '%K %V %k%v'], '3 4 k 1a|b|4 3 keyzval'), 0);
    expect(await kcatRead(topic)).toEqual(['0|k 1||a|b|', '0|keyz||val'].sort());
  });

  testRequiring(KCAT_TOOL, "-D ends records at a delimiter other than the newline, as kcat's producer -D; -K splits each", async () => {
    const topic = uniqueTopic('cli-delim');
    expectExit(await topicCmd(['create', topic, '-p', '1']), 0);
    expectExit(await topicCmd(['produce', topic, '-D', ';;', '-K', ':'], 'k1:a,b;;k2:two;;three'), 0);
    expect(await kcatRead(topic)).toEqual(['0|k1||a,b', '0|k2||two', '0|||three'].sort());
    // kcat's producer given the same flags and input writes the same records.
    const theirs = uniqueTopic('cli-delim-kcat');
    expectExit(await topicCmd(['create', theirs, '-p', '1']), 0);
    expectSuccess(await kcat(['-b', broker.bootstrap, '-P', '-t', theirs, '-p', '0', '-D', ';;', '-K', ':'], { stdin: 'k1:a,b;;k2:two;;three', timeoutMs: CLI_TIMEOUT_MS }));
    expect(await kcatRead(theirs)).toEqual(await kcatRead(topic));
  });

  testRequiring(KCAT_TOOL, 'input that does not match the format: exit 1 naming the byte; a bad format: exit 2', async () => {
    const topic = uniqueTopic('cli-fmt-bad');
    expectExit(await topicCmd(['create', topic, '-p', '3']), 0);
    const mismatch = expectExit(await topicCmd(['produce', topic, '-F', '%p %v\\n'], '1 ok\nx no\n'), 1);
    expect(mismatch.stderr).toBe('freshet topic produce: stdin: %p: expected a number at byte 5\n');
    const outside = expectExit(await topicCmd(['produce', topic, '-F', '%p %v\\n'], '7 no\n'), 1);
    expect(outside.stderr).toContain('has 3 partitions');
    for (const f of ['%k%v\\n', '%t %v\\n', '%h{%k=%v}%v\\n']) expectExit(await topicCmd(['produce', topic, '-F', f], ''), 2);
    expectExit(await topicCmd(['produce', topic, '-F', '%v\\n', '-K', ':'], ''), 2);
    expectExit(await topicCmd(['produce', topic, '-F', '%v\\n', '-D', ';'], ''), 2);
    expectExit(await topicCmd(['produce', topic, '-F', '%p %v\\n', '-p', '1'], ''), 2);
  });
});

describe('progress on a terminal only', () => {
  testRequiring(KCAT_TOOL, 'piped: produce and consume -n write nothing to stderr', async () => {
    const topic = uniqueTopic('cli-quiet');
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const produced = expectExit(await topicCmd(['produce', topic, '-p', '0'], lines), 0);
    expect(produced.stderr).toBe('');
    const consumed = expectExit(await topicCmd(['consume', topic, '-n', '5000']), 0);
    expect(consumed.stderr).toBe('');
    expect(consumed.stdout.split('\n').length).toBe(5001);
  });

  testRequiring(SCRIPT_AND_KCAT, 'on a terminal: one line rewritten with \\r and erase-in-line, cleared at the end', async () => {
    const topic = uniqueTopic('cli-tty');
    // stdin and stdout stay pipes / files; only stderr (and the summary) reach the terminal.
    const sh =
      `seq 1 20000 | '${FRESHET_BIN}' topic produce ${topic} -p 0 --brokers ${broker.bootstrap} && '${FRESHET_BIN}' topic consume ${topic} -n 20000 --brokers ${broker.bootstrap} > /dev/null` +
      ` && echo ---records-on-the-terminal--- && '${FRESHET_BIN}' topic consume ${topic} -n 3 --brokers ${broker.bootstrap}`;
    const r = expectSuccess(await run([SCRIPT, '-qec', sh, '/dev/null'], { timeoutMs: CLI_TIMEOUT_MS }));
    expect(r.stdout).toMatch(/\rproduced \d+ records[^\n]*\x1b\[K/);
    expect(r.stdout).toMatch(/\rconsumed \d+\/20000 records[^\n]*\x1b\[K/);
    expect(r.stdout).toContain(`produced 20000 records to ${topic}`);
    // The progress never ends a line of its own: the terminal keeps one line for it.
    expect(r.stdout).not.toMatch(/records(?: \(\d+\/s\))?\x1b\[K\r?\n/);
    // Records printed on the terminal itself: no progress line between them.
    const onTerminal = r.stdout.split('---records-on-the-terminal---')[1] ?? '';
    expect(onTerminal.replaceAll('\r', '')).toBe('\n1\n2\n3\n');
  });
});
