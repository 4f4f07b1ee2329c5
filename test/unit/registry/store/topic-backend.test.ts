// TopicRegistryBackend over the in-memory `_schemas` log: the replay at start, the tail,
// read-your-writes, several backends (nodes) racing on one log, and store failures as values.
// What is expected comes from Confluent's documented behaviour (docs.confluent.io, "Schema
// Registry API Reference": one id per schema, ids unique across the registry; the 50001/50002
// codes of Errors.java for store errors and timeouts) and KafkaStore.java (a registry is not
// initialised until it read the topic to the end offset seen at start).

import { afterEach, describe, expect, test } from 'bun:test';
import { systemScheduler } from '../../../../src/base/scheduler.ts';
import { register } from '../../../../src/registry/registry-writes.ts';
import { type Outcome, RegistryState, type SchemaContent } from '../../../../src/registry/registry-state.ts';
import { encodeRecord, type SchemasRecord } from '../../../../src/registry/schemas-records.ts';
import { MemorySchemasLog } from '../../../../src/registry/store/memory-schemas-log.ts';
import { type StoreLimits, TopicRegistryBackend } from '../../../../src/registry/store/topic-backend.ts';

const avro = (schema: string): SchemaContent => ({ references: [], schema });
const recordSchema = (n: number): SchemaContent => avro(`{"type":"record","name":"R${n}","fields":[]}`);

const FAST: Partial<StoreLimits> = { readyWaitMs: 2_000, storeWaitMs: 2_000, tailWaitMs: 50, retryBackoffMs: 5, retryBackoffMaxMs: 20 };

const open: TopicRegistryBackend[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.close()));
});

function backend(log: MemorySchemasLog, limits: Partial<StoreLimits> = {}, name?: string): TopicRegistryBackend {
  const b = new TopicRegistryBackend(log, { scheduler: systemScheduler, limits: { ...FAST, ...limits }, name });
  open.push(b);
  b.start();
  return b;
}

/** Registers through the backend as the HTTP layer does: compute on the state it is given. */
function registerVia(b: TopicRegistryBackend, subject: string, content: SchemaContent): Promise<Outcome<{ id: number; version: number }>> {
  return b.write((state) => {
    const r = register(state, { subject, content });
    if (!r.ok) return r;
    return { ok: true, value: { records: r.value.records, result: { id: r.value.id, version: r.value.version } } };
  });
}

function value<T>(o: Outcome<T>): T {
  if (!o.ok) throw new Error(`expected success, got ${o.error.code} ${o.error.message}`);
  return o.value;
}

/** The records a registration on `state` would write, applied to it (another node's write). */
function otherNodeRegisters(state: RegistryState, subject: string, content: SchemaContent): SchemasRecord[] {
  const r = value(register(state, { subject, content }));
  for (const rec of r.records) state.apply(rec);
  return r.records;
}

function land(log: MemorySchemasLog, records: SchemasRecord[]): void {
  log.landNow(records.map((r) => encodeRecord(r)) as Array<{ key: Uint8Array; value: Uint8Array | null }>);
}

async function until(cond: () => boolean, what: string, ms = 2_000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`${what} did not happen within ${ms} ms`);
    await Bun.sleep(5);
  }
}

describe('start: replay, then tail', () => {
  test('a backend replays every record already in the topic before it is ready', async () => {
    const log = new MemorySchemasLog(systemScheduler);
    const writer = new RegistryState();
    for (let n = 1; n <= 250; n++) land(log, otherNodeRegisters(writer, `s${n % 7}`, recordSchema(n))); // more than one read's worth
    const b = backend(log);
    value(await b.whenReady());
    expect(log.topicCreated).toBe(true);
    expect(b.status.appliedTo).toBe(250);
    expect(b.state.listSubjects(false)).toEqual(writer.listSubjects(false));
    expect(value(b.state.schemaById(250)).schema).toBe(recordSchema(250).schema);
    expect(b.state.nextId()).toBe(251);
  });

  test('records another node appends later are applied by the tail', async () => {
    const log = new MemorySchemasLog(systemScheduler);
    const b = backend(log);
    value(await b.whenReady());
    land(log, otherNodeRegisters(new RegistryState(), 'late', recordSchema(1)));
    await until(() => b.state.listSubjects(false).includes('late'), 'the tail applying the record');
  });

  test('compacted gaps and control batches (skipped offsets) do not stall the replay or the tail', async () => {
    const log = new MemorySchemasLog(systemScheduler);
    const writer = new RegistryState();
    log.faults.gapBeforeAppend = 3;
    land(log, otherNodeRegisters(writer, 'a', recordSchema(1)));
    const b = backend(log);
    value(await b.whenReady());
    expect(value(await registerVia(b, 'a', recordSchema(2)))).toEqual({ id: 2, version: 2 });
    expect(b.status.appliedTo).toBe(log.records.at(-1)!.offset + 1);
  });

  test('until replayed, a write waits and then fails with 50002 (not ready), as a request does', async () => {
    const log = new MemorySchemasLog(systemScheduler);
    log.faults.failEndOffsets = 1_000_000; // the end offset at start is never learned
    const b = backend(log, { readyWaitMs: 100 });
    const r = await registerVia(b, 's', recordSchema(1));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe(50002);
    const ready = await b.whenReady(50);
    expect(ready.ok).toBe(false);
    expect(b.status.lastError).toContain('injected');
    expect(log.appends).toBe(0);
  });

  test('a read failing during the replay is retried: the backend becomes ready', async () => {
    const log = new MemorySchemasLog(systemScheduler);
    land(log, otherNodeRegisters(new RegistryState(), 'a', recordSchema(1)));
    log.faults.failReads = 3;
    const b = backend(log);
    value(await b.whenReady());
    expect(b.state.listSubjects(false)).toEqual(['a']);
  });
});

