// The peer phase's pure parts, without a broker: the Kafka server.properties (Kafka's KRaft
// rules), the cluster id (Kafka's Uuid string form), the java command lines (Kafka's bin/
// scripts), the Metadata readiness probe's bytes (against kafkajs's own encoder and decoder),
// the driver's and Kafka's perf tools' arguments and output, and the Freshet/Kafka ratio table.

import { describe, expect, test } from 'bun:test';
import { clusterId, formatArgv, propertiesText, serverArgv, serverProperties, SHARED_SETTINGS, type JavaCommand, type KafkaNode } from '../../../bench/kafka-peer/config.ts';
import { brokerCountOf, metadataV4Request } from '../../../bench/kafka-peer/metadata.ts';
import { consumerPerfArgv, parseConsumerPerf, parseProducerPerf, parseProducerWindow, producerPerfArgv } from '../../../bench/kafka-peer/perf-tools.ts';
import { CLIMB_SIDES, consumeArgv, latencyOverBytes, PEER_PAIRS, printClimb, type ClimbWindow, PEER_STEPS, peerTable, peerTopics, printPeerTable, produceArgv, WARMUP_TOPIC, type PeerSession } from '../../../bench/peer-report.ts';
// kafkajs's own protocol code (not ours): the request framing and the Metadata v4 schema.
// @ts-expect-error kafkajs ships no types for its internals
import encodeRequest from 'kafkajs/src/protocol/request.js';
// @ts-expect-error kafkajs ships no types for its internals
import metadataV4 from 'kafkajs/src/protocol/requests/metadata/v4/request.js';
// @ts-expect-error kafkajs ships no types for its internals
import metadataV4Response from 'kafkajs/src/protocol/requests/metadata/v4/response.js';
// @ts-expect-error kafkajs ships no types for its internals
import Encoder from 'kafkajs/src/protocol/encoder.js';

const node = (durability: KafkaNode['durability']): KafkaNode => ({ port: 19092, controllerPort: 19093, logDir: '/data/k/logs', durability });
const asMap = (n: KafkaNode) => new Map(serverProperties(n));

