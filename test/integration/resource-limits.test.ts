// Connection resource limits of the real executable, driven over raw TCP with a real client
// (kcat) beside the hostile connections:
// - queued.max.request.bytes: connections sending most of a huge frame and holding it cannot
//   take more than the budget; kcat is still served; when they close, the budget is free again
//   and the memory back with the system; hundreds of small partial senders stop at the
//   overdraft;
// - max.connections.per.ip: the connection over the limit is closed on accept;
// - log volume: many connections closed for garbage log one line and a summary, not one each.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { type Broker, startBroker } from '../helpers/broker.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { expectSuccess, kcat, KCAT_TOOL } from '../helpers/process.ts';
import { answersApiVersions, exchange, PartialSender, request, untilSendersSettle } from '../helpers/raw-tcp.ts';
import { REQUEST_BYTES_OVERDRAFT } from '../../src/broker/request-memory.ts';
import { testRequiring } from '../helpers/requirements.ts';

setDefaultTimeout(120_000);

const MIB = 1024 * 1024;
const BUDGET_BYTES = 100 * MIB; // queued.max.request.bytes default
const SENDERS = 8;
const DECLARED_BYTES = 99 * MIB;
const SENT_BYTES = 95 * MIB;
/** Room above the budget for what else a busy node allocates (socket reads, GC lag). */
const RSS_MARGIN_KIB = 64 * 1024;

