// The pure parts of bench/produce-ceiling.ts: the Produce frame its light sender repeats (it
// must decode with our own Produce decoder and its batches must validate, or the broker would
// refuse every request), the correlation-id patch, the answer scanner, the reading of
// /proc/<pid>/stat and the figures. The bench's own figures are not tested.

import { describe, expect, test } from 'bun:test';
import { compress, decompress } from '../../../src/compression/index.ts';
import { decodeRequestHeader, encodeResponseHeader, skipTaggedFields } from '../../../src/protocol/header.ts';
import { Produce } from '../../../src/protocol/messages/00-produce.ts';
import { Reader, Writer } from '../../../src/protocol/primitives.ts';
import { Compression } from '../../../src/protocol/records/batch.ts';
import { decodeRecords, batchRecordsRange } from '../../../src/protocol/records/records.ts';
import { validateRecords } from '../../../src/protocol/records/validate.ts';
import { decoderFor, encoderFor, inRange } from '../../../src/protocol/schema.ts';
import { parseStat, threadRow } from '../../../bench/proc.ts';
import { alignRows, ceilingMbPerS, figures, medians, parseCase, type Readings } from '../../../bench/produce-ceiling-report.ts';
import { AnswerScanner, buildProduceFrame, checkProduceAnswer, type FrameSpec, setCorrelationId } from '../../../bench/produce-frame.ts';

const NOW = 1_700_000_000_000;
const SPEC: FrameSpec = {
  topic: 'ceiling',
  partitions: 4,
  version: 7,
  recordBytes: 1024,
  recordsPerBatch: 8,
  compression: Compression.None,
  payload: 'mixed',
  timestampMs: NOW,
  clientId: 'bench-ceiling',
  acks: 1,
  timeoutMs: 30_000,
};

function decodeFrame(bytes: Uint8Array, version: number) {
  const r = new Reader(bytes);
  const size = r.int32();
  const header = decodeRequestHeader(r);
  const flexible = inRange(Produce.flexible, version);
  if (flexible) skipTaggedFields(r);
  const body = decoderFor(Produce.request, version, flexible)(r);
  return { size, header, body, left: r.remaining };
}

describe('buildProduceFrame', () => {
  for (const [version, compression] of [[7, Compression.None], [9, Compression.None], [7, Compression.Lz4], [9, Compression.Zstd]] as const) {
    test(`Produce v${version}, compression ${compression}: decodes with our Produce decoder and every batch validates`, () => {
      const frame = buildProduceFrame({ ...SPEC, version, compression }, compress);
      const { size, header, body, left } = decodeFrame(frame.bytes, version);
      expect(size).toBe(frame.bytes.length - 4);
      expect(left).toBe(0);
      expect(header).toEqual({ apiKey: Produce.apiKey, apiVersion: version, correlationId: 0, clientId: 'bench-ceiling' });
      expect(frame.flexible).toBe(version >= 9);
      expect(body.acks).toBe(1);
      expect(body.topicData.map((t) => t.name)).toEqual(['ceiling']);
      const parts = body.topicData[0]!.partitionData;
      expect(parts.map((p) => p.index)).toEqual([0, 1, 2, 3]);
      for (const p of parts) {
        const v = validateRecords(p.records!, { maxMessageBytes: 1 << 20, timestampType: 'CreateTime' }, NOW, decompress, { produceVersion: version });
        if (!v.ok) throw new Error(v.error.message ?? `error ${v.error.code}`);
        expect(v.batches).toHaveLength(1);
        expect(v.batches[0]!).toMatchObject({ recordCount: 8, producerId: -1, baseSequence: -1, compression, isTransactional: false });
      }
      expect(frame.records).toBe(32);
      expect(frame.recordBytes).toBe(32 * 1024);
    });
  }

  test('mixed records are half random, half a..z, and differ from one another', () => {
    const frame = buildProduceFrame(SPEC, compress);
    const batch = decodeFrame(frame.bytes, 7).body.topicData[0]!.partitionData[1]!.records!;
    const { start, end } = batchRecordsRange(batch);
    const values = decodeRecords(batch, start, end, 8).map((r) => r.value!);
    expect(values.every((v) => v.length === 1024)).toBe(true);
    // The a..z half keeps its place in the record: 520 is the first multiple of 26 past 512.
    expect(Buffer.from(values[0]!.subarray(520, 546)).toString()).toBe('abcdefghijklmnopqrstuvwxyz');
    expect(new Set(values.map((v) => Buffer.from(v.subarray(0, 512)).toString('hex'))).size).toBe(8);
  });

  test('a compressed mixed frame is about half the size of its records', () => {
    const frame = buildProduceFrame({ ...SPEC, compression: Compression.Lz4 }, compress);
    expect(frame.bytes.length).toBeLessThan(frame.recordBytes * 0.7);
    expect(frame.bytes.length).toBeGreaterThan(frame.recordBytes * 0.4);
  });

  test('refuses Produce v13 (topics by id) and versions outside the definition', () => {
    expect(() => buildProduceFrame({ ...SPEC, version: 13 }, compress)).toThrow('v3-12');
    expect(() => buildProduceFrame({ ...SPEC, version: 2 }, compress)).toThrow('v3-12');
  });
});

