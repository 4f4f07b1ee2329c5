// Raft's control batches (src/raft/control-batch.ts) in a partition log, served by the real
// executable's Fetch path like any batch, and skipped by clients we did not write: kcat and
// confluent-kafka (librdkafka) and kafkajs read the records around them, at their offsets, and
// never see them. The batches are written into a stopped node's segment file as the Raft shell
// writes them (a leader change and a membership, in the log's term), so the test needs no
// cluster; the cluster step will show the same through replication.

import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { membership } from '../../src/raft/core/index.ts';
import { encodeControlBatch } from '../../src/raft/control-batch.ts';
import { startBroker, type Broker } from '../helpers/broker.ts';
import { createTopic, kafkaFor } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { expectSuccess, kcat, KCAT_TOOL, parseJsonLines, PYTHON_CLIENTS, pythonJson } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';

setDefaultTimeout(90_000);

const SEGMENT = '00000000000000000000.log';
/** Offsets 0 and 1 are records, 2 and 3 Raft's control batches, 4 a record produced after them. */
const EXPECTED = [
  { offset: 0, value: 'before-0' },
  { offset: 1, value: 'before-1' },
  { offset: 4, value: 'after-0' },
];

let broker: Broker;
let topic: string;

async function produce(values: string[]): Promise<void> {
  const producer = kafkaFor(broker.bootstrap).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  for (const value of values) await producer.send({ topic, acks: -1, messages: [{ value, partition: 0 }] });
  await producer.disconnect();
}

beforeAll(async () => {
  broker = await startBroker({ dev: false });
  topic = uniqueTopic('raft-control');
  await createTopic(broker.bootstrap, topic, 1);
  await produce(['before-0', 'before-1']);
  await broker.stop();
  // The single node writes in term 0; the shell writes control batches in the term of their entry.
  const segment = join(broker.dataDir, 'kafka', topic, '0', SEGMENT);
  appendFileSync(segment, encodeControlBatch({ kind: 'control', firstIndex: 2, lastIndex: 2, term: 0, control: { type: 'leader_change', leaderId: 0, voters: [0] } }));
  appendFileSync(segment, encodeControlBatch({ kind: 'control', firstIndex: 3, lastIndex: 3, term: 0, control: { type: 'membership', membership: membership([0], [1]) } }));
  await broker.restart();
  await produce(['after-0']);
});

afterAll(async () => {
  await broker?.dispose();
});

testRequiring(KCAT_TOOL, 'kcat (librdkafka) reads the records around them at their offsets; the high watermark counts them', async () => {
  const r = expectSuccess(await kcat(['-b', broker.bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-J', '-q'], { timeoutMs: 30_000 }));
  expect(parseJsonLines<{ offset: number; payload: string }>(r.stdout).map((m) => ({ offset: m.offset, value: m.payload }))).toEqual(EXPECTED);
  const q = expectSuccess(await kcat(['-b', broker.bootstrap, '-Q', '-t', `${topic}:0:-1`], { timeoutMs: 30_000 }));
  expect(q.stdout).toContain(`${topic} [0] offset 5`);
});

testRequiring(PYTHON_CLIENTS, 'confluent-kafka for Python (librdkafka) skips them', async () => {
  const r = await pythonJson<{ records: Array<{ offset: number; value: string }>; errors: string[]; high: number }>(
    'confluent_client.py',
    ['consume', broker.bootstrap, topic, '--partition', '0', '--start', '0', '--count', '3', '--to-end'],
    { timeoutMs: 60_000 },
  );
  expect(r.errors).toEqual([]);
  expect(r.records.map((m) => ({ offset: m.offset, value: m.value }))).toEqual(EXPECTED);
  expect(r.high).toBe(5);
});

test('kafkajs skips them', async () => {
  const consumer = kafkaFor(broker.bootstrap).consumer({ groupId: `${topic}-g`, maxWaitTimeInMs: 200 });
  const seen: Array<{ offset: number; value: string }> = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push({ offset: Number(message.offset), value: String(message.value) }) });
  const deadline = Date.now() + 30_000;
  while (seen.length < 3 && Date.now() < deadline) await Bun.sleep(100);
  await Bun.sleep(300); // nothing more arrives (a control record handed out would)
  await consumer.disconnect();
  expect(seen).toEqual(EXPECTED);
});