async function expectKcatServes(broker: Broker): Promise<void> {
  const topic = uniqueTopic('limits');
  expectSuccess(await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0'], { stdin: 'served\n', timeoutMs: 20_000 }));
  const read = expectSuccess(await kcat(['-b', broker.bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q'], { timeoutMs: 20_000 }));
  expect(read.stdout.trim()).toBe('served');
}

describe('queued.max.request.bytes', () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  testRequiring(KCAT_TOOL, 'partial frames hold at most the budget; kcat is served meanwhile; closing them frees it', async () => {
    const before = broker.rssKiB();
    const senders = await Promise.all(Array.from({ length: SENDERS }, () => PartialSender.open(broker.port, DECLARED_BYTES, SENT_BYTES)));
    try {
      await untilSendersSettle(senders);
      const during = broker.rssKiB();
      // Without a budget the node read all 8 x 95 MiB (760 MiB) and held it.
      expect(during - before, `RSS grew ${during - before} KiB`).toBeLessThan(BUDGET_BYTES / 1024 + RSS_MARGIN_KIB);
      expect(senders.every((s) => s.done), 'no sender was held back').toBe(false);
      expect(broker.logs()).toMatch(/INFO {2}queued\.max\.request\.bytes reached: \d+ of 104857600 bytes held/);
      await expectKcatServes(broker);
    } finally {
      for (const s of senders) s.close();
    }
    // Their memory goes back to the system, not only to the budget.
    let after = broker.rssKiB();
    for (let waited = 0; waited < 15_000 && after - before >= RSS_MARGIN_KIB; waited += 250) {
      await Bun.sleep(250);
      after = broker.rssKiB();
    }
    expect(after - before, `RSS still ${after - before} KiB above the start after the senders left`).toBeLessThan(RSS_MARGIN_KIB);
    // The budget is free again: one frame of 90 MiB (an ApiVersions request padded with bytes
    // the decoder ignores) is read whole and answered, which needs 90 MiB of the budget.
    const big = request(18, 0, 77, new Uint8Array(90 * MIB));
    const reply = await exchange(broker.port, big, { untilFrame: true, waitMs: 30_000 });
    expect(reply.received.length, 'the 90 MiB request was not answered').toBeGreaterThan(8);
    expect(reply.received.readInt32BE(4)).toBe(77);
    expect(broker.proc.exitCode).toBeNull();
  });
});

describe('queued.max.request.bytes with many connections', () => {
  const SMALL_BUDGET = 16 * MIB;
  let broker: Broker;
  beforeAll(async () => {
    // A 16 MiB budget (and so 16 MiB requests at most) makes the overdraft matter.
    broker = await startBroker({ settings: { 'queued.max.request.bytes': String(SMALL_BUDGET), 'socket.request.max.bytes': String(SMALL_BUDGET) } });
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  testRequiring(KCAT_TOOL, '600 connections each sending part of a frame past a spent budget stop at the overdraft', async () => {
    const OVERDRAFT_KIB = REQUEST_BYTES_OVERDRAFT / 1024;
    const MANY_MARGIN_KIB = 32 * 1024;
    const before = broker.rssKiB();
    const big = await Promise.all([0, 1].map(() => PartialSender.open(broker.port, 15 * MIB, 14 * MIB)));
    await untilSendersSettle(big);
    const many: PartialSender[] = [];
    try {
      for (let i = 0; i < 600; i += 50) {
        many.push(...(await Promise.all(Array.from({ length: 50 }, () => PartialSender.open(broker.port, 2 * MIB, MIB)))));
      }
      await untilSendersSettle(many);
      const during = broker.rssKiB();
      // Each reads on until it holds more than the floor (64 KiB): ~95 MiB in all without a cap
      // (measured), budget + overdraft (32 MiB) and some noise with it.
      expect(during - before, `RSS grew ${during - before} KiB`).toBeLessThan(SMALL_BUDGET / 1024 + OVERDRAFT_KIB + MANY_MARGIN_KIB);
      expect(broker.logs()).toMatch(/INFO {2}request memory overdrawn: \d+ bytes held: reading paused on all \d+ connections/);
    } finally {
      for (const s of [...big, ...many]) s.close();
    }
    // Once they leave, the node serves again.
    let served = false;
    for (let attempt = 0; attempt < 50 && !served; attempt++) served = await answersApiVersions(broker.port, 2_000);
    expect(served).toBe(true);
    await expectKcatServes(broker);
  });
});

describe('max.connections.per.ip', () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await startBroker({ settings: { 'max.connections.per.ip': '3' } });
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  test('the connection over the limit is closed on accept; one frees a place when it closes', async () => {
    // The harness's readiness probe has closed by the time a whole request was answered.
    expect(await answersApiVersions(broker.port)).toBe(true);
    await Bun.sleep(100);
    const held = await Promise.all(Array.from({ length: 3 }, () => PartialSender.open(broker.port, 100, 10)));
    try {
      await Bun.sleep(200);
      const over = await exchange(broker.port, request(18, 0, 5), { waitMs: 5_000 });
      expect(over.closedByPeer).toBe(true);
      expect(over.received.length).toBe(0);
      expect(held.every((h) => !h.closedByPeer)).toBe(true);
    } finally {
      held[0].close();
    }
    let served = false;
    for (let attempt = 0; attempt < 50 && !served; attempt++) {
      served = await answersApiVersions(broker.port, 2_000);
      if (!served) await Bun.sleep(100);
    }
    expect(served, 'no place freed after a connection closed').toBe(true);
    for (const h of held) h.close();
    expect(broker.logs()).toMatch(/connection refused: max\.connections\.per\.ip=3 reached for 127\.0\.0\.1/);
  });
});

describe('log volume under garbage', () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  testRequiring(KCAT_TOOL, '1,000 connections with an unknown API key log one line and a summary', async () => {
    const CONNECTIONS = 1_000;
    const BATCH = 50;
    const logBefore = broker.logs().length;
    for (let i = 0; i < CONNECTIONS; i += BATCH) {
      const replies = await Promise.all(Array.from({ length: BATCH }, (_, k) => exchange(broker.port, request(32_000, 0, i + k))));
      for (const r of replies) expect(r.closedByPeer).toBe(true);
    }
    // The summary comes at the end of the interval (5 s); wait for it rather than for a time.
    let logs = '';
    for (let waited = 0; waited < 15_000; waited += 250) {
      logs = broker.logs().slice(logBefore);
      if (/\d+ more in the last/.test(logs)) break;
      await Bun.sleep(250);
    }
    const lines = logs.split('\n').filter((l) => l.includes('unknown api key'));
    expect(lines.length, `one line per connection?\n${logs.slice(0, 2000)}`).toBeLessThanOrEqual(4);
    expect(logs.length).toBeLessThan(4096);
    const counted = [...logs.matchAll(/(\d+) more in the last/g)].reduce((n, m) => n + Number(m[1]), 0);
    expect(counted).toBe(CONNECTIONS - 1);
    await expectKcatServes(broker);
  });
});