describe('setCorrelationId', () => {
  test('changes the header correlation id and no other byte', () => {
    for (const version of [7, 9]) {
      const frame = buildProduceFrame({ ...SPEC, version }, compress);
      const before = frame.bytes.slice();
      setCorrelationId(frame.bytes, 0x12345678);
      expect(decodeFrame(frame.bytes, version).header.correlationId).toBe(0x12345678);
      let changed = 0;
      for (let i = 0; i < before.length; i++) if (before[i] !== frame.bytes[i]) changed++;
      expect(changed).toBe(4);
    }
  });
});

function answer(id: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + body.length);
  const view = new DataView(out.buffer);
  view.setInt32(0, 4 + body.length);
  view.setInt32(4, id);
  out.set(body, 8);
  return out;
}

describe('AnswerScanner', () => {
  const stream = Buffer.concat([answer(5, new Uint8Array([1, 2, 3])), answer(6, new Uint8Array(0)), answer(7, new Uint8Array([9, 9, 9, 9, 9]))]);

  test('counts answers cut at every byte boundary, and keeps the chosen one', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const s = new AnswerScanner(5, 7);
      const a = s.push(stream.subarray(0, cut));
      const b = s.push(stream.subarray(cut));
      expect([typeof a, typeof b]).toEqual(['number', 'number']);
      expect((a as number) + (b as number)).toBe(3);
      expect(s.answers).toBe(3);
      expect([...s.kept!]).toEqual([0, 0, 0, 7, 9, 9, 9, 9, 9]);
    }
  });

  test('one byte at a time', () => {
    const s = new AnswerScanner(5, 5);
    let n = 0;
    for (const b of stream) n += s.push(new Uint8Array([b])) as number;
    expect(n).toBe(3);
    expect([...s.kept!]).toEqual([0, 0, 0, 5, 1, 2, 3]);
  });

  test('refuses an answer out of order and one past the size limit', () => {
    expect(new AnswerScanner(6, 6).push(stream)).toBe('correlation id 5, expected 6');
    const huge = new Uint8Array(8);
    new DataView(huge.buffer).setInt32(0, (1 << 20) + 1);
    expect(new AnswerScanner(0, 0).push(huge)).toContain('limit');
  });
});

function produceAnswer(version: number, partitions: { index: number; errorCode: number }[]): Uint8Array {
  const flexible = inRange(Produce.flexible, version);
  const w = new Writer(256);
  encodeResponseHeader(w, 1, flexible);
  encoderFor(Produce.response, version, flexible)(w, {
    responses: [{ name: 'ceiling', partitionResponses: partitions.map((p) => ({ ...p, baseOffset: 0 })) }],
    throttleTimeMs: 0,
  });
  return w.bytes();
}

describe('checkProduceAnswer', () => {
  test('no problems when every partition answers without an error (header v0 and v1)', () => {
    for (const version of [7, 9]) {
      const parts = [0, 1, 2, 3].map((index) => ({ index, errorCode: 0 }));
      expect(checkProduceAnswer(produceAnswer(version, parts), version, 'ceiling', 4)).toEqual([]);
    }
  });

  test('names a partition with an error and one without an answer', () => {
    const body = produceAnswer(9, [{ index: 0, errorCode: 0 }, { index: 1, errorCode: 6 }, { index: 3, errorCode: 0 }]);
    expect(checkProduceAnswer(body, 9, 'ceiling', 4)).toEqual(['partition 1: NOT_LEADER_OR_FOLLOWER', 'partition 2: no answer']);
  });
});

describe('threadRow', () => {
  test('the pid is main; a pool of numbered threads is one row', () => {
    expect(threadRow(40, 40, 'freshet')).toBe('main');
    expect(threadRow(40, 41, 'Bun Pool 3')).toBe('Bun Pool');
    expect(threadRow(40, 42, 'JITWorker')).toBe('JITWorker');
    expect(threadRow(40, 43, '1234')).toBe('unnamed');
  });
});

