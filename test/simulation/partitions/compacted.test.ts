// Compacted topics under the partition simulation (params.compacted, cleaning.ts): every
// replica's log is cleaned every 60 ms of simulated time, under crashes with torn writes,
// partitions, loss, leadership transfers, log start moves and DeleteRecords, with idempotent
// acks=all producers writing keyed records. Every pass is checked (compaction-checker.ts
// checkCleaned) and every replica's final log too (checkFinal), on top of the partition
// checker's own properties. One record in 7 is a tombstone, delete.retention.ms is 200 ms. Then
// four broken cleaners, each shown caught: one that cleans above the commit index, one that
// empties a control batch, one that loses a key's latest record, one that gives tombstones no
// delete.retention.ms.
// And the checker's tombstone rule on hand-made logs.

import { afterEach, expect, test } from 'bun:test';
import { BatchHeader, BATCH_HEADER_BYTES, BATCH_LENGTH_PREFIX_BYTES, RECORD_COUNT } from '../../../src/protocol/records/batch.ts';
import { writeBatchCrc } from '../../../src/protocol/records/records.ts';
import type { CleanBatchContext } from '../../../src/storage/compaction-records.ts';
import { CleaningPass } from '../../../src/storage/compaction.ts';
import { checkCleaned, checkFinal, type ImageBatch, type LogImage } from './compaction-checker.ts';
import { runPartitionSeeds } from './seeds.ts';

type CleanOne = (batch: Uint8Array, beyondMap: boolean, ctx: CleanBatchContext, keepEmpty: boolean) => Uint8Array | null;
const proto = CleaningPass.prototype as unknown as { cleanOne: CleanOne };
const original = proto.cleanOne;
afterEach(() => {
  proto.cleanOne = original;
});

const SEEDS = 30;
const COMPACTED = { params: { compacted: true } };

async function failures(options: Parameters<typeof runPartitionSeeds>[2], seeds = SEEDS): Promise<string[]> {
  const r = await runPartitionSeeds(1, seeds, options);
  return r.failures.map((f) => f.error);
}

test(`${SEEDS} compacted seeds: every pass and every final log keep Kafka's compaction guarantees`, async () => {
  const r = await runPartitionSeeds(1, SEEDS, COMPACTED);
  expect(r.failures.map((f) => `seed ${f.seed}: ${f.error} (replay: bun test/simulation/partitions/run.ts --compacted --seed ${f.seed})`)).toEqual([]);
  // The runs did what they are for: passes that removed records, under crashes and failovers.
  expect(r.totals.cleaningPasses).toBeGreaterThan(50 * SEEDS);
  expect(r.totals.recordsCleaned).toBeGreaterThan(200 * SEEDS);
  expect(r.totals.tombstonesRemoved).toBeGreaterThan(SEEDS / 6); // most tombstones go as superseded records; some after their horizon
  expect(r.totals.crashes).toBeGreaterThan(3 * SEEDS);
  expect(r.totals.transfers).toBeGreaterThan(SEEDS / 2);
  expect(r.totals.duplicates).toBeGreaterThan(0);
  expect(r.totals.acknowledgedRecords).toBeGreaterThan(100 * SEEDS);
}, 120_000);

test('a cleaner that cleans above the commit index is caught', async () => {
  const f = await failures({ ...COMPACTED, cleanerRules: () => ({ cleanableEndOffset: Infinity }) });
  expect(f.filter((e) => /InvariantViolation: .* at or above the safe bound .* was changed by the cleaner/.test(e)).length).toBeGreaterThan(0);
}, 120_000);

test('a cleaner that empties a control batch is caught', async () => {
  proto.cleanOne = function (this: CleaningPass, batch, beyondMap, ctx, keepEmpty) {
    if (new BatchHeader(batch, 0).isControl) return headerOnly(batch);
    return original.call(this, batch, beyondMap, ctx, keepEmpty);
  };
  const f = await failures(COMPACTED);
  expect(f.filter((e) => /InvariantViolation: .* the control batch at \d+ \(term \d+\) was removed/.test(e)).length).toBeGreaterThan(0);
}, 120_000);

test('a cleaner that loses the latest record of a key is caught', async () => {
  const k0 = new TextEncoder().encode('k0');
  proto.cleanOne = function (this: CleaningPass, batch, beyondMap, ctx, keepEmpty) {
    const broken: CleanBatchContext = { ...ctx, isLatest: (key, offset) => !Buffer.from(key).equals(k0) && ctx.isLatest(key, offset) };
    return original.call(this, batch, beyondMap, broken, keepEmpty);
  };
  const f = await failures(COMPACTED);
  expect(f.filter((e) => /InvariantViolation: .* the latest record of key k0 .* was removed/.test(e)).length).toBeGreaterThan(0);
}, 120_000);

test('a cleaner that gives tombstones no delete.retention.ms is caught', async () => {
  proto.cleanOne = function (this: CleaningPass, batch, beyondMap, ctx, keepEmpty) {
    return original.call(this, batch, beyondMap, { ...ctx, deleteRetentionMs: 0 }, keepEmpty);
  };
  const f = await failures(COMPACTED);
  expect(f.filter((e) => /InvariantViolation: .* was given the delete horizon \d+, sooner than delete.retention.ms/.test(e)).length).toBeGreaterThan(0);
}, 120_000);

/** A copy of the batch's header with no records (a broken cleaner's output). */
function headerOnly(batch: Uint8Array): Uint8Array {
  const out = batch.slice(0, BATCH_HEADER_BYTES);
  const view = new DataView(out.buffer);
  view.setInt32(8, BATCH_HEADER_BYTES - BATCH_LENGTH_PREFIX_BYTES);
  view.setInt32(RECORD_COUNT, 0);
  writeBatchCrc(out, 0);
  return out;
}

