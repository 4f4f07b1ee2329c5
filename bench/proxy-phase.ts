// The HTTP proxy phase (issue 9: "produce and consume throughput over HTTP (records/s, MB/s)
// with 100-record requests, next to the Kafka-protocol figures of the same run"). One node
// without --dev (acks=all produce waits for the fsync, as in the broker phases), its REST Proxy
// v2 on a free port, 1-partition topics, values of RECORD_BYTES (the broker phases' 1 KiB):
//
//   produce binary  POST /topics/{t}, 100 base64 values a request, at each concurrency (HTTP
//                   clients each with one request in flight, keep-alive)
//   produce json    the same with JSON values (of the same byte length) at the best concurrency
//   consume         a consumer instance per format (POST /consumers/{g}, subscription, GET
//                   records?max_bytes=) reading everything its format's step produced
//   stateless read  GET /topics/{t}/partitions/0/records?offset=&count=STATELESS_COUNT of the
//                   binary topic, offset after offset
//
// Beside them, in the same run on the same node: the same records over the Kafka protocol
// through the project's own client (src/client: the client the proxy itself sends with, so the
// difference is the HTTP side: the request, JSON, base64, the metadata lookup a produce makes),
// and the loopback HTTP ceiling (a trivial Bun.serve in its own process answering the proxy's
// real answer bytes). In a full run, the broker phases' librdkafka figures (1 KiB records, 1
// partition) are passed in and printed too.

import * as path from 'node:path';
import { KafkaClient } from '../src/client/client.ts';
import { SYSTEM_IO } from '../src/cli/node-deps.ts';
import { freePort, freshDir, startBroker } from './broker.ts';
import { RECORD_BYTES, type BrokerFigures } from './phases.ts';
import { consumerInstance, drive, forSeconds, httpProducer, httpRead, kafkaProducer, kafkaRead, produceBodies, startCeilingServer, type Throughput } from './proxy-drivers.ts';

/** produceSeconds per produce step; readSecondsMax: a consumer instance reading everything
 *  produced gives up after it; statelessSeconds per stateless-read step; ceilingSeconds per
 *  loopback ceiling step. */
export type ProxySizes = { produceSeconds: number; concurrencies: readonly number[]; readSecondsMax: number; statelessSeconds: number; ceilingSeconds: number };
export const PROXY_SIZES_FULL: ProxySizes = { produceSeconds: 10, concurrencies: [1, 4, 8], readSecondsMax: 60, statelessSeconds: 5, ceilingSeconds: 5 };
export const PROXY_SIZES_QUICK: ProxySizes = { produceSeconds: 3, concurrencies: [1, 4], readSecondsMax: 20, statelessSeconds: 2, ceilingSeconds: 2 };

/** Issue 9's request size. */
const RECORDS_PER_REQUEST = 100;
/** Different bodies cycled through, so the node does not see one body over and over. */
const BODY_POOL = 16;
/** GET records?max_bytes= of a consumer instance: the proxy's default (1 MiB), above what one
 *  poll hands out (the client's POLL_RECORDS_MAX, 500 records of 1 KiB). */
const CONSUMER_MAX_BYTES = 1024 * 1024;
/** The stateless read's count per GET: as many as a consumer instance's poll hands out. */
const STATELESS_COUNT = 500;
/** The stateless read's max_bytes: the default (1 MiB), and a large one (4 MiB). */
const STATELESS_MAX_BYTES = [1024 * 1024, 4 * 1024 * 1024] as const;
/** GET records?timeout= of a consumer instance (ms; the instance caps it at 1000 by default). */
const CONSUMER_TIMEOUT_MS = 1000;

/** The full run's librdkafka figures for the same record size (null with --only proxy). */
export type KafkaPhaseFigures = { produceAcksAll: { recordsPerS: number; mbPerS: number }; produceAcks1: { recordsPerS: number; mbPerS: number }; consume: { recordsPerS: number; mbPerS: number } };