describe('parseStat', () => {
  test('counts fields from the last parenthesis, so a command name with spaces and ) is read right', () => {
    const fields = ['S', '1', '2', '3', '0', '-1', '4194560', '4242', '0', '7', '0', '1234', '567', '0', '0', '20', '0', '6'];
    expect(parseStat(`4321 (Bun Pool (1)) ${fields.join(' ')}\n`)).toEqual({ userS: 12.34, sysS: 5.67, minflt: 4242 });
  });
});

function readings(over: Partial<Readings> = {}): Readings {
  const cpu = (userS: number, sysS: number, minflt: number) => ({ userS, sysS, minflt });
  return {
    seconds: 2,
    requests: 1024,
    recordBytes: 2 ** 30,
    wireBytes: 2 ** 30 * 1.01,
    broker: { before: cpu(10, 5, 1000), after: cpu(11, 5.5, 51000) },
    brokerMain: { before: cpu(8, 4, 0), after: cpu(8.8, 4.2, 0) },
    senderUs: { user: 200_000, system: 100_000 },
    machineBusyS: 2.3,
    threads: { before: new Map([['main', 12], ['Bun Pool', 1]]), after: new Map([['main', 13], ['Bun Pool', 1.004], ['Worker', 0.4]]) },
    load1mStart: 0.5,
    load1mEnd: 1.5,
    ...over,
  };
}

describe('figures', () => {
  test('per GiB of records: broker, main thread, faults, sender, and the rest of the machine per second', () => {
    const f = figures(readings(), { case: 't1', mode: 'durable', round: 2 }, 2);
    expect(f.mbPerS).toBeCloseTo(2 ** 30 / 1e6 / 2, 6);
    expect(f.brokerCpuPerGiB).toBeCloseTo(1.5, 9);
    expect(f.brokerUserPerGiB).toBeCloseTo(1, 9);
    expect(f.brokerSysPerGiB).toBeCloseTo(0.5, 9);
    expect(f.mainCpuPerGiB).toBeCloseTo(1, 9);
    expect(f.mainSysPerGiB).toBeCloseTo(0.2, 9);
    expect(f.minfltPerGiB).toBe(50000);
    expect(f.senderCpuPerGiB).toBeCloseTo(0.3, 9);
    expect(f.othersCpuPerS).toBeCloseTo((2.3 - 1.5 - 0.3) / 2, 9);
    // A row born during the run counts from 0; one that barely moved is left out.
    expect(f.threadsCpuPerGiB).toEqual({ main: 1, Worker: 0.4 });
    // The main thread (1 CPU-s/GiB) binds before the process on two cores (1.5 / 2).
    expect(f.ceilingMbPerS).toBeCloseTo(2 ** 30 / 1e6, 6);
  });

  test('ceiling: the process binds when its threads outweigh the main one', () => {
    expect(ceilingMbPerS(3, 1, 2)).toBeCloseTo((2 / 3) * 2 ** 30 / 1e6, 6);
    expect(ceilingMbPerS(3, 1, 4)).toBeCloseTo(2 ** 30 / 1e6, 6);
  });

  test('medians per mode and case, in first-seen order', () => {
    const runs = [1, 2, 3].flatMap((round) => [
      figures(readings({ seconds: round }), { case: 't0', mode: 'dev', round }, 2),
      figures(readings(), { case: 't1', mode: 'dev', round }, 2),
    ]);
    const m = medians(runs);
    expect(m.map((r) => r.case)).toEqual(['t0', 't1']);
    expect(m[0]!.seconds).toBe(2);
    expect(m[0]!.threadsCpuPerGiB).toEqual({ main: 1, Worker: 0.4 });
  });
});

describe('alignRows', () => {
  test('every line as wide as the rule; text columns left, figures right', () => {
    const lines = alignRows(['run', 'mode', 'case', 'MB/s'], [['round 1', 'durable', 't0', '512'], ['median', '--dev', 't1', '1024']]);
    expect(lines[1]).toBe('-------  -------  ----  ----');
    expect(lines[2]).toBe('round 1  durable  t0     512');
    expect(lines[3]).toBe('median   --dev    t1    1024');
  });
});

describe('parseCase', () => {
  test('default sets nothing, tN the validation threads, key=value any property', () => {
    expect(parseCase('default')).toEqual({ name: 'default', settings: {} });
    expect(parseCase('t1')).toEqual({ name: 't1', settings: { 'produce.validation.threads': '1' } });
    expect(parseCase('log.segment.bytes=1048576')).toEqual({ name: 'log.segment.bytes=1048576', settings: { 'log.segment.bytes': '1048576' } });
    expect(parseCase('fast')).toContain('expected default');
  });
});