describe('server.properties of the single-node KRaft broker', () => {
  test('combined mode: broker and controller roles, this node the only voter on the controller port', () => {
    const p = asMap(node('default'));
    expect(p.get('process.roles')).toBe('broker,controller');
    const id = p.get('node.id');
    expect(p.get('controller.quorum.voters')).toBe(`${id}@127.0.0.1:19093`);
  });

  test('every listener is on loopback; the controller listener is the one controller.listener.names names, and clients are advertised only the broker listener', () => {
    const p = asMap(node('default'));
    const listeners = new Map(p.get('listeners')!.split(',').map((l) => { const m = /^([A-Z_]+):\/\/([^:]+):(\d+)$/.exec(l)!; return [m[1]!, { host: m[2], port: Number(m[3]) }]; }));
    expect([...listeners.values()].every((l) => l.host === '127.0.0.1')).toBe(true);
    expect(listeners.get(p.get('controller.listener.names')!)!.port).toBe(19093);
    expect(listeners.get(p.get('inter.broker.listener.name')!)!.port).toBe(19092);
    expect(p.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:19092');
    // Every listener name maps to a security protocol (KafkaConfig rejects one that does not).
    const map = new Map(p.get('listener.security.protocol.map')!.split(',').map((e) => e.split(':') as [string, string]));
    for (const name of listeners.keys()) expect(map.has(name)).toBe(true);
  });

  test('internal topics need replication factor 1 on a single node (their default 3 cannot be placed)', () => {
    const p = asMap(node('default'));
    expect(p.get('offsets.topic.replication.factor')).toBe('1');
    expect(p.get('transaction.state.log.replication.factor')).toBe('1');
    expect(p.get('share.coordinator.state.topic.replication.factor')).toBe('1');
    expect(p.get('log.dirs')).toBe('/data/k/logs');
  });

  test('the settings Freshet is also given are in the Kafka config with the same values', () => {
    const p = asMap(node('default'));
    expect(SHARED_SETTINGS.length).toBeGreaterThan(0);
    for (const [k, v] of SHARED_SETTINGS) expect(p.get(k)).toBe(v);
  });

  test("Kafka's default durability sets no log.flush key (the default interval is Long.MAX_VALUE: the OS flushes)", () => {
    expect([...asMap(node('default')).keys()].filter((k) => k.startsWith('log.flush.'))).toEqual([]);
  });

  test('flush-per-message sets log.flush.interval.messages=1 and nothing else differs', () => {
    const d = asMap(node('default'));
    const f = asMap(node('flush-per-message'));
    expect(f.get('log.flush.interval.messages')).toBe('1');
    f.delete('log.flush.interval.messages');
    expect(f).toEqual(d);
  });

  test('the properties text is one key=value a line, each key once', () => {
    const text = propertiesText(serverProperties(node('flush-per-message')));
    if (text instanceof Error) throw text;
    const lines = text.trimEnd().split('\n');
    const keys = lines.map((l) => l.slice(0, l.indexOf('=')));
    expect(new Set(keys).size).toBe(keys.length);
    expect(lines).toContain('log.flush.interval.messages=1');
  });

  test('a value a properties reader would read differently is refused, not written', () => {
    expect(propertiesText([['log.dirs', 'a\nb']])).toBeInstanceOf(Error);
    expect(propertiesText([['log.dirs', 'C:\\kafka']])).toBeInstanceOf(Error);
    expect(propertiesText([['log.dirs', ' /x']])).toBeInstanceOf(Error);
    expect(propertiesText([['a=b', 'c']])).toBeInstanceOf(Error);
  });
});

describe('the cluster id (org.apache.kafka.common.Uuid#toString: URL-safe base64, no padding)', () => {
  test('16 bytes give 22 characters that decode back to the same bytes', () => {
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => i * 17 + 3);
    const id = clusterId(bytes);
    if (id instanceof Error) throw id;
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect([...Buffer.from(id, 'base64url')]).toEqual([...bytes]);
  });

  test("Kafka's reserved ids (ZERO_UUID, ONE_UUID) and ids starting with '-' are refused", () => {
    expect(clusterId(new Uint8Array(16))).toBeInstanceOf(Error);
    const one = new Uint8Array(16);
    one[15] = 1;
    expect(clusterId(one)).toBeInstanceOf(Error);
    const dash = new Uint8Array(16).fill(7);
    dash[0] = 0xf8; // top 6 bits 62: '-' in the URL-safe alphabet
    expect(clusterId(dash)).toBeInstanceOf(Error);
    expect(clusterId(new Uint8Array(15))).toBeInstanceOf(Error);
  });
});