export type ProxyFigures = {
  sizes: ProxySizes;
  recordBytes: number;
  recordsPerRequest: number;
  produceBinary: Throughput[];
  /** the concurrency of the best binary produce: json, the Kafka client and the POST ceiling use it too */
  bestConcurrency: number;
  produceJson: Throughput;
  consumeBinary: Throughput & { joinMs: number };
  consumeJson: Throughput & { joinMs: number };
  /** one per STATELESS_MAX_BYTES */
  statelessRead: Array<Throughput & { maxBytes: number }>;
  kafkaProduce: Throughput[];
  kafkaFetch: Throughput;
  ceilingPost: Throughput;
  ceilingGet: Throughput;
  librdkafka: KafkaPhaseFigures | null;
};

export function kafkaPhaseFigures(b: BrokerFigures | null): KafkaPhaseFigures | null {
  if (b === null) return null;
  const f = (x: { records_per_s: number; mb_per_s: number }) => ({ recordsPerS: Math.round(x.records_per_s), mbPerS: x.mb_per_s });
  return { produceAcksAll: f(b.acksAll1), produceAcks1: f(b.acks1), consume: f(b.fetch1) };
}

/** Reads with a consumer instance until `target` records came (or the time is up). */
async function consumeAll(base: string, format: 'binary' | 'json', topic: string, target: number, pid: number, secondsMax: number): Promise<Throughput & { joinMs: number }> {
  const instance = await consumerInstance(base, `bench-proxy-${format}`, format, topic);
  try {
    const url = `${instance.uri}/records?timeout=${CONSUMER_TIMEOUT_MS}&max_bytes=${CONSUMER_MAX_BYTES}`;
    // The first GET joins the group (and may come back empty): timed apart from the reading.
    const t0 = performance.now();
    let got = 0;
    while (got === 0 && performance.now() - t0 < 30_000) got = (await httpRead(url, format, RECORD_BYTES)).moved.records;
    const joinMs = Math.round(performance.now() - t0);
    const until = forSeconds(secondsMax);
    const step = await drive(pid, 1, () => got < target && until(), async () => {
      const r = await httpRead(url, format, RECORD_BYTES);
      got += r.moved.records;
      return r.moved;
    });
    if (got < target) throw new Error(`the ${format} consumer instance read ${got} of ${target} records in ${secondsMax} s`);
    return { ...step, joinMs };
  } finally {
    await instance.close();
  }
}

