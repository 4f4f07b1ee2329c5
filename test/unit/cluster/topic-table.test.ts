import { afterEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemRandom } from '../../../src/base/random.ts';
import { TopicTable, validateTopicName } from '../../../src/cluster/topic-table.ts';
import { NodeStorageFs } from '../../../src/storage/fs.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';
import { Prng } from '../../../src/base/prng.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { isUuid, ZERO_UUID } from '../../../src/protocol/primitives.ts';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'freshet-topics-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('topic names (Kafka rules)', () => {
  test.each(['', '.', '..', 'a'.repeat(250), 'has space', 'slash/name', 'ünïcode'])('%p is INVALID_TOPIC_EXCEPTION', (name) => {
    expect(validateTopicName(name)?.code).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  });
  test.each(['a', 'orders.v1', 'with_underscore', 'dash-ed', 'a'.repeat(249)])('%p is legal', (name) => {
    expect(validateTopicName(name)).toBeNull();
  });
});

describe('TopicTable', () => {
  test('persists topics, ids and configs across reloads', () => {
    const dir = tempDir();
    const t = TopicTable.load(new NodeStorageFs(), systemRandom, dir);
    const a = t.create('orders', 3, { 'retention.ms': '1000' });
    expect(isUuid(a.id)).toBe(true);
    expect(a.id).not.toBe(ZERO_UUID);
    t.create('payments', 1, {});
    t.setPartitions('orders', 5);
    t.delete('payments');
    const again = TopicTable.load(new NodeStorageFs(), systemRandom, dir);
    expect(again.size).toBe(1);
    expect(again.get('orders')).toEqual({ name: 'orders', id: a.id, partitions: 5, configs: { 'retention.ms': '1000' } });
    expect(again.getById(a.id)?.name).toBe('orders');
  });

  test('refuses duplicates and names colliding on . versus _', () => {
    const t = TopicTable.load(new NodeStorageFs(), systemRandom, tempDir());
    t.create('metrics.cpu', 1, {});
    expect(t.checkNew('metrics.cpu')?.code).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    expect(t.checkNew('metrics_cpu')?.code).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(t.checkNew('metrics-cpu')).toBeNull();
  });
});

describe('TopicTable.batch', () => {
  const DIR = '/data/cluster';

  test('a request that creates many topics writes the table once, and the file holds them all', () => {
    const fs = new SimStorageFs();
    const table = TopicTable.load(fs, new Prng(1), DIR);
    const before = fs.fsyncDirCalls;
    table.batch(() => {
      for (let i = 0; i < 50; i++) table.create(`t${i}`, 1, {});
      table.delete('t7');
    });
    expect(fs.fsyncDirCalls - before).toBe(1); // one atomic replace (temp, fsync, rename, dir fsync)
    const reloaded = TopicTable.load(fs, new Prng(2), DIR);
    expect(reloaded.size).toBe(49);
    expect(reloaded.get('t7')).toBeUndefined();
  });

  test('outside a batch every change is written at once; a batch with no change writes nothing', () => {
    const fs = new SimStorageFs();
    const table = TopicTable.load(fs, new Prng(1), DIR);
    const before = fs.fsyncDirCalls;
    table.create('a', 1, {});
    table.create('b', 1, {});
    expect(fs.fsyncDirCalls - before).toBe(2);
    table.batch(() => table.get('a'));
    expect(fs.fsyncDirCalls - before).toBe(2);
  });

  test('changes made before a failure inside the batch are still written', () => {
    const fs = new SimStorageFs();
    const table = TopicTable.load(fs, new Prng(1), DIR);
    expect(() =>
      table.batch(() => {
        table.create('kept', 1, {});
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(TopicTable.load(fs, new Prng(2), DIR).get('kept')).toBeDefined();
  });
});
