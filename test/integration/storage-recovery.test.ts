// Recovery never destroys what it cannot prove bad (the real executable, real clients):
// - 8 damaged bytes in the middle of a cleanly closed segment (below the recovery point, data
//   known flushed) is disk corruption: the segment is kept aside whole, the partition is offline
//   with KAFKA_STORAGE_ERROR to real clients while the other partitions work, an ERROR names the
//   file, offset and size with what the operator can do, and the documented operator action
//   brings the partition back without reusing an offset;
// - a torn tail above the recovery point (after kill -9) is cut, with a WARN naming the
//   partition, the offset and the bytes dropped;
// - every start logs a one-line recovery summary.

import { afterEach, expect, setDefaultTimeout, test } from 'bun:test';
import { appendFileSync, existsSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBroker, type Broker } from '../helpers/broker.ts';
import { createTopic, errorTypes, kafkaFor } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { describeRun, expectSuccess, kcat, KCAT_TOOL, parseJsonLines } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';

setDefaultTimeout(90_000);

const SEGMENT = '00000000000000000000.log';
const BATCHES = 20;
const RECORDS_PER_BATCH = 100;

let brokers: Broker[] = [];
afterEach(async () => {
  for (const b of brokers) await b.dispose();
  brokers = [];
});

async function durableBroker(): Promise<Broker> {
  const b = await startBroker({ dev: false });
  brokers.push(b);
  return b;
}

/** Sends `batches` batches of `perBatch` records to one partition, acks=all; returns their base offsets. */
async function produce(bootstrap: string, topic: string, partition: number, batches: number, perBatch: number): Promise<number[]> {
  const producer = kafkaFor(bootstrap).producer();
  await producer.connect();
  const offsets: number[] = [];
  try {
    for (let i = 0; i < batches; i++) {
      const messages = Array.from({ length: perBatch }, (_, k) => ({ key: `k${i}-${k}`, value: `value ${i}-${k} `.repeat(4), partition }));
      const [r] = await producer.send({ topic, acks: -1, messages });
      offsets.push(Number(r.baseOffset));
    }
  } finally {
    await producer.disconnect();
  }
  return offsets;
}

async function produceError(bootstrap: string, topic: string, partition: number): Promise<string[]> {
  const producer = kafkaFor(bootstrap).producer({ retry: { retries: 0 } });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ value: 'refused?', partition }] });
    return [];
  } catch (e) {
    return errorTypes(e);
  } finally {
    await producer.disconnect();
  }
}

async function consume(bootstrap: string, topic: string, partition: number): Promise<number[]> {
  const r = expectSuccess(await kcat(['-b', bootstrap, '-C', '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-J', '-q'], { timeoutMs: 30_000 }));
  return parseJsonLines<{ offset: number }>(r.stdout).map((m) => m.offset);
}

/** [position, baseOffset] of each batch in a segment file. */
function batchesOf(bytes: Buffer): Array<{ position: number; baseOffset: number; size: number }> {
  const out = [];
  for (let p = 0; p + 12 <= bytes.length; ) {
    const size = 12 + bytes.readInt32BE(p + 8);
    out.push({ position: p, baseOffset: Number(bytes.readBigInt64BE(p)), size });
    p += size;
  }
  return out;
}