export async function runProxyPhase(ctx: { bin: string; dataRoot: string; sizes: ProxySizes; librdkafka: KafkaPhaseFigures | null; log: (m: string) => void }): Promise<ProxyFigures> {
  const { sizes, log } = ctx;
  const dir = freshDir(ctx.dataRoot, 'proxy');
  const proxyPort = await freePort();
  const base = `http://127.0.0.1:${proxyPort}`;
  const node = await startBroker({
    bin: ctx.bin,
    dataDir: path.join(dir, 'data'),
    dev: false,
    logFile: path.join(dir, 'node.log'),
    // The proxy's produce asks Metadata as a producer does: the topics are created on first use.
    settings: { 'auto.create.topics.enable': 'true', 'num.partitions': '1' },
    extraArgs: ['--proxy-addr', `127.0.0.1:${proxyPort}`],
  });
  const client = await KafkaClient.connect({ io: SYSTEM_IO, bootstrap: [node.bootstrap], clientId: 'bench-proxy' });
  try {
    // The proxy serves once the node does (start.ts openProxy); wait for a real answer.
    const deadline = performance.now() + 30_000;
    while (!(await fetch(`${base}/topics`).then((r) => r.status === 200, () => false))) {
      if (performance.now() > deadline) throw new Error('the proxy did not answer within 30 s');
      await Bun.sleep(100);
    }
    const bodies = { binary: produceBodies('binary', RECORDS_PER_REQUEST, RECORD_BYTES, BODY_POOL), json: produceBodies('json', RECORDS_PER_REQUEST, RECORD_BYTES, BODY_POOL) };
    // Warm-up (JIT, connections, the topics' creation), not measured.
    for (const format of ['binary', 'json'] as const) {
      const p = httpProducer(base, `proxy-${format}`, format, bodies[format], RECORDS_PER_REQUEST, RECORD_BYTES);
      await drive(node.pid, 4, forSeconds(1), p.send);
    }
    const [created] = await client.createTopics([{ name: 'proxy-kafka', numPartitions: 1 }]);
    if (created?.error) throw new Error(`creating proxy-kafka: ${created.error.name}`);
    await drive(node.pid, 4, forSeconds(1), kafkaProducer(client, 'proxy-kafka', RECORDS_PER_REQUEST, RECORD_BYTES, 4));

    const binary = httpProducer(base, 'proxy-binary', 'binary', bodies.binary, RECORDS_PER_REQUEST, RECORD_BYTES);
    const produceBinary: Throughput[] = [];
    for (const c of sizes.concurrencies) {
      log(`proxy: produce binary over HTTP, ${c} client(s), ${sizes.produceSeconds} s`);
      produceBinary.push(await drive(node.pid, c, forSeconds(sizes.produceSeconds), binary.send));
    }
    const best = produceBinary.reduce((a, b) => (b.recordsPerS > a.recordsPerS ? b : a)).concurrency;
    log(`proxy: produce json over HTTP, ${best} client(s)`);
    const json = httpProducer(base, 'proxy-json', 'json', bodies.json, RECORDS_PER_REQUEST, RECORD_BYTES);
    const produceJson = await drive(node.pid, best, forSeconds(sizes.produceSeconds), json.send);

    const kafkaProduce: Throughput[] = [];
    for (const c of [...new Set([1, best])]) {
      log(`proxy: the same records over the Kafka protocol (src/client), ${c} in flight`);
      kafkaProduce.push(await drive(node.pid, c, forSeconds(sizes.produceSeconds), kafkaProducer(client, 'proxy-kafka', RECORDS_PER_REQUEST, RECORD_BYTES, BODY_POOL)));
    }

    const ends = await client.listOffsets(['binary', 'json', 'kafka'].map((f) => ({ topic: `proxy-${f}`, partition: 0, spec: 'latest' as const })));
    const end = (f: string) => ends.find((e) => e.topic === `proxy-${f}`)?.offset ?? 0;
    log(`proxy: consume ${end('binary')} binary and ${end('json')} json records with consumer instances`);
    const consumeBinary = await consumeAll(base, 'binary', 'proxy-binary', end('binary'), node.pid, sizes.readSecondsMax);
    const consumeJson = await consumeAll(base, 'json', 'proxy-json', end('json'), node.pid, sizes.readSecondsMax);

    // The stateless read: max_bytes bounds the fetch of each partition, so a large one fetches
    // (and decodes) more than `count` records and drops the rest: both are measured.
    const statelessRead: Array<Throughput & { maxBytes: number }> = [];
    let getAnswer = '';
    for (const maxBytes of STATELESS_MAX_BYTES) {
      log(`proxy: stateless read of the binary topic, count=${STATELESS_COUNT}, max_bytes=${maxBytes}, ${sizes.statelessSeconds} s`);
      let offset = 0;
      const until = forSeconds(sizes.statelessSeconds);
      const step = await drive(node.pid, 1, () => offset < end('binary') && until(), async () => {
        const r = await httpRead(`${base}/topics/proxy-binary/partitions/0/records?offset=${offset}&count=${STATELESS_COUNT}&max_bytes=${maxBytes}`, 'binary', RECORD_BYTES);
        offset = r.nextOffset ?? end('binary');
        getAnswer = r.text;
        return r.moved;
      });
      statelessRead.push({ ...step, maxBytes });
    }

    log('proxy: Kafka fetch of the Kafka-protocol topic (src/client)');
    let kafkaOffset = 0;
    const until = forSeconds(sizes.readSecondsMax);
    const kafkaFetch = await drive(node.pid, 1, () => kafkaOffset < end('kafka') && until(), async () => {
      const r = await kafkaRead(client, 'proxy-kafka', kafkaOffset);
      kafkaOffset = r.nextOffset;
      return r.moved;
    });

    log('proxy: loopback HTTP ceiling (trivial server, the proxy\'s real answers)');
    const server = await startCeilingServer(dir, binary.lastAnswer(), getAnswer);
    let ceilingPost: Throughput;
    let ceilingGet: Throughput;
    try {
      const fake = httpProducer(server.base, 'ceiling', 'binary', bodies.binary, RECORDS_PER_REQUEST, RECORD_BYTES);
      ceilingPost = await drive(server.pid, best, forSeconds(sizes.ceilingSeconds), fake.send);
      ceilingGet = await drive(server.pid, 1, forSeconds(sizes.ceilingSeconds), async () => (await httpRead(`${server.base}/records`, 'binary', RECORD_BYTES)).moved);
    } finally {
      await server.stop();
    }
    return {
      sizes,
      recordBytes: RECORD_BYTES,
      recordsPerRequest: RECORDS_PER_REQUEST,
      produceBinary,
      bestConcurrency: best,
      produceJson,
      consumeBinary,
      consumeJson,
      statelessRead,
      kafkaProduce,
      kafkaFetch,
      ceilingPost,
      ceilingGet,
      librdkafka: ctx.librdkafka,
    };
  } finally {
    await client.close();
    await node.stop();
  }
}

