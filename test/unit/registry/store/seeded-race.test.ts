// Three nodes' stores on one `_schemas` log under simulated time, from a seed: each node
// registers schemas at random moments with random append latencies, some of the same schemas
// under other subjects, so writes race. After every run the invariants the registry promises
// (Confluent's API reference: an id names one schema in the whole registry, the same schema
// keeps one id, a registration answers the id and version stored) are checked against every
// node's state and against the log itself. A failing seed replays exactly.

import { describe, expect, test } from 'bun:test';
import { ManualClock } from '../../../../src/base/clock.ts';
import { Prng } from '../../../../src/base/prng.ts';
import { SimScheduler } from '../../../../src/base/scheduler.ts';
import { register } from '../../../../src/registry/registry-writes.ts';
import { contentKey, type Outcome, RegistryState, type SchemaContent } from '../../../../src/registry/registry-state.ts';
import { decodeRecord, type SchemaValue } from '../../../../src/registry/schemas-records.ts';
import { MemorySchemasLog } from '../../../../src/registry/store/memory-schemas-log.ts';
import { TopicRegistryBackend } from '../../../../src/registry/store/topic-backend.ts';
import { SimLoop } from '../../../simulation/sim-loop.ts';

const NODES = 3;
const REGISTRATIONS_PER_NODE = 15;
const SUBJECTS = ['orders', 'payments', 'users', 'audit'];
/** Fewer schemas than registrations: the same schema is registered under several subjects. */
const SCHEMAS = 12;
const SEEDS = 25;
/** Simulated time a run may take; far above what it needs. */
const RUN_LIMIT_MS = 10 * 60_000;

const schemaOf = (n: number): SchemaContent => ({ references: [], schema: `{"type":"record","name":"S${n}","fields":[]}` });

interface Answer {
  readonly subject: string;
  readonly content: SchemaContent;
  readonly outcome: Outcome<{ id: number; version: number }>;
}

/** With faults: about one append in ten fails before landing, one in ten lands with its answer lost. */
async function runSeed(seed: number, faults = false): Promise<{ nodes: TopicRegistryBackend[]; log: MemorySchemasLog; answers: Answer[] }> {
  const prng = new Prng(seed);
  const scheduler = new SimScheduler(new ManualClock());
  const loop = new SimLoop(scheduler);
  const log = new MemorySchemasLog(scheduler);
  log.faults.appendDelayMsOf = () => {
    if (faults) {
      log.faults.failAppends = prng.chance(0.1) ? { kind: prng.pick(['unavailable', 'timeout'] as const), count: 1 } : null;
      if (prng.chance(0.1)) log.faults.loseAppendAnswers = 1;
    }
    return prng.int(0, 8);
  };
  const nodes = Array.from({ length: NODES }, (_, i) => new TopicRegistryBackend(log, { scheduler, name: `node ${i}` }));
  for (const n of nodes) n.start();
  const answers: Answer[] = [];
  const pending: Array<Promise<void>> = [];
  for (const node of nodes) {
    let atMs = 0;
    for (let r = 0; r < REGISTRATIONS_PER_NODE; r++) {
      atMs += prng.int(0, 15);
      const subject = prng.pick(SUBJECTS);
      const content = schemaOf(prng.int(1, SCHEMAS));
      pending.push(
        new Promise<void>((resolve) => {
          scheduler.after(atMs, () => {
            void node
              .write((state) => {
                const x = register(state, { subject, content });
                return x.ok ? { ok: true, value: { records: x.value.records, result: { id: x.value.id, version: x.value.version } } } : x;
              })
              .then((outcome) => {
                answers.push({ subject, content, outcome });
                resolve();
              });
          });
        }),
      );
    }
  }
  await loop.run(Promise.all(pending), RUN_LIMIT_MS, `seed ${seed}: every registration answered`);
  const end = log.records.at(-1)!.offset + 1;
  await loop.until(() => nodes.every((n) => n.status.appliedTo === end), RUN_LIMIT_MS, `seed ${seed}: every node reading to the end`);
  for (const n of nodes) {
    const closing = n.close();
    await loop.run(closing, RUN_LIMIT_MS, 'close');
  }
  return { nodes, log, answers };
}