testRequiring(KCAT_TOOL, 'damage below the recovery point: kept aside, partition offline with KAFKA_STORAGE_ERROR, others fine, operator brings it back', async () => {
  const broker = await durableBroker();
  const topic = uniqueTopic('damaged');
  await createTopic(broker.bootstrap, topic, 2);
  await produce(broker.bootstrap, topic, 0, BATCHES, RECORDS_PER_BATCH);
  await produce(broker.bootstrap, topic, 1, 1, 5);
  await broker.stop(); // a clean stop: the recovery point is the log end
  expect(broker.proc.exitCode).toBe(0);

  const segment = join(broker.dataDir, 'kafka', topic, '0', SEGMENT);
  const bytes = readFileSync(segment);
  const batches = batchesOf(bytes);
  expect(batches.length).toBe(BATCHES);
  const hit = batches[BATCHES / 2];
  bytes.fill(0xa5, hit.position + 200, hit.position + 208); // 8 bytes inside the records of the middle batch
  writeFileSync(segment, bytes);

  await broker.restart();
  const logs = broker.logs();
  const error = logs.split('\n').find((l) => l.includes('ERROR') && l.includes(`partition ${topic}-0 is OFFLINE`)) ?? '';
  expect(error, logs).toContain(`${segment} is damaged at offset ${hit.baseOffset} (byte ${hit.position} of ${bytes.length})`);
  expect(error).toContain(`truncate -s ${hit.position} ${segment}.damaged && mv ${segment}.damaged ${segment}`);
  expect(logs).toMatch(/INFO  recovery: \d+ partitions scanned in \d+ ms, \d+ bytes scanned, 0 torn tails cut \(0 bytes\), 1 offline/);
  // Nothing was destroyed: every byte, damage included, is in the aside file.
  expect(existsSync(segment)).toBe(false);
  expect(readFileSync(`${segment}.damaged`).equals(bytes)).toBe(true);

  // A real client hears KAFKA_STORAGE_ERROR for the offline partition; the other one works.
  expect(await produceError(broker.bootstrap, topic, 0)).toContain('KAFKA_STORAGE_ERROR');
  const kcatProduce = await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0', '-X', 'message.timeout.ms=5000', '-X', 'retries=0'], { stdin: 'x\n', timeoutMs: 20_000 });
  expect(kcatProduce.stderr, describeRun(kcatProduce)).toContain('Broker: Disk error when trying to access log file on disk');
  expect(await produce(broker.bootstrap, topic, 1, 1, 1)).toEqual([5]);
  expect(await consume(broker.bootstrap, topic, 1)).toEqual([0, 1, 2, 3, 4, 5]);

  // Until an operator acts, every start says the same and changes nothing.
  await broker.restart();
  expect(broker.logs()).toContain(`${segment}.damaged (${bytes.length} bytes) was set aside as damaged by an earlier start: at offset ${hit.baseOffset} (byte ${hit.position})`);
  expect(readFileSync(`${segment}.damaged`).equals(bytes)).toBe(true);

  // The operator keeps the intact records before the damage, as the ERROR line says.
  await broker.stop();
  truncateSync(`${segment}.damaged`, hit.position);
  renameSync(`${segment}.damaged`, segment);
  await broker.restart();
  const logEnd = BATCHES * RECORDS_PER_BATCH;
  expect(broker.logs()).toContain(`partition ${topic}-0: offsets ${hit.baseOffset} to ${logEnd - 1} are missing below the recovery point`);
  expect(await produce(broker.bootstrap, topic, 0, 1, 1)).toEqual([logEnd]); // no offset handed out twice
  const offsets = await consume(broker.bootstrap, topic, 0);
  expect(offsets.length).toBe(hit.baseOffset + 1);
  expect(offsets[offsets.length - 1]).toBe(logEnd);
});

testRequiring(KCAT_TOOL, 'a torn tail above the recovery point is cut with a WARN naming the partition, the offset and the bytes dropped', async () => {
  const broker = await durableBroker();
  const topic = uniqueTopic('torn');
  await createTopic(broker.bootstrap, topic, 1);
  await produce(broker.bootstrap, topic, 0, 5, 10); // acks=all: flushed, but not checkpointed
  await broker.kill9();
  const segment = join(broker.dataDir, 'kafka', topic, '0', SEGMENT);
  const whole = readFileSync(segment);
  appendFileSync(segment, whole.subarray(0, 40)); // the first 40 bytes of a batch: a torn write

  await broker.restart();
  expect(broker.logs()).toContain(
    `WARN  partition ${topic}-0: recovery cut a torn tail above the recovery point 0: 40 bytes dropped from offset 50 on (${segment} cut at byte ${whole.length})`,
  );
  expect(broker.logs()).toMatch(/recovery: \d+ partitions scanned in \d+ ms, \d+ bytes scanned, 1 torn tails cut \(40 bytes\)/);
  expect(readFileSync(segment).equals(whole)).toBe(true);
  expect(await consume(broker.bootstrap, topic, 0)).toEqual(Array.from({ length: 50 }, (_, i) => i));
});

test('the recovery point is checkpointed while idle, so damage in flushed data after a kill -9 is set aside, not cut', async () => {
  const b = await startBroker({ dev: false, settings: { 'log.flush.offset.checkpoint.interval.ms': '200' } });
  brokers.push(b);
  const topic = uniqueTopic('checkpointed');
  await createTopic(b.bootstrap, topic, 1);
  await produce(b.bootstrap, topic, 0, 10, 50);
  const dir = join(b.dataDir, 'kafka', topic, '0');
  const deadline = performance.now() + 20_000;
  // A new partition has no checkpoint file until its first one is written.
  const recoveryPoint = (): string | null => (existsSync(join(dir, 'recovery-point')) ? readFileSync(join(dir, 'recovery-point'), 'utf8') : null);
  while (recoveryPoint() !== '0\n1\n500\n' && performance.now() < deadline) await Bun.sleep(50);
  expect(readFileSync(join(dir, 'recovery-point'), 'utf8')).toBe('0\n1\n500\n');
  await b.kill9();

  const segment = join(dir, SEGMENT);
  const bytes = readFileSync(segment);
  const hit = batchesOf(bytes)[5];
  bytes.fill(0x5a, hit.position + 100, hit.position + 108);
  writeFileSync(segment, bytes);
  await b.restart();
  expect(b.logs()).toContain(`partition ${topic}-0 is OFFLINE`);
  expect(b.logs()).toContain(`is damaged at offset ${hit.baseOffset} (byte ${hit.position} of ${bytes.length}), below the recovery point 500`);
  expect(readFileSync(`${segment}.damaged`).equals(bytes)).toBe(true);
});