export function printProxy(r: ProxyFigures, lines: string[]): void {
  const n = (x: number) => x.toLocaleString('en-US');
  const row = (name: string, t: Throughput) =>
    `  ${name.padEnd(54)} ${n(t.recordsPerS).padStart(9)} ${t.mbPerS.toFixed(1).padStart(7)} ${t.latencyMs.p50.toFixed(2).padStart(7)} ${t.latencyMs.p99.toFixed(2).padStart(7)} ${t.nodeCpuShare.toFixed(2).padStart(6)} ${t.clientCpuShare.toFixed(2).padStart(7)} ${t.othersCpuShare.toFixed(2).padStart(6)}  ${t.requests} req, ${n(t.records)} rec in ${t.seconds} s`;
  const c = r.bestConcurrency;
  lines.push('', `HTTP proxy (one node, fsync on, 1 partition, ${r.recordBytes} B values, ${r.recordsPerRequest} records per produce request; loopback, keep-alive)`);
  lines.push(`  ${'step'.padEnd(54)} ${'records/s'.padStart(9)} ${'MB/s'.padStart(7)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'node'.padStart(6)} ${'clients'.padStart(7)} ${'others'.padStart(6)}  (CPU: cores)`);
  for (const t of r.produceBinary) lines.push(row(`produce binary, ${t.concurrency} client(s)${t.concurrency === c ? ' (best)' : ''}`, t));
  lines.push(row(`produce json, ${c} client(s)`, r.produceJson));
  for (const t of r.kafkaProduce) lines.push(row(`  Kafka protocol (src/client), ${t.concurrency} in flight`, t));
  lines.push(row(`  loopback HTTP ceiling, POST, ${c} client(s)`, r.ceilingPost));
  lines.push(row(`consume binary, consumer instance (${r.consumeBinary.joinMs} ms join)`, r.consumeBinary));
  lines.push(row(`consume json, consumer instance (${r.consumeJson.joinMs} ms join)`, r.consumeJson));
  for (const t of r.statelessRead) lines.push(row(`stateless read binary, count=${STATELESS_COUNT}, max_bytes=${t.maxBytes / 1024 / 1024} MiB`, t));
  lines.push(row('  Kafka protocol fetch (src/client, 1 MiB)', r.kafkaFetch));
  lines.push(row('  loopback HTTP ceiling, GET of a read answer', r.ceilingGet));
  lines.push('  (ceiling rows: "node" is the trivial server\'s CPU; MB/s there counts the same records\' values)');
  if (r.librdkafka) {
    const k = r.librdkafka;
    lines.push(`  librdkafka, this run's broker phases (1 KiB, 1 partition, 1 MB batches): produce acks=all ${n(k.produceAcksAll.recordsPerS)} rec/s ${k.produceAcksAll.mbPerS.toFixed(1)} MB/s, acks=1 ${n(k.produceAcks1.recordsPerS)} rec/s ${k.produceAcks1.mbPerS.toFixed(1)} MB/s; consume ${n(k.consume.recordsPerS)} rec/s ${k.consume.mbPerS.toFixed(1)} MB/s`);
  }
}