describe('writes', () => {
  test('read-your-writes: once write() resolves, the state holds the records it appended', async () => {
    const log = new MemorySchemasLog(systemScheduler);
    const b = backend(log);
    expect(value(await registerVia(b, 's', recordSchema(1)))).toEqual({ id: 1, version: 1 });
    expect(value(b.state.getVersion('s', 'latest', false)).id).toBe(1);
    expect(log.records.length).toBe(1);
    // Idempotent: the same schema again writes nothing and answers the same id (Confluent).
    expect(value(await registerVia(b, 's', recordSchema(1)))).toEqual({ id: 1, version: 1 });
    expect(log.records.length).toBe(1);
  });

  test('writes on one node run one at a time: each computes on the previous one\'s result', async () => {
    const log = new MemorySchemasLog(systemScheduler);
    log.faults.appendDelayMs = 5;
    const b = backend(log);
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => registerVia(b, 's', recordSchema(n))));
    expect(results.map((r) => value(r))).toEqual([1, 2, 3, 4, 5].map((n) => ({ id: n, version: n })));
    expect(b.status.writeRetries).toBe(0);
  });

  test('a write computes on a state caught up with records other nodes appended', async () => {
    const log = new MemorySchemasLog(systemScheduler);
    const b = backend(log, { tailWaitMs: 1_000 });
    value(await b.whenReady());
    // Landed while the tail sleeps in its long poll: the write must still see it first.
    land(log, otherNodeRegisters(new RegistryState(), 'other', recordSchema(1)));
    expect(value(await registerVia(b, 's', recordSchema(2)))).toEqual({ id: 2, version: 1 });
    expect(b.status.writeRetries).toBe(0);
  });

  test('an error value from compute is returned and nothing is appended', async () => {
    const log = new MemorySchemasLog(systemScheduler);
    const b = backend(log);
    const r = await registerVia(b, '__GLOBAL', recordSchema(1));
    expect(r.ok ? 0 : r.error.code).toBe(42208);
    expect(log.appends).toBe(0);
  });
});

describe('nodes racing on one log', () => {
  test('another node taking the same new id first: the write is computed again and told the id stored', async () => {
    const log = new MemorySchemasLog(systemScheduler);
    const b = backend(log, {}, 'node 1');
    value(await b.whenReady());
    const other = new RegistryState();
    log.faults.beforeAppend = (l) => {
      log.faults.beforeAppend = null;
      land(l, otherNodeRegisters(other, 'theirs', recordSchema(100)));
    };
    expect(value(await registerVia(b, 'ours', recordSchema(1)))).toEqual({ id: 2, version: 1 });
    expect(b.status.writeRetries).toBe(1);
    expect(value(b.state.schemaById(1)).schema).toBe(recordSchema(100).schema);
    expect(value(b.state.schemaById(2)).schema).toBe(recordSchema(1).schema);
    // The refused record stays in the log, and every node applying the log agrees.
    expect(log.records.length).toBe(3);
    const rebuilt = new RegistryState();
    for (const r of log.records) rebuilt.applyBytes(r.key!, r.value);
    expect(value(rebuilt.getVersion('ours', '1', false)).id).toBe(2);
    expect(rebuilt.skipped.duplicate_id).toBe(1);
  });

  test('another node taking the same subject-version first (under a higher id): ours becomes the next version', async () => {
    const log = new MemorySchemasLog(systemScheduler);
    const b = backend(log);
    value(await b.whenReady());
    log.faults.beforeAppend = (l) => {
      log.faults.beforeAppend = null;
      // Their record: s version 1 with id 7 (their state had seen ids up to 6 elsewhere).
      const value7 = { subject: 's', version: 1, id: 7, references: [], schema: recordSchema(7).schema, deleted: false };
      land(l, [{ key: { keytype: 'SCHEMA', subject: 's', version: 1, magic: 1 }, value: value7 }]);
    };
    expect(value(await registerVia(b, 's', recordSchema(1)))).toEqual({ id: 8, version: 2 });
    expect(b.state.skipped.version_taken).toBe(1);
    expect(value(b.state.getVersion('s', '1', false)).id).toBe(7);
  });

  test('two backends registering at once on one log: ids unique, each caller told what is stored, both states equal', async () => {
    const log = new MemorySchemasLog(systemScheduler);
    log.faults.appendDelayMs = 2; // lets the two nodes' computations overlap
    const n1 = backend(log, {}, 'node 1');
    const n2 = backend(log, {}, 'node 2');
    value(await n1.whenReady());
    value(await n2.whenReady());
    const calls = Array.from({ length: 24 }, (_, i) => ({ node: i % 2 === 0 ? n1 : n2, subject: `s${i % 3}`, content: recordSchema(i) }));
    const answers = (await Promise.all(calls.map((c) => registerVia(c.node, c.subject, c.content)))).map((r) => value(r));
    expect(new Set(answers.map((a) => a.id)).size).toBe(calls.length);
    await until(() => n1.status.appliedTo === n2.status.appliedTo && n1.status.appliedTo === log.records.at(-1)!.offset + 1, 'both nodes reading to the end');
    for (const [i, c] of calls.entries()) {
      for (const node of [n1, n2]) {
        const stored = value(node.state.getVersion(c.subject, String(answers[i].version), false));
        expect(stored.id).toBe(answers[i].id);
        expect(stored.schema).toBe(c.content.schema);
      }
    }
    // The race really happened: some write was computed again.
    expect(n1.status.writeRetries + n2.status.writeRetries).toBeGreaterThan(0);
    for (const s of ['s0', 's1', 's2']) expect(n1.state.versionsOf(s, true)).toEqual(n2.state.versionsOf(s, true));
  });

  test('the same schema registered on two nodes at once gets one id', async () => {
    const log = new MemorySchemasLog(systemScheduler);
    log.faults.appendDelayMs = 2;
    const n1 = backend(log);
    const n2 = backend(log);
    const [a, b] = await Promise.all([registerVia(n1, 'x', recordSchema(1)), registerVia(n2, 'y', recordSchema(1))]);
    expect(value(a).id).toBe(value(b).id);
  });
});