describe("the java command lines (Kafka's bin/kafka-server-start.sh, kafka-run-class.sh, kafka-storage.sh)", () => {
  const cmd: JavaCommand = { java: 'java', classpath: 'lib/*', log4jConfig: 'log4j2.properties' };
  test('the server runs kafka.Kafka with the 1 GiB fixed heap and G1 settings of kafka-server-start.sh', () => {
    const argv = serverArgv(cmd, 'server.properties');
    for (const a of ['-Xmx1G', '-Xms1G', '-server', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35']) expect(argv).toContain(a);
    expect(argv.slice(-2)).toEqual(['kafka.Kafka', 'server.properties']);
    expect(argv[argv.indexOf('-cp') + 1]).toBe('lib/*');
  });
  test('the format step is kafka.tools.StorageTool format with the cluster id and config, on the tools heap', () => {
    const argv = formatArgv(cmd, 'server.properties', 'AAECAwQFBgcICQoLDA0ODw');
    const main = argv.indexOf('kafka.tools.StorageTool');
    expect(argv.slice(main + 1, main + 2)).toEqual(['format']);
    expect(argv[argv.indexOf('--cluster-id') + 1]).toBe('AAECAwQFBgcICQoLDA0ODw');
    expect(argv[argv.indexOf('--config') + 1]).toBe('server.properties');
    expect(argv).toContain('-Xmx256M');
    expect(argv).not.toContain('-Xms1G');
  });
});

describe('the Metadata v4 readiness probe', () => {
  test('its bytes are what kafkajs encodes for Metadata v4, all topics, no auto-creation', async () => {
    const ours = metadataV4Request();
    const view = new DataView(ours.buffer);
    const correlationId = view.getInt32(8);
    const clientId = new TextDecoder().decode(ours.subarray(14, 14 + view.getInt16(12)));
    const theirs = await encodeRequest({ correlationId, clientId, request: metadataV4({ topics: [], allowAutoTopicCreation: false }) });
    expect([...ours]).toEqual([...theirs.buffer]);
  });

  const response = (correlationId: number, brokers: number) => {
    // MetadataResponse v4 field by field (Kafka's MetadataResponse.json): throttle, brokers,
    // cluster id, controller id, topics.
    const body = new Encoder()
      .writeInt32(0)
      .writeArray(Array.from({ length: brokers }, (_, i) => new Encoder().writeInt32(i + 1).writeString('127.0.0.1').writeInt32(9092).writeString(null)))
      .writeString('AAECAwQFBgcICQoLDA0ODw')
      .writeInt32(1)
      .writeArray([]);
    const frame = new Encoder().writeInt32(4 + body.size()).writeInt32(correlationId).writeEncoder(body).buffer as Buffer;
    return { frame: new Uint8Array(frame), body: frame.subarray(8) };
  };

  test('the broker count is read where kafkajs decodes it from', async () => {
    const correlationId = new DataView(metadataV4Request().buffer).getInt32(8);
    for (const n of [0, 1, 3]) {
      const { frame, body } = response(correlationId, n);
      const decoded = await metadataV4Response.decode(body);
      expect(decoded.brokers.length).toBe(n);
      expect(brokerCountOf(frame)).toBe(n);
    }
  });

  test('a partial frame asks for more; an answer to another request is not ours', () => {
    const correlationId = new DataView(metadataV4Request().buffer).getInt32(8);
    const { frame } = response(correlationId, 1);
    for (const cut of [0, 3, 8, frame.length - 1]) expect(brokerCountOf(frame.subarray(0, cut))).toBe('short');
    expect(brokerCountOf(response(correlationId + 1, 1).frame)).toBeInstanceOf(Error);
  });
});

describe('the steps and the driver arguments', () => {
  const flag = (argv: string[], name: string) => argv[argv.indexOf(name) + 1];
  test('each consume reads a topic an earlier produce step wrote, with its partition count', () => {
    PEER_STEPS.forEach((s, i) => {
      if (s.kind !== 'consume' && s.kind !== 'java-consume') return;
      const writer = PEER_STEPS.slice(0, i).find((p) => (p.kind === 'produce' || p.kind === 'java-produce') && p.topic === s.topic);
      expect(writer?.partitions).toBe(s.partitions);
    });
  });
  test('the created topics are every step topic and the warm-up topic, each once', () => {
    const topics = peerTopics();
    expect(topics.map((t) => t.topic).sort()).toEqual([...new Set([WARMUP_TOPIC, ...PEER_STEPS.map((s) => s.topic)])].sort());
    expect(topics.find((t) => t.topic === 'peer-acks1-p16')?.partitions).toBe(16);
  });
  test('produce: 1 KiB records, acks and partitions as the step says', () => {
    const argv = produceArgv('drv', '127.0.0.1:1', { topic: 't', acks: 'all', partitions: 16 }, 1000, 9);
    expect(argv.slice(0, 2)).toEqual(['drv', 'produce']);
    expect([flag(argv, '--acks'), flag(argv, '--partitions'), flag(argv, '--size'), flag(argv, '--records'), flag(argv, '--topic')]).toEqual(['all', '16', '1024', '1000', 't']);
  });
  test('consume: all partitions of the topic, the records produced', () => {
    const argv = consumeArgv('drv', '127.0.0.1:1', { topic: 't', partitions: 16 }, 777, 9);
    expect([argv[1], flag(argv, '--partitions'), flag(argv, '--records')]).toEqual(['consume', '16', '777']);
  });
});

describe('the Freshet/Kafka table', () => {
  const step = (mbPerS: number, brokerCpuS: number) => ({ mbPerS, bytes: 1024 ** 3, brokerCpuS, clientCpuS: 0, seconds: 1, othersCpuShare: 0, errors: 0 });
  const session = (side: 'kafka' | 'freshet', round: number, mb: number, cpu: number, readyMs: number): PeerSession => ({
    pair: 'default',
    side,
    round,
    readyMs,
    formatMs: null,
    idleRssKiB: 100 * 1024,
    peakRssKiB: 200 * 1024,
    steps: Object.fromEntries(PEER_STEPS.map((s) => [s.id, step(mb, cpu)])),
  });
  const sessions = [session('kafka', 0, 100, 4, 5000), session('freshet', 0, 300, 1, 100), session('kafka', 1, 200, 6, 7000), session('freshet', 1, 100, 3, 300), session('freshet', 2, 200, 2, 200)];
  const t = peerTable(PEER_PAIRS[0]!, sessions);
  const row = (name: string) => t.rows.find((r) => r.figure === name)!;

  test('each side is the median of its rounds; the ratio is Freshet over Kafka', () => {
    const r = row('produce acks=1, 1 partition');
    expect(r.kafkaRuns).toEqual([100, 200]);
    // Two rounds: the mean of both (a nearest-rank median would take the best MB/s but the
    // worst CPU of two, favouring neither side but skewing each figure its own way).
    expect(r.kafka).toBe(150);
    expect(r.freshetRuns).toEqual([300, 100, 200]);
    expect(r.freshet).toBe(200);
    expect(r.ratio).toBe(200 / 150);
    expect(r.freshetAhead).toBe(true);
  });
  test('lower is better for CPU per GiB and start-up: a ratio under 1 is ahead', () => {
    const cpu = row('broker CPU per GiB produced (acks=1, 1 partition)');
    expect([cpu.kafka, cpu.freshet, cpu.ratio, cpu.freshetAhead]).toEqual([5, 2, 2 / 5, true]);
    const ready = row('start to ready (first Metadata answer)');
    expect(ready.freshetAhead).toBe(true);
  });
  test('a pair with no sessions has no ratio, and other pairs are not mixed in', () => {
    const other = peerTable(PEER_PAIRS[1]!, sessions);
    expect(other.rows.every((r) => r.kafka === null && r.freshet === null && r.ratio === null && r.freshetAhead === null)).toBe(true);
  });
  test('the printed table has a line per figure with both values and the ratio', () => {
    const lines: string[] = [];
    printPeerTable(t, lines);
    expect(lines.length).toBe(3 + t.rows.length);
    expect(lines.find((l) => l.includes('produce acks=1, 1 partition'))).toMatch(/150\.0 MB\/s\s+200\.0 MB\/s\s+1\.33\s+ahead/);
    expect(lines.find((l) => l.includes('start to ready'))).toMatch(/6000 ms\s+200 ms\s+0\.03\s+ahead/);
  });
});

describe("Kafka's perf tools (kafka-producer-perf-test.sh, kafka-consumer-perf-test.sh)", () => {
  const cmd: JavaCommand = { java: 'java', classpath: 'lib/*', log4jConfig: 'tools-log4j2.properties' };
  // Printed by Kafka 4.4.0's tools against a broker (the tool's progress line comes first).
  const producerOut = [
    '47596 records sent, 9515.4 records/sec (9.29 MB/sec), 2197.8 ms avg latency, 3129.0 ms max latency.',
    '50000 records sent, 9706.853038 records/sec (9.48 MB/sec), 2157.04 ms avg latency, 3129.00 ms max latency, 2173 ms 50th, 3077 ms 95th, 3113 ms 99th, 3128 ms 99.9th.',
    '',
  ].join('\n');
  const consumerOut = [
    'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec',
    '[2026-12-07 21:00:57,517] WARN a log line between the header and the values (org.example)',
    '2026-12-07 21:01:44:596, 2026-12-07 21:01:47:757, 48.8281, 15.4470, 50000, 15817.7792, 2098, 1063, 45.9343, 47036.6886',
    ' ',
  ].join('\n');

  test('the producer tool: the total line, its MB/sec (MiB) turned into MB (10^6 bytes) like the rest of the bench', () => {
    const r = parseProducerPerf(producerOut);
    if (r instanceof Error) throw r;
    expect([r.records, r.recordsPerS, r.p50, r.p99, r.p999, r.maxMs]).toEqual([50000, 9706.853038, 2173, 3113, 3128, 3129]);
    expect(r.mbPerS).toBeCloseTo((9.48 * 1024 * 1024) / 1e6, 6);
    expect(parseProducerPerf(producerOut.split('\n')[0]!)).toBeInstanceOf(Error);
  });

  test('the consumer tool: the values under the header, by column name; fetch.MB.sec leaves the group join out', () => {
    const r = parseConsumerPerf(consumerOut);
    if (r instanceof Error) throw r;
    expect([r.records, r.recordsPerS, r.rebalanceMs, r.fetchRecordsPerS]).toEqual([50000, 15817.7792, 2098, 47036.6886]);
    expect(r.mbPerS).toBeCloseTo((15.447 * 1024 * 1024) / 1e6, 6);
    expect(r.fetchMbPerS).toBeCloseTo((45.9343 * 1024 * 1024) / 1e6, 6);
    expect(r.bytes / 1024 / 1024).toBeCloseTo(48.8281, 4);
    expect(parseConsumerPerf(consumerOut.split('\n')[0]!)).toBeInstanceOf(Error);
  });

  test('command lines: the tools main classes, -Xmx512M as their scripts set, as fast as possible, acks as asked', () => {
    const p = producerPerfArgv(cmd, { bootstrap: 'h:1', topic: 't', records: 10, recordBytes: 1024, acks: 'all' });
    expect(p).toContain('org.apache.kafka.tools.ProducerPerformance');
    expect(p).toContain('-Xmx512M');
    const flag = (argv: string[], name: string) => argv[argv.indexOf(name) + 1];
    expect([flag(p, '--bootstrap-server'), flag(p, '--num-records'), flag(p, '--record-size'), flag(p, '--throughput'), flag(p, '--command-property')]).toEqual(['h:1', '10', '1024', '-1', 'acks=all']);
    const c = consumerPerfArgv(cmd, { bootstrap: 'h:1', topic: 't', records: 10, timeoutMs: 5000 });
    expect(c).toContain('org.apache.kafka.tools.ConsumerPerformance');
    expect([flag(c, '--num-records'), flag(c, '--topic'), flag(c, '--timeout')]).toEqual(['10', 't', '5000']);
  });

  test('a window line: records, rate and latency; the total line and other lines are not windows', () => {
    expect(parseProducerWindow(producerOut.split('\n')[0]!)).toEqual({ records: 47596, recordsPerS: 9515.4, avgMs: 2197.8, maxMs: 3129 });
    expect(parseProducerWindow(producerOut.split('\n')[1]!)).toBeNull();
    expect(parseProducerWindow('[2026-12-07 21:00:57,517] WARN 5 records sent')).toBeNull();
  });

  test('a fixed rate goes to --throughput', () => {
    const p = producerPerfArgv(cmd, { bootstrap: 'h:1', topic: 't', records: 10, recordBytes: 1024, acks: '1', recordsPerS: 30000 });
    expect(p[p.indexOf('--throughput') + 1]).toBe('30000');
  });
});

describe('latency over bytes written', () => {
  const KiB = 1024;
  // 1 KiB records: 2^20 records are one GiB.
  const w = (records: number, avgMs: number, maxMs: number, brokerCpuS = 1, brokerMinflt = 0): ClimbWindow => ({ records, recordsPerS: records / 5, avgMs, maxMs, brokerCpuS, brokerMinflt });

  test('windows go to the GiB holding their middle record; latency is weighted by records', () => {
    const quarter = 2 ** 18;
    const bins = latencyOverBytes([w(quarter, 2, 10), w(quarter, 2, 12), w(2 * quarter, 5, 20), w(quarter, 100, 300), w(quarter, 200, 400)], KiB);
    // The third window (a half GiB) ends exactly at 1 GiB: its middle is in the first GiB.
    expect(bins.map((b) => [b.fromBytes / 2 ** 30, b.windows, b.records])).toEqual([[0, 3, 2 ** 20], [1, 2, 2 * quarter]]);
    expect(bins[0]!.avgMs).toBeCloseTo((2 * quarter * 2 + 2 * quarter * 5) / 2 ** 20, 9);
    expect(bins[0]!.maxMs).toBe(20);
    expect(bins[1]!.avgMs).toBeCloseTo(150, 9);
    expect(bins[1]!.maxMs).toBe(400);
  });

  test('the broker CPU and faults of a GiB are per GiB of its windows', () => {
    const bins = latencyOverBytes([w(2 ** 19, 1, 1, 3, 1000), w(2 ** 19, 1, 1, 1, 3000), w(2 ** 19, 1, 1, 4, 500)], KiB);
    expect(bins[0]!.cpuSPerGiB).toBe(4);
    expect(bins[0]!.minfltPerGiB).toBe(4000);
    // Half a GiB so far in the second bin: 4 CPU-s over half a GiB.
    expect(bins[1]!.cpuSPerGiB).toBe(8);
    expect(bins[1]!.minfltPerGiB).toBe(1000);
  });

  test('warm-up windows move the bytes written but go in no bin', () => {
    const bins = latencyOverBytes([w(2 ** 19, 900, 1800), w(2 ** 19, 700, 900), w(2 ** 19, 2, 5)], KiB, 2 ** 30, 2);
    expect(bins.map((b) => [b.fromBytes / 2 ** 30, b.windows, b.avgMs, b.maxMs])).toEqual([[1, 1, 2, 5]]);
  });

  test('a window larger than a GiB leaves the bins it skips out rather than empty', () => {
    const bins = latencyOverBytes([w(2 ** 20 * 3, 7, 9)], KiB);
    expect(bins.map((b) => b.fromBytes / 2 ** 30)).toEqual([1]);
    expect(latencyOverBytes([], KiB)).toEqual([]);
  });

  test('the printed table: a line per GiB with every side, n/a where a side has no window there', () => {
    const total = { records: 1, recordsPerS: 1, mbPerS: 1, avgMs: 1, maxMs: 1, p50: 3, p95: 4, p99: 50, p999: 60 };
    const lines: string[] = [];
    printClimb(
      [
        { name: 'kafka-default', recordsPerS: 30000, bins: latencyOverBytes([w(2 ** 20, 2, 9), w(2 ** 20, 3, 11)], KiB), total },
        { name: 'freshet-dev', recordsPerS: 30000, bins: latencyOverBytes([w(2 ** 20, 1.5, 8)], KiB), total: null },
      ],
      lines,
    );
    expect(lines[1]).toContain(CLIMB_SIDES[0]!.label);
    expect(lines.find((l) => l.trim().startsWith('0.0-1.0'))).toMatch(/2\.0 \/ 9 ms, 1\.00 CPU-s\/GiB\s+1\.5 \/ 8 ms, 1\.00 CPU-s\/GiB/);
    expect(lines.find((l) => l.trim().startsWith('1.0-2.0'))).toMatch(/3\.0 \/ 11 ms.*n\/a$/);
    expect(lines.at(-1)).toMatch(/^  whole run p50 \/ p99 \(warm-up in\)\s+3 \/ 50 ms\s+n\/a$/);
  });
});
