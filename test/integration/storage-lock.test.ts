// One process per data directory: a second freshet started on a directory in use exits at once,
// naming the directory and the holder's pid, and touches nothing; a holder killed with SIGKILL
// leaves no stale lock (flock is released by the kernel), so the next start succeeds.

import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { FRESHET_BIN, startBroker, type Broker } from '../helpers/broker.ts';
import { freePort } from '../helpers/ports.ts';
import { describeRun, run } from '../helpers/process.ts';
import { kafkaFor } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';

setDefaultTimeout(60_000);

/** A second process must be refused well within this; before the lock it kept running. */
const REFUSAL_TIMEOUT_MS = 15_000;

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker({ dev: true });
});
afterAll(async () => {
  await broker?.dispose();
});

async function secondStart(dataDir: string) {
  const port = await freePort();
  return await run([FRESHET_BIN, 'start', '--dev', '--data-dir', dataDir, '--kafka-addr', `127.0.0.1:${port}`, '--schema-registry-addr', 'none', '--proxy-addr', 'none', '--admin-addr', 'none'], {
    timeoutMs: REFUSAL_TIMEOUT_MS,
  });
}

async function produceOne(bootstrap: string, topic: string): Promise<string> {
  const producer = kafkaFor(bootstrap).producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    const [r] = await producer.send({ topic, acks: -1, messages: [{ value: 'x' }] });
    return r.baseOffset ?? '';
  } finally {
    await producer.disconnect();
  }
}

test('a second freshet on the same data directory exits at once, naming the directory and the holder pid', async () => {
  const topic = uniqueTopic('locked');
  expect(await produceOne(broker.bootstrap, topic)).toBe('0');
  const second = await secondStart(broker.dataDir);
  expect(second.timedOut, describeRun(second)).toBe(false);
  expect(second.exitCode, describeRun(second)).toBe(1);
  expect(second.stderr).toContain(broker.dataDir);
  expect(second.stderr).toContain(`pid ${broker.proc.pid}`);
  // The holder is unharmed and its offsets go on from where they were.
  expect(await produceOne(broker.bootstrap, topic)).toBe('1');
});

test('a holder killed with SIGKILL releases the lock: the next start succeeds and holds it', async () => {
  await broker.kill9();
  await broker.restart(); // would fail if a stale lock were left
  const second = await secondStart(broker.dataDir);
  expect(second.exitCode, describeRun(second)).toBe(1);
  expect(second.stderr).toContain(`pid ${broker.proc.pid}`);
});
