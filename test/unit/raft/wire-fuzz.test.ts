// Fuzz: mutated encodings of random Raft batches (bit flips, truncation, huge counts written
// over length fields, inserted bytes, noise) must either decode to a batch the core can take
// without tripping an assertion, or throw DecodeError: never another error, never more items
// than the input could back (every count is checked against the bytes left before the loop
// that reads it; arrays are built by appending, never sized from the input). Fixed seed and
// counts, so the run is bounded and replays. The checker is shown catching three deliberately
// broken decoders.

import { describe, expect, test } from 'bun:test';
import { Prng } from '../../../src/base/prng.ts';
import { DecodeError, Writer } from '../../../src/protocol/primitives.ts';
import type { Entry, Membership } from '../../../src/raft/core/index.ts';
import { decodeRaftBatch, encodeRaftBatch, NODE_ID_MAX, type RaftBatch, TERM_MAX } from '../../../src/raft/wire.ts';
import { BatchGen } from './wire-gen.ts';
import { mutate } from '../../helpers/mutate.ts';

const SEED = 0xf0aa;
const BASE_BATCHES = 1000;
const MUTATIONS_PER_BATCH = 40;

type Decode = (body: Uint8Array, version: number) => RaftBatch;

/** Remembers where varints were written, so mutations can aim at lengths and counts. */
class RecordingWriter extends Writer {
  readonly marks: number[] = [];
  override uvarint(v: number): void {
    this.marks.push(this.pos);
    super.uvarint(v);
  }
}

/** What the core relies on in a decoded batch; a description of the first thing broken, or null. */
export function brokenInvariant(batch: RaftBatch, inputBytes: number): string | null {
  const id = (n: number) => Number.isInteger(n) && n >= 0 && n <= NODE_ID_MAX;
  const term = (t: number) => Number.isInteger(t) && t >= 0 && t <= TERM_MAX;
  const index = (i: number) => Number.isSafeInteger(i) && i >= -1;
  const membership = (m: Membership) => {
    const ascending = (l: readonly number[]) => l.every((x, i) => id(x) && (i === 0 || x > l[i - 1]));
    return ascending(m.voters) && ascending(m.learners) && !m.learners.some((l) => m.voters.includes(l));
  };
  if (!id(batch.from) || !id(batch.to)) return `node ids ${batch.from}->${batch.to}`;
  if (batch.messages.length > inputBytes) return `${batch.messages.length} messages from ${inputBytes} bytes`;
  for (const { message: m } of batch.messages) {
    if (m.from !== batch.from || m.to !== batch.to) return `message ${m.from}->${m.to} in batch ${batch.from}->${batch.to}`;
    if (!term(m.term)) return `term ${m.term}`;
    if (m.type === 'append_entries') {
      if (!index(m.prevIndex) || !index(m.commit) || !term(m.prevTerm)) return 'append fields out of range';
      let next = m.prevIndex + 1;
      for (const e of m.entries as Entry[]) {
        if (e.firstIndex !== next || !(e.lastIndex >= e.firstIndex) || !Number.isSafeInteger(e.lastIndex) || !term(e.term)) return `entry ${e.firstIndex}..${e.lastIndex} after ${next - 1}`;
        if (e.kind === 'control' && e.lastIndex !== e.firstIndex) return 'control entry spans offsets';
        if (e.kind === 'control' && e.control.type === 'membership' && !membership(e.control.membership)) return 'bad membership entry';
        next = e.lastIndex + 1;
      }
    }
    if (m.type === 'install_snapshot' && (!membership(m.snapshot.membership) || !index(m.snapshot.index) || !term(m.snapshot.term))) return 'bad snapshot';
  }
  return null;
}

/** Runs the mutations against `decode`; returns what went wrong (empty when nothing did). */
function fuzz(decode: Decode, batches = BASE_BATCHES, mutations = MUTATIONS_PER_BATCH, outcomes = { decoded: 0, refused: 0 }): string[] {
  const rng = new Prng(SEED);
  const gen = new BatchGen(rng);
  const findings: string[] = [];
  for (let i = 0; i < batches && findings.length < 5; i++) {
    const w = new RecordingWriter();
    encodeRaftBatch(w, gen.batch(), 1);
    const clean = w.bytes().slice();
    for (let j = 0; j < mutations; j++) {
      const input = mutate(clean, rng, w.marks);
      try {
        const broken = brokenInvariant(decode(input, 1), input.length);
        outcomes.decoded++;
        if (broken !== null) findings.push(`batch ${i} mutation ${j}: decoded, but ${broken}`);
      } catch (e) {
        outcomes.refused++;
        if (!(e instanceof DecodeError)) findings.push(`batch ${i} mutation ${j}: threw ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
  }
  return findings;
}

describe('raft wire fuzz', () => {
  test(`${BASE_BATCHES * MUTATIONS_PER_BATCH} mutated batches: a valid batch or DecodeError, nothing else`, () => {
    const outcomes = { decoded: 0, refused: 0 };
    expect(fuzz(decodeRaftBatch, BASE_BATCHES, MUTATIONS_PER_BATCH, outcomes)).toEqual([]);
    // both paths were exercised: mutations that still decode (bit flips in values) and refusals
    expect(outcomes.decoded).toBeGreaterThan(BASE_BATCHES);
    expect(outcomes.refused).toBeGreaterThan(BASE_BATCHES * 10);
  });

  test('the fuzzer catches a decoder that throws something else', () => {
    const throwsRange: Decode = (b, v) => {
      if (b.length % 5 === 0) throw new RangeError('offset out of bounds');
      return decodeRaftBatch(b, v);
    };
    expect(fuzz(throwsRange, 40).join('\n')).toContain('threw RangeError');
  });

  test('the fuzzer catches a decoder that lets an unsorted membership through', () => {
    const unsorting: Decode = (b, v) => {
      const batch = decodeRaftBatch(b, v);
      const messages = batch.messages.map((gm) =>
        gm.message.type === 'install_snapshot' && gm.message.snapshot.membership.voters.length > 1
          ? { ...gm, message: { ...gm.message, snapshot: { ...gm.message.snapshot, membership: { ...gm.message.snapshot.membership, voters: [...gm.message.snapshot.membership.voters].reverse() } } } }
          : gm,
      );
      return { ...batch, messages };
    };
    expect(fuzz(unsorting, 40).join('\n')).toContain('bad snapshot');
  });

  test('the fuzzer catches a decoder that hands out more messages than its input could hold', () => {
    // e.g. one that trusts a count and fills the missing messages in: every message takes a byte
    const inflating: Decode = (b, v) => {
      const batch = decodeRaftBatch(b, v);
      return batch.messages.length === 0 ? batch : { ...batch, messages: Array.from({ length: b.length + 1 }, () => batch.messages[0]) };
    };
    expect(fuzz(inflating, 40).join('\n')).toContain('messages from');
  });
});
