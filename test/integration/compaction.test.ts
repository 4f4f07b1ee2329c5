// Log compaction against the real executable: a topic with cleanup.policy=compact and tiny
// segments takes many updates of a few keys from kcat (librdkafka); the background cleaner
// (log.cleaner.backoff.ms set low) must leave each key's latest value and drop the duplicates,
// and a tombstoned key must vanish once delete.retention.ms has passed. Offsets stay as written.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout } from 'bun:test';
import { startBroker, type Broker } from '../helpers/broker.ts';
import { withAdmin } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { expectSuccess, kcat, KCAT_TOOL, parseJsonLines } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';

setDefaultTimeout(90_000);

const KEYS = 8;
const UPDATES_PER_KEY = 40;
const CLEANED_WAIT_MS = 30_000;

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker({ settings: { 'log.cleaner.backoff.ms': '100' } });
});
afterAll(async () => {
  await broker?.dispose();
});

type KcatRecord = { offset: number; key: string | null; payload: string | null };

async function produce(topic: string, lines: string[], extra: string[] = []): Promise<void> {
  // Small batches, so that segments roll between them.
  const args = ['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0', '-K:', '-X', 'linger.ms=0', '-X', 'batch.num.messages=4', ...extra];
  expectSuccess(await kcat(args, { stdin: `${lines.join('\n')}\n`, timeoutMs: 20_000 }));
}

async function consumeAll(topic: string): Promise<KcatRecord[]> {
  const result = expectSuccess(
    await kcat(['-b', broker.bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-J', '-q'], { timeoutMs: 20_000 }),
  );
  return parseJsonLines<KcatRecord>(result.stdout);
}

/** Polls until `done` holds for what a consumer reads from the beginning, or the time is up. */
async function waitForLog(topic: string, done: (rs: KcatRecord[]) => boolean): Promise<KcatRecord[]> {
  const deadline = Date.now() + CLEANED_WAIT_MS;
  let rs = await consumeAll(topic);
  while (!done(rs) && Date.now() < deadline) {
    await Bun.sleep(300);
    rs = await consumeAll(topic);
  }
  return rs;
}

describe('log compaction (cleanup.policy=compact)', () => {
  testRequiring(KCAT_TOOL, 'kcat updates of a few keys: the cleaner keeps each latest value and drops the old ones', async () => {
    const topic = uniqueTopic('compacted');
    await withAdmin(broker.bootstrap, (admin) =>
      admin.createTopics({
        topics: [{
          topic,
          numPartitions: 1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'segment.bytes', value: '1024' },
            { name: 'min.cleanable.dirty.ratio', value: '0.01' },
            { name: 'delete.retention.ms', value: '500' },
          ],
        }],
        waitForLeaders: true,
      }),
    );
    const updates: string[] = [];
    for (let round = 0; round < UPDATES_PER_KEY; round++) {
      for (let k = 0; k < KEYS; k++) updates.push(`key${k}:value-${k}-${round}-${'x'.repeat(20)}`);
    }
    await produce(topic, updates);
    // A tombstone for key0 (-Z: an empty value is sent as null), then fillers with distinct
    // keys so that every update sits in a sealed (cleanable) segment.
    await produce(topic, ['key0:'], ['-Z']);
    await produce(topic, Array.from({ length: 60 }, (_, i) => `filler${i}:${'f'.repeat(40)}`));

    const written = KEYS * UPDATES_PER_KEY + 1 + 60;
    const latest = (k: number) => `value-${k}-${UPDATES_PER_KEY - 1}-${'x'.repeat(20)}`;
    const cleaned = (rs: KcatRecord[]) => {
      const keyed = rs.filter((r) => r.key?.startsWith('key'));
      return keyed.length === KEYS - 1 && !keyed.some((r) => r.key === 'key0');
    };
    const rs = await waitForLog(topic, cleaned);

    const updatesLeft = rs.filter((r) => r.key?.startsWith('key'));
    expect(updatesLeft.map((r) => r.key).toSorted()).toEqual(Array.from({ length: KEYS - 1 }, (_, i) => `key${i + 1}`));
    for (const r of updatesLeft) expect(r.payload).toBe(latest(Number(r.key!.slice(3))));
    // Offsets are the ones written: increasing, below the log end, the last update of each key
    // where it was produced (round UPDATES_PER_KEY - 1, key k => offset (rounds - 1) * KEYS + k).
    for (const r of updatesLeft) expect(r.offset).toBe((UPDATES_PER_KEY - 1) * KEYS + Number(r.key!.slice(3)));
    const offsets = rs.map((r) => r.offset);
    expect(offsets).toEqual(offsets.toSorted((a, b) => a - b));
    expect(offsets.at(-1)).toBe(written - 1);
    // Fillers have distinct keys: all stay.
    expect(rs.filter((r) => r.key?.startsWith('filler')).length).toBe(60);
    expect(broker.logs()).toContain(`log cleaner: cleaned ${topic}-0`);
  });

  testRequiring(KCAT_TOOL, 'a topic with cleanup.policy=delete is never compacted', async () => {
    const topic = uniqueTopic('not-compacted');
    await withAdmin(broker.bootstrap, (admin) =>
      admin.createTopics({
        topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '1024' }] }],
        waitForLeaders: true,
      }),
    );
    const lines = Array.from({ length: 80 }, (_, i) => `same:v${i}`);
    await produce(topic, lines);
    await Bun.sleep(1_000); // many cleaner ticks
    expect((await consumeAll(topic)).length).toBe(80);
  });
});