describe('store failures are error values', () => {
  test('an append refused by the log is 50001, one timing out 50002; the next write works', async () => {
    const log = new MemorySchemasLog(systemScheduler);
    const b = backend(log);
    log.faults.failAppends = { kind: 'failed', count: 1 };
    const failed = await registerVia(b, 's', recordSchema(1));
    expect(failed.ok ? 0 : failed.error.code).toBe(50001);
    log.faults.failAppends = { kind: 'timeout', count: 1 };
    const timedOut = await registerVia(b, 's', recordSchema(1));
    expect(timedOut.ok ? 0 : timedOut.error.code).toBe(50002);
    expect(value(await registerVia(b, 's', recordSchema(1)))).toEqual({ id: 1, version: 1 });
  });

  test('an append whose answer was lost is 50002; the record landed, so the retry finds it', async () => {
    const log = new MemorySchemasLog(systemScheduler);
    const b = backend(log);
    log.faults.loseAppendAnswers = 1;
    const lost = await registerVia(b, 's', recordSchema(1));
    expect(lost.ok ? 0 : lost.error.code).toBe(50002);
    expect(value(await registerVia(b, 's', recordSchema(1)))).toEqual({ id: 1, version: 1 });
    expect(log.records.length).toBe(1);
  });

  test('the tail not reaching the appended record in time is 50002', async () => {
    const log = new MemorySchemasLog(systemScheduler);
    const b = backend(log, { storeWaitMs: 100 });
    value(await b.whenReady());
    log.faults.failReads = 1_000_000;
    const r = await registerVia(b, 's', recordSchema(1));
    expect(r.ok ? 0 : r.error.code).toBe(50002);
  });

  test('losing to other nodes every time ends after the attempt limit with 50003', async () => {
    const log = new MemorySchemasLog(systemScheduler);
    const b = backend(log, { writeAttemptsMax: 3 });
    value(await b.whenReady());
    const other = new RegistryState();
    let n = 1000;
    log.faults.beforeAppend = (l) => land(l, otherNodeRegisters(other, 'theirs', recordSchema(n++)));
    // Their state does not see ours, so their ids collide with ours every time.
    const r = await registerVia(b, 'ours', recordSchema(1));
    expect(r.ok ? 0 : r.error.code).toBe(50003);
    expect(b.status.writeRetries).toBe(3);
  });

  test('a full write queue refuses at once with 50001; a compute that throws is 50001, not a throw', async () => {
    const log = new MemorySchemasLog(systemScheduler);
    log.faults.appendDelayMs = 20;
    const b = backend(log, { writeQueueMax: 2 });
    const writes = [1, 2, 3].map((n) => registerVia(b, 's', recordSchema(n)));
    const results = await Promise.all(writes);
    expect(results.map((r) => (r.ok ? 0 : r.error.code))).toEqual([0, 0, 50001]);
    const thrown = await b.write(() => {
      throw new Error('boom');
    });
    expect(thrown.ok ? 0 : thrown.error.code).toBe(50001);
    expect(value(await registerVia(b, 's', recordSchema(9))).version).toBe(3);
  });
});