// ---- the tombstone rule, on hand-made images ----

function batch(offset: number, key: string, value: string | null, horizonMs: number | null = null): ImageBatch {
  return { baseOffset: offset, lastOffset: offset, term: 1, control: false, recordCount: 1, producerId: -1, baseSequence: -1, horizonMs, records: [{ offset, key, value, name: value ?? `tombstone-${offset}` }] };
}

function emptied(b: ImageBatch): ImageBatch {
  return { ...b, recordCount: 0, records: [] };
}

function image(batches: ImageBatch[]): LogImage {
  return { logStartOffset: 0, logEndOffset: batches[batches.length - 1].lastOffset + 1, batches };
}

test('the checker: a tombstone removed before its delete horizon is caught, after it is fine', () => {
  const before = image([batch(0, 'a', 'v0'), batch(1, 'a', null, 5_000), batch(2, 'b', 'v2')]);
  const removed = image([emptied(before.batches[0]), emptied(before.batches[1]), before.batches[2]]);
  const rules = (nowMs: number) => ({ cleanableEndOffset: 3, nowMs, deleteRetentionMs: 1_000 });
  expect(() => checkCleaned(before, removed, rules(4_999), 'n1')).toThrow(/the tombstone of key a at 1 was removed before its delete horizon/);
  checkCleaned(before, removed, rules(5_000), 'n1');
  const noHorizonYet = image([batch(0, 'a', 'v0'), batch(1, 'a', null), batch(2, 'b', 'v2')]);
  const removedNoHorizon = image([emptied(noHorizonYet.batches[0]), emptied(noHorizonYet.batches[1]), noHorizonYet.batches[2]]);
  expect(() => checkCleaned(noHorizonYet, removedNoHorizon, rules(10_000), 'n1')).toThrow(/before its delete horizon \(none given yet/);
  const tooSoon = image([emptied(noHorizonYet.batches[0]), { ...noHorizonYet.batches[1], horizonMs: 10_500 }, noHorizonYet.batches[2]]);
  expect(() => checkCleaned(noHorizonYet, tooSoon, rules(10_000), 'n1')).toThrow(/given the delete horizon 10500, sooner than delete.retention.ms 1000/);
  checkCleaned(noHorizonYet, { ...tooSoon, batches: [tooSoon.batches[0], { ...tooSoon.batches[1], horizonMs: 11_000 }, tooSoon.batches[2]] }, rules(10_000), 'n1');
});

test('the checker: a record whose key has a later record may go; a hole, a changed term or a moved record is caught', () => {
  const before = image([batch(0, 'a', 'v0'), batch(1, 'a', 'v1'), batch(2, 'b', 'v2')]);
  const rules = { cleanableEndOffset: 3, nowMs: 0, deleteRetentionMs: 1_000 };
  checkCleaned(before, image([emptied(before.batches[0]), before.batches[1], before.batches[2]]), rules, 'n1');
  expect(() => checkCleaned(before, { ...before, batches: [before.batches[1], before.batches[2]] }, rules, 'n1')).toThrow(/a hole in the log/);
  expect(() => checkCleaned(before, image([{ ...emptied(before.batches[0]), term: 2 }, before.batches[1], before.batches[2]]), rules, 'n1')).toThrow(/had term 1, the cleaned log says 2/);
  const moved = { ...before.batches[2], records: [{ offset: 2, key: 'b', value: 'v9', name: 'v9' }] };
  expect(() => checkCleaned(before, image([before.batches[0], before.batches[1], moved]), rules, 'n1')).toThrow(/offset 2 held b=v2, the cleaned log holds b=v9/);
  expect(() => checkCleaned(before, image([emptied(before.batches[0]), before.batches[1], emptied(before.batches[2])]), rules, 'n1')).toThrow(/the latest record of key b/);
});

test('the final check: a key\'s latest value missing, or a deleted key come back, is caught', () => {
  const keyed = { keyOf: (v: string) => v.split('=')[0], isTombstone: (v: string) => v.endsWith('=') };
  const history = new Map([[0, 'control@1'], [1, 'a=1'], [2, 'a=2'], [3, 'b=1'], [4, 'b=']]);
  const rec = (offset: number, name: string): ImageBatch => ({ ...batch(offset, name.split('=')[0], name.endsWith('=') ? null : name), records: [{ offset, key: name.split('=')[0], value: name, name }] });
  const control: ImageBatch = { baseOffset: 0, lastOffset: 0, term: 1, control: true, recordCount: 1, producerId: -1, baseSequence: -1, horizonMs: null, records: [] };
  const good = image([control, emptied(rec(1, 'a=1')), rec(2, 'a=2'), emptied(rec(3, 'b=1')), emptied(rec(4, 'b='))]);
  checkFinal(good, history, keyed, 'n1');
  expect(() => checkFinal(image([control, rec(1, 'a=1'), emptied(rec(2, 'a=2')), emptied(rec(3, 'b=1')), emptied(rec(4, 'b='))]), history, keyed, 'n1')).toThrow(/the latest value of key a \(a=2 at 2\) is missing/);
  expect(() => checkFinal(image([control, emptied(rec(1, 'a=1')), rec(2, 'a=2'), rec(3, 'b=1'), emptied(rec(4, 'b='))]), history, keyed, 'n1')).toThrow(/key b was deleted .* but an older record of it is in the final log/);
  expect(() => checkFinal(image([emptied({ ...control, control: false, recordCount: 0 }), ...good.batches.slice(1)]), history, keyed, 'n1')).toThrow(/the control batch control@1 at 0 is missing/);
});