describe('three nodes registering at once, seeded', () => {
  test(`the registry's promises hold for ${SEEDS} seeds`, async () => {
    let retries = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { nodes, log, answers } = await runSeed(seed);
      const where = `seed ${seed}`;
      expect(answers.length, where).toBe(NODES * REGISTRATIONS_PER_NODE);
      const idOfContent = new Map<string, number>();
      for (const a of answers) {
        // Every registration succeeds (no 5xx) ...
        if (!a.outcome.ok) throw new Error(`${where}: ${a.subject} answered ${a.outcome.error.code} ${a.outcome.error.message}`);
        const { id, version } = a.outcome.value;
        const key = contentKey(a.content);
        // ... one schema has one id everywhere ...
        expect(idOfContent.get(key) ?? id, `${where}: ${a.subject} id`).toBe(id);
        idOfContent.set(key, id);
        // ... and every node stores what the caller was told.
        for (const n of nodes) {
          const stored = n.state.getVersion(a.subject, String(version), false);
          expect(stored.ok && stored.value.id, `${where}: ${a.subject} v${version}`).toBe(id);
          expect(stored.ok && contentKey(stored.value), where).toBe(key);
        }
      }
      // An id names one schema.
      expect(new Set(idOfContent.values()).size, where).toBe(idOfContent.size);
      // Every node holds the same state.
      for (const s of SUBJECTS) for (const n of nodes.slice(1)) expect(n.state.versionsOf(s, true), `${where}: ${s}`).toEqual(nodes[0].state.versionsOf(s, true));
      // In log order, every new id applied is above every id before it (IncrementalIdGenerator).
      const replay = new RegistryState();
      let highest = 0;
      for (const r of log.records) {
        const d = decodeRecord(r.key!, r.value);
        if (!d.ok) throw new Error(`${where}: undecodable record`);
        const v = d.value.value as SchemaValue | null;
        const fresh = d.value.key.keytype === 'SCHEMA' && v !== null && replay.contentKeyOfId(v.id) === undefined;
        if (replay.apply(d.value) === null && fresh) {
          expect(v!.id, `${where}: offset ${r.offset}`).toBeGreaterThan(highest);
          highest = v!.id;
        }
      }
      retries += nodes.reduce((n, b) => n + b.status.writeRetries, 0);
    }
    // The seeds made the nodes race: some writes lost and were computed again.
    expect(retries).toBeGreaterThan(0);
  }, 60_000);

  test(`with appends failing and answers lost, what was answered still holds, for ${SEEDS} seeds`, async () => {
    let failures = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { nodes, log, answers } = await runSeed(seed, true);
      const where = `seed ${seed} (faults)`;
      expect(answers.length, where).toBe(NODES * REGISTRATIONS_PER_NODE);
      for (const a of answers) {
        // A failure is one of Confluent's store errors, never anything else.
        if (!a.outcome.ok) {
          expect([50001, 50002], where).toContain(a.outcome.error.code);
          failures++;
          continue;
        }
        for (const n of nodes) {
          const stored = n.state.getVersion(a.subject, String(a.outcome.value.version), false);
          expect(stored.ok && stored.value.id, `${where}: ${a.subject}`).toBe(a.outcome.value.id);
        }
      }
      // Whatever landed, the log gives one id per schema and one schema per id, on every node.
      const idsByContent = new Map<string, Set<number>>();
      for (const s of SUBJECTS) {
        for (const v of nodes[0].state.versionsOf(s, true)) {
          const ids = idsByContent.get(contentKey(v)) ?? new Set<number>();
          idsByContent.set(contentKey(v), ids.add(v.id));
        }
        for (const n of nodes.slice(1)) expect(n.state.versionsOf(s, true), `${where}: ${s}`).toEqual(nodes[0].state.versionsOf(s, true));
      }
      for (const ids of idsByContent.values()) expect(ids.size, where).toBe(1);
      expect(log.records.length, where).toBeGreaterThan(0);
    }
    expect(failures).toBeGreaterThan(0);
  }, 60_000);
});
