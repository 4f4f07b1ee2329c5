// Fuzz: mutated encodings of random metadata records and batches (bit flips, truncation, huge
// varints written over counts and lengths, inserted bytes, noise) must either decode to values
// within the documented limits or throw DecodeError: never another error, never more items
// than the input could hold. The checker here is written apart from the codec's own validity
// rule, so a hole in that rule shows. Fixed seed and counts, so the run is bounded and replays;
// the checker is shown catching three deliberately broken decoders.

import { describe, expect, test } from 'bun:test';
import { Prng } from '../../../../src/base/prng.ts';
import { decodeMetadataBatch, encodeMetadataBatch } from '../../../../src/cluster/controller/metadata-batch.ts';
import { decodeRecord, encodeRecord } from '../../../../src/cluster/controller/record-codec.ts';
import type { MetadataRecord } from '../../../../src/cluster/controller/records.ts';
import { DecodeError, isUuid } from '../../../../src/protocol/primitives.ts';
import { BATCH_HEADER_BYTES, BatchHeader } from '../../../../src/protocol/records/batch.ts';
import { writeBatchCrc } from '../../../../src/protocol/records/records.ts';
import { randomRecord } from './record-gen.ts';
import { mutate } from '../../../helpers/mutate.ts';

const SEED = 0xfa22;
const BASE_RECORDS = 1000;
const MUTATIONS_PER_RECORD = 40;
const BASE_BATCHES = 100;
const MUTATIONS_PER_BATCH = 40;

type Decode = (bytes: Uint8Array) => MetadataRecord;

/** What the image relies on in a decoded record, checked without the codec's code; null when sound. */
export function brokenInvariant(r: MetadataRecord, inputBytes: number): string | null {
  const int = (n: number, lo: number, hi: number) => Number.isSafeInteger(n) && n >= lo && n <= hi;
  const node = (n: number) => int(n, 0, 2 ** 31 - 1);
  const list = (ids: readonly number[]) => ids.length >= 1 && ids.length * 4 <= inputBytes && ids.every(node) && new Set(ids).size === ids.length;
  const len = (s: string, lo: number, hi: number) => s.length >= lo && s.length <= hi;
  const topicId = (id: string) => isUuid(id) && id !== 'AAAAAAAAAAAAAAAAAAAAAA';
  switch (r.type) {
    case 'cluster_id':
      return len(r.clusterId, 1, 64) ? null : 'cluster id length';
    case 'feature_level':
      return len(r.name, 1, 255) && int(r.level, 0, 0x7fff) ? null : 'feature';
    case 'register_broker':
      return node(r.nodeId) && int(r.brokerEpoch, 0, Number.MAX_SAFE_INTEGER) && len(r.kafkaEndpoint.host, 1, 255) && int(r.rpcEndpoint.port, 0, 0xffff) && isUuid(r.incarnationId)
        ? null
        : 'registration';
    case 'unregister_broker':
    case 'broker_registration_change':
      return node(r.nodeId) && int(r.brokerEpoch, 0, Number.MAX_SAFE_INTEGER) ? null : 'broker change';
    case 'broker_maintenance':
      return node(r.nodeId) && typeof r.enabled === 'boolean' ? null : 'maintenance';
    case 'broker_membership':
      return node(r.nodeId) && ['active', 'draining', 'removed'].includes(r.state) ? null : 'membership';
    case 'topic':
      return len(r.name, 1, 249) && topicId(r.topicId) ? null : 'topic';
    case 'partition':
      if (!topicId(r.topicId) || !int(r.partition, 0, 9999) || !int(r.partitionEpoch, 0, 2 ** 31 - 1)) return 'partition fields';
      return list(r.replicas) && (r.targetReplicas === null || list(r.targetReplicas)) ? null : 'replicas';
    case 'partition_change':
      if (!topicId(r.topicId) || !int(r.partition, 0, 9999)) return 'partition change fields';
      return (r.replicas === undefined || list(r.replicas)) && (r.targetReplicas == null || list(r.targetReplicas)) ? null : 'replicas';
    case 'remove_topic':
      return topicId(r.topicId) ? null : 'topic id';
    case 'config':
      return [2, 4, 32].includes(r.resourceType) && len(r.name, 1, 255) && (r.value === null || len(r.value, 0, 65536)) ? null : 'config';
    case 'producer_ids':
      return node(r.nodeId) && int(r.nextProducerId, 0, Number.MAX_SAFE_INTEGER) ? null : 'producer ids';
  }
}

