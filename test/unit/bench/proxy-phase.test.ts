// The proxy bench phase's shape, without a node: the records it sends are the size its MB/s
// figures count (a value's bytes as the proxy stores them), and its table prints every figure,
// with the broker phases' librdkafka figures when a full run passes them.

import { describe, expect, test } from 'bun:test';
import { produceBodies, recordValue, type Throughput } from '../../../bench/proxy-drivers.ts';
import { kafkaPhaseFigures, printProxy, PROXY_SIZES_QUICK, type ProxyFigures } from '../../../bench/proxy-phase.ts';
import type { BrokerFigures } from '../../../bench/phases.ts';

describe('the records the proxy phase produces', () => {
  for (const bytes of [1, 100, 1024, 4096]) {
    test(`a binary value decodes to ${bytes} bytes`, () => {
      const v = recordValue('binary', bytes, 7);
      expect(typeof v).toBe('string');
      expect(Buffer.from(v as string, 'base64').length).toBe(bytes);
    });
  }
  for (const bytes of [100, 1024, 4096]) {
    test(`a json value is ${bytes} bytes of compact JSON (what the proxy stores: JSON.stringify)`, () => {
      for (const n of [0, 5, 899_999, 1_000_000]) expect(new TextEncoder().encode(JSON.stringify(recordValue('json', bytes, n))).length).toBe(bytes);
    });
  }
  test('a produce body holds the requested records, each with a value and no key', () => {
    const bodies = produceBodies('binary', 100, 64, 3);
    expect(bodies).toHaveLength(3);
    for (const b of bodies) {
      const parsed = JSON.parse(b) as { records: Array<Record<string, unknown>> };
      expect(parsed.records).toHaveLength(100);
      for (const r of parsed.records) expect(Object.keys(r)).toEqual(['value']);
    }
    expect(new Set(bodies).size).toBe(3);
  });
});

function rate(recordsPerS: number, concurrency = 1): Throughput {
  return { concurrency, requests: 10, records: 1000, valueBytes: 1_024_000, seconds: 1, recordsPerS, mbPerS: recordsPerS / 1000, latencyMs: { n: 10, p50: 1, p99: 2, p999: 2, max: 2 }, nodeCpuShare: 0.5, clientCpuShare: 0.1, othersCpuShare: 0.3 };
}

function figures(librdkafka: ProxyFigures['librdkafka']): ProxyFigures {
  return {
    sizes: PROXY_SIZES_QUICK,
    recordBytes: 1024,
    recordsPerRequest: 100,
    produceBinary: [rate(11_111, 1), rate(22_222, 4)],
    bestConcurrency: 4,
    produceJson: rate(33_333, 4),
    consumeBinary: { ...rate(44_444), joinMs: 3000 },
    consumeJson: { ...rate(55_555), joinMs: 3000 },
    statelessRead: [{ ...rate(66_666), maxBytes: 1024 * 1024 }, { ...rate(77_777), maxBytes: 4 * 1024 * 1024 }],
    kafkaProduce: [rate(88_888, 1), rate(99_999, 4)],
    kafkaFetch: rate(123_456),
    ceilingPost: rate(234_567, 4),
    ceilingGet: rate(345_678),
    librdkafka,
  };
}

describe('the proxy phase table', () => {
  test('prints every step with its records/s', () => {
    const lines: string[] = [];
    printProxy(figures(null), lines);
    const text = lines.join('\n');
    for (const n of ['11,111', '22,222', '33,333', '44,444', '55,555', '66,666', '77,777', '88,888', '99,999', '123,456', '234,567', '345,678']) expect(text).toContain(n);
    expect(text).toContain('produce binary, 4 client(s) (best)');
    expect(text).toContain('max_bytes=4 MiB');
    expect(text).not.toContain('librdkafka');
  });

  test("a full run's librdkafka figures are printed beside them", () => {
    const step = (records_per_s: number, mb_per_s: number) => ({ records_per_s, mb_per_s }) as unknown as BrokerFigures['acks1'];
    const broker = { acks1: step(200_000.4, 204.8), acksAll1: step(150_000, 153.6), fetch1: step(900_000, 921.6) } as unknown as BrokerFigures;
    const k = kafkaPhaseFigures(broker);
    expect(k).toEqual({ produceAcksAll: { recordsPerS: 150_000, mbPerS: 153.6 }, produceAcks1: { recordsPerS: 200_000, mbPerS: 204.8 }, consume: { recordsPerS: 900_000, mbPerS: 921.6 } });
    expect(kafkaPhaseFigures(null)).toBeNull();
    const lines: string[] = [];
    printProxy(figures(k), lines);
    expect(lines.join('\n')).toContain('produce acks=all 150,000 rec/s 153.6 MB/s, acks=1 200,000 rec/s 204.8 MB/s; consume 900,000 rec/s 921.6 MB/s');
  });
});
