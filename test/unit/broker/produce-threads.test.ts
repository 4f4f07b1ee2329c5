// Produce with validation threads (00-produce.ts, validation-pool.ts, append-order.ts), through
// the handler on a real Broker whose threads are held by the test (lz4 requests: an
// uncompressed one validates inline): records reach a partition in
// request order however long a thread takes, a partition deleted meanwhile is not written, and
// a dead thread's request gets a retriable error while later ones are served inline.

import { afterEach, describe, expect, test } from 'bun:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ThreadPort, Threads } from '../../../src/base/threads.ts';
import { Broker } from '../../../src/broker/broker.ts';
import produceHandler from '../../../src/broker/handlers/00-produce.ts';
import { runValidationJob, type ValidationJob } from '../../../src/broker/validation-job.ts';
import { systemDeps } from '../../../src/cli/node-deps.ts';
import { buildNodeConfig } from '../../../src/config/node-config.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { compress } from '../../../src/compression/index.ts';
import { Compression } from '../../../src/protocol/records/batch.ts';
import { buildBatch } from '../../../src/protocol/records/records.ts';
import { call, type TestBroker } from './admin-harness.ts';

/** Threads whose jobs wait until the test releases or kills them. */
class HeldThreads implements Threads {
  readonly held: Array<{ job: ValidationJob; answer(m: unknown): void; fail(reason: string): void }> = [];
  started = 0;
  start(): ThreadPort {
    this.started++;
    let onMessage: (m: unknown) => void = () => {};
    let onFailure: (r: string) => void = () => {};
    return {
      post: (message) => {
        this.held.push({ job: message as ValidationJob, answer: (m) => onMessage(m), fail: (r) => onFailure(r) });
      },
      listen(m, f) {
        onMessage = m;
        onFailure = f;
      },
      terminate() {},
    };
  }
  release(i = 0): void {
    const [h] = this.held.splice(i, 1);
    h.answer(runValidationJob(h.job).answer);
  }
  kill(): void {
    for (const h of this.held.splice(0)) h.fail('killed by the test');
  }
}

const open: TestBroker[] = [];
afterEach(async () => {
  for (const tb of open.splice(0)) await tb.close();
});

function start(threads: HeldThreads): TestBroker {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freshet-produce-threads-'));
  const config = buildNodeConfig({ 'data-dir': dir, dev: true, 'node-id': '0', set: ['produce.validation.threads=1'] });
  const broker = new Broker(config, { ...systemDeps({}), threads });
  const tb: TestBroker = {
    broker,
    dir,
    async close() {
      await broker.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  open.push(tb);
  return tb;
}

/** An lz4 batch of `count` records of `size` bytes lz4 cannot shrink: 100 of 1 KiB go to a thread, 3 small ones do not. */
function records(tag: string, count: number, size: number): Uint8Array {
  let x = tag.length;
  const value = () => new Uint8Array(size).map(() => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24);
  return buildBatch({ records: Array.from({ length: count }, (_, i) => ({ key: `${tag}-${i}`, value: value(), timestamp: 1_765_000_000_000 })), compression: Compression.Lz4 }, compress);
}

function produce(tb: TestBroker, topic: string, batch: Uint8Array) {
  return call(tb, produceHandler, 9, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
  }).then((r) => r.responses[0].partitionResponses[0]);
}

describe('Produce through validation threads', () => {
  test('a small request behind a large one on a thread waits, then lands after it', async () => {
    const threads = new HeldThreads();
    const tb = start(threads);
    expect(tb.broker.createTopic('ordered', 1, []).error).toBeUndefined();
    const large = produce(tb, 'ordered', records('large', 100, 1024));
    await Bun.sleep(5);
    expect(threads.held.length).toBe(1);
    const small = produce(tb, 'ordered', records('small', 3, 10));
    let smallDone = false;
    void small.then(() => (smallDone = true));
    await Bun.sleep(20);
    expect(smallDone).toBe(false);
    expect(tb.broker.appendOrder.queued).toBe(2);
    threads.release();
    const [l, s] = await Promise.all([large, small]);
    expect(l.errorCode).toBe(ErrorCode.NONE);
    expect(s.errorCode).toBe(ErrorCode.NONE);
    expect(l.baseOffset).toBe(0);
    expect(s.baseOffset).toBe(100);
    expect(tb.broker.partition('ordered', 0)?.logEndOffset).toBe(103);
    expect(tb.broker.appendOrder.idle).toBe(true);
    // Nothing waits now: a small request appends in its own turn again.
    expect((await produce(tb, 'ordered', records('after', 2, 10))).baseOffset).toBe(103);
  });

  test('two large requests answered out of order by their threads append in request order', async () => {
    const threads = new HeldThreads();
    const tb = start(threads);
    expect(tb.broker.createTopic('two', 1, []).error).toBeUndefined();
    const first = produce(tb, 'two', records('first', 100, 1024));
    const second = produce(tb, 'two', records('second', 120, 1024));
    await Bun.sleep(5);
    expect(threads.held.length).toBe(2);
    threads.release(1); // the second request's job first
    await Bun.sleep(10);
    expect(tb.broker.partition('two', 0)?.logEndOffset).toBe(0);
    threads.release(0);
    const [a, b] = await Promise.all([first, second]);
    expect([a.baseOffset, b.baseOffset]).toEqual([0, 100]);
  });

  test('a partition deleted while its records were on a thread is not written', async () => {
    const threads = new HeldThreads();
    const tb = start(threads);
    expect(tb.broker.createTopic('gone', 1, []).error).toBeUndefined();
    const answer = produce(tb, 'gone', records('late', 100, 1024));
    await Bun.sleep(5);
    tb.broker.deleteTopic('gone');
    threads.release();
    expect((await answer).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  test('a dead thread: its request is KAFKA_STORAGE_ERROR and nothing of it is written; later requests validate inline', async () => {
    const threads = new HeldThreads();
    const tb = start(threads);
    expect(tb.broker.createTopic('dead', 1, []).error).toBeUndefined();
    const lost = produce(tb, 'dead', records('lost', 100, 1024));
    const behind = produce(tb, 'dead', records('behind', 3, 10));
    await Bun.sleep(5);
    threads.kill();
    const [l, b] = await Promise.all([lost, behind]);
    expect(l.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(l.errorMessage).toContain('killed by the test');
    expect(b.errorCode).toBe(ErrorCode.NONE);
    expect(b.baseOffset).toBe(0);
    // Large requests now validate on the event loop: no thread is asked again.
    const retried = await produce(tb, 'dead', records('retry', 100, 1024));
    expect(retried.errorCode).toBe(ErrorCode.NONE);
    expect(retried.baseOffset).toBe(3);
    expect(threads.held.length).toBe(0);
    expect(threads.started).toBe(1);
  });
});