/** Runs the mutations against `decode`; returns what went wrong (empty when nothing did). */
function fuzz(decode: Decode, records = BASE_RECORDS, outcomes = { decoded: 0, refused: 0 }): string[] {
  const rng = new Prng(SEED);
  const findings: string[] = [];
  for (let i = 0; i < records && findings.length < 5; i++) {
    const clean = encodeRecord(randomRecord(rng));
    for (let j = 0; j < MUTATIONS_PER_RECORD; j++) {
      const input = mutate(clean, rng);
      try {
        const broken = brokenInvariant(decode(input), input.length);
        outcomes.decoded++;
        if (broken !== null) findings.push(`record ${i} mutation ${j}: decoded, but ${broken}`);
      } catch (e) {
        outcomes.refused++;
        if (!(e instanceof DecodeError)) findings.push(`record ${i} mutation ${j}: threw ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
  }
  return findings;
}

describe('metadata record fuzz', () => {
  test(`${BASE_RECORDS * MUTATIONS_PER_RECORD} mutated records: a sound record or DecodeError, nothing else`, () => {
    const outcomes = { decoded: 0, refused: 0 };
    expect(fuzz(decodeRecord, BASE_RECORDS, outcomes)).toEqual([]);
    expect(outcomes.decoded).toBeGreaterThan(BASE_RECORDS);
    expect(outcomes.refused).toBeGreaterThan(BASE_RECORDS * 10);
  });

  test(`${BASE_BATCHES * MUTATIONS_PER_BATCH} mutated batches: sound records, null for a control batch, or DecodeError`, () => {
    const rng = new Prng(SEED + 1);
    const findings: string[] = [];
    let decoded = 0;
    for (let i = 0; i < BASE_BATCHES; i++) {
      const clean = encodeMetadataBatch(Array.from({ length: rng.int(1, 20) }, () => randomRecord(rng)), rng.int(0, 2 ** 40));
      for (let j = 0; j < MUTATIONS_PER_BATCH; j++) {
        const input = mutate(clean, rng);
        // Half the time the CRC is made right again, so mutations reach the records behind it.
        const size = input.length >= BATCH_HEADER_BYTES ? new BatchHeader(input).sizeBytes : -1;
        if (rng.chance(0.5) && size >= BATCH_HEADER_BYTES && size <= input.length) writeBatchCrc(input, 0);
        try {
          const batch = decodeMetadataBatch(input);
          if (batch === null) continue;
          decoded++;
          if (batch.records.length > input.length) findings.push(`batch ${i}.${j}: ${batch.records.length} records from ${input.length} bytes`);
          for (const r of batch.records) {
            const broken = brokenInvariant(r, input.length);
            if (broken !== null) findings.push(`batch ${i}.${j}: ${broken}`);
          }
        } catch (e) {
          if (!(e instanceof DecodeError)) findings.push(`batch ${i}.${j}: threw ${(e as Error).name}: ${(e as Error).message}`);
        }
      }
    }
    expect(findings).toEqual([]);
    expect(decoded).toBeGreaterThan(BASE_BATCHES * 5);
  });

  test('the fuzzer catches a decoder that throws something else', () => {
    const throwsRange: Decode = (b) => {
      if (b.length % 5 === 0) throw new RangeError('offset out of bounds');
      return decodeRecord(b);
    };
    expect(fuzz(throwsRange, 40).join('\n')).toContain('threw RangeError');
  });

  test('the fuzzer catches a decoder that lets a replica list naming a node twice through', () => {
    const doubling: Decode = (b) => {
      const r = decodeRecord(b);
      return r.type === 'partition' ? { ...r, replicas: [...r.replicas, r.replicas[0]] } : r;
    };
    expect(fuzz(doubling, 200).join('\n')).toContain('replicas');
  });

  test('the fuzzer catches a decoder that hands out more replicas than its input could hold', () => {
    // e.g. one that trusts a count and fills the missing ids in
    const inflating: Decode = (b) => {
      const r = decodeRecord(b);
      return r.type === 'partition' ? { ...r, replicas: Array.from({ length: b.length }, (_, i) => i) } : r;
    };
    expect(fuzz(inflating, 200).join('\n')).toContain('replicas');
  });
});
