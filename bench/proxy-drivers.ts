// The clients of the proxy phase (bench/proxy-phase.ts): REST Proxy v2 requests over loopback
// HTTP with keep-alive (Bun's fetch pools connections per origin), the project's own Kafka
// client doing the same work over the Kafka protocol, and a trivial HTTP server in a process of
// its own answering the proxy's real answer bytes (the loopback HTTP ceiling).
//
// Every step is timed from its first request to its last answer, with the node's CPU
// (/proc/<pid>/stat) and this process's (the clients') around it.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { KafkaClient } from '../src/client/client.ts';
import type { RecordInput } from '../src/protocol/records/records.ts';
import { cpuSeconds, machineBusySeconds } from './proc.ts';
import { percentiles, round, type Percentiles } from './stats.ts';

/** One measured step: records moved, their value bytes, the window, and who spent the CPU. */
export type Throughput = {
  concurrency: number;
  requests: number;
  records: number;
  /** bytes of record values (what the producer gave; keys are null) */
  valueBytes: number;
  seconds: number;
  recordsPerS: number;
  /** value bytes / 1e6 / seconds, as rdkafka-bench reports MB/s */
  mbPerS: number;
  latencyMs: Percentiles;
  /** node (broker and proxy: one process) CPU-seconds per second of the step: 1.0 = one core */
  nodeCpuShare: number;
  /** this process's CPU-seconds per second (the clients; the ceiling's server is elsewhere) */
  clientCpuShare: number;
  /** CPU the rest of the machine used during the step, in cores: neighbours on a shared
   *  machine take cycles from the node and the clients (compare runs only at similar values) */
  othersCpuShare: number;
};

/** What one request moved. */
export type Moved = { records: number; valueBytes: number };

/** Media types (Confluent REST Proxy v2, entities/v2 and the API reference). */
export const V2_JSON = 'application/vnd.kafka.v2+json';
export const formatType = (format: 'binary' | 'json') => `application/vnd.kafka.${format}.v2+json`;

/**
 * Runs `request` with `concurrency` in flight while `more()` says so, timing each request.
 * `pid` is the node whose CPU is read around the step (null for the ceiling's own server, read
 * by the caller).
 */
export async function drive(pid: number, concurrency: number, more: () => boolean, request: () => Promise<Moved>): Promise<Throughput> {
  const latencies: number[] = [];
  let records = 0;
  let valueBytes = 0;
  const node0 = cpuSeconds(pid) ?? 0;
  const self0 = process.cpuUsage();
  const busy0 = machineBusySeconds();
  const t0 = performance.now();
  const worker = async () => {
    while (more()) {
      const s = performance.now();
      const moved = await request();
      latencies.push(performance.now() - s);
      records += moved.records;
      valueBytes += moved.valueBytes;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const self = process.cpuUsage(self0);
  const selfCpuS = (self.user + self.system) / 1e6;
  const nodeCpuS = (cpuSeconds(pid) ?? 0) - node0;
  const othersCpuS = Math.max(0, machineBusySeconds() - busy0 - nodeCpuS - selfCpuS);
  return {
    concurrency,
    requests: latencies.length,
    records,
    valueBytes,
    seconds: round(seconds, 3),
    recordsPerS: round(records / seconds, 0),
    mbPerS: round(valueBytes / 1e6 / seconds, 2),
    latencyMs: percentiles(latencies),
    nodeCpuShare: round(nodeCpuS / seconds, 2),
    clientCpuShare: round(selfCpuS / seconds, 2),
    othersCpuShare: round(othersCpuS / seconds, 2),
  };
}

/** A `seconds`-long window for drive(). */
export function forSeconds(seconds: number): () => boolean {
  const until = performance.now() + seconds * 1000;
  return () => performance.now() < until;
}

/** Throws with the answer's start unless the status is `want`. */
async function answerText(res: Response, want: number, what: string): Promise<string> {
  const text = await res.text();
  if (res.status !== want) throw new Error(`${what}: the proxy answered ${res.status}: ${text.slice(0, 300)}`);
  return text;
}

/** A record value of exactly `bytes` bytes in each format: random bytes (base64 in the body),
 *  and a JSON object whose compact text (what the proxy stores, JSON.stringify) is `bytes` long. */
export function recordValue(format: 'binary' | 'json', bytes: number, n: number): unknown {
  if (format === 'binary') return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('base64');
  const i = 100_000 + (n % 900_000); // six digits: the text's length does not vary
  const fill = bytes - JSON.stringify({ i, s: '' }).length;
  const letters = Array.from({ length: fill }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
  return { i, s: letters };
}

/** POST /topics/{t} bodies, `pool` different ones (built before the clock starts). */
export function produceBodies(format: 'binary' | 'json', recordsPerRequest: number, valueBytes: number, pool: number): string[] {
  return Array.from({ length: pool }, (_, b) =>
    JSON.stringify({ records: Array.from({ length: recordsPerRequest }, (_, r) => ({ value: recordValue(format, valueBytes, b * recordsPerRequest + r) })) }),
  );
}

/** One HTTP produce request: every record must have an offset (ProduceResponse, PartitionOffset). */
export function httpProducer(base: string, topic: string, format: 'binary' | 'json', bodies: readonly string[], recordsPerRequest: number, valueBytes: number): { send: () => Promise<Moved>; lastAnswer: () => string } {
  let next = 0;
  let last = '';
  const url = `${base}/topics/${topic}`;
  const headers = { 'content-type': formatType(format), accept: V2_JSON };
  return {
    lastAnswer: () => last,
    send: async () => {
      const body = bodies[next++ % bodies.length]!;
      const text = await answerText(await fetch(url, { method: 'POST', headers, body }), 200, `POST ${url}`);
      const answer = JSON.parse(text) as { offsets: Array<{ offset: number | null; error_code: number | null; error: string | null }> };
      const failed = answer.offsets.find((o) => o.error_code !== null);
      if (failed) throw new Error(`POST ${url}: a record failed: ${failed.error_code} ${failed.error}`);
      if (answer.offsets.length !== recordsPerRequest) throw new Error(`POST ${url}: ${answer.offsets.length} offsets for ${recordsPerRequest} records`);
      last = text;
      return { records: recordsPerRequest, valueBytes: recordsPerRequest * valueBytes };
    },
  };
}

/** The same records through the project's Kafka client (what the proxy itself sends with):
 *  one Produce of `recordsPerRequest` records per call, acks=all as the proxy's produce. */
export function kafkaProducer(client: KafkaClient, topic: string, recordsPerRequest: number, valueBytes: number, pool: number): () => Promise<Moved> {
  const batches: RecordInput[][] = Array.from({ length: pool }, () =>
    Array.from({ length: recordsPerRequest }, () => ({ key: null, value: crypto.getRandomValues(new Uint8Array(valueBytes)) })),
  );
  let next = 0;
  return async () => {
    const records = batches[next++ % batches.length]!;
    const [r] = await client.produce([{ topic, partition: 0, records }], { acks: -1 });
    if (r === undefined || r.error !== null) throw new Error(`Kafka produce to ${topic}: ${r?.error?.name ?? 'no answer'}`);
    return { records: recordsPerRequest, valueBytes: recordsPerRequest * valueBytes };
  };
}

/** A proxy consumer instance (POST /consumers/{g}, subscription), reading with GET records. */
export async function consumerInstance(base: string, group: string, format: 'binary' | 'json', topic: string): Promise<{ uri: string; close: () => Promise<void> }> {
  const created = await answerText(
    await fetch(`${base}/consumers/${group}`, {
      method: 'POST',
      headers: { 'content-type': V2_JSON },
      body: JSON.stringify({ name: `bench-${format}`, format, 'auto.offset.reset': 'earliest' }),
    }),
    200,
    `POST /consumers/${group}`,
  );
  const uri = (JSON.parse(created) as { base_uri: string }).base_uri;
  await answerText(await fetch(`${uri}/subscription`, { method: 'POST', headers: { 'content-type': V2_JSON }, body: JSON.stringify({ topics: [topic] }) }), 204, 'subscribe');
  return { uri, close: async () => void (await fetch(uri, { method: 'DELETE', headers: { 'content-type': V2_JSON } })) };
}

/** One GET of records (a consumer instance's, or the stateless read's URL); counts what came. */
export async function httpRead(url: string, format: 'binary' | 'json', valueBytes: number): Promise<{ moved: Moved; nextOffset: number | null; text: string }> {
  const text = await answerText(await fetch(url, { headers: { accept: formatType(format) } }), 200, `GET ${url}`);
  const records = JSON.parse(text) as Array<{ offset: number; value: unknown }>;
  const last = records[records.length - 1];
  return { moved: { records: records.length, valueBytes: records.length * valueBytes }, nextOffset: last === undefined ? null : last.offset + 1, text };
}

/** One Fetch of the partition from `offset` (the client's per-partition 1 MiB, no wait). */
export async function kafkaRead(client: KafkaClient, topic: string, offset: number): Promise<{ moved: Moved; nextOffset: number }> {
  const [r] = await client.fetch([{ topic, partition: 0, offset }], { maxWaitMs: 0 });
  if (r === undefined || r.error !== null) throw new Error(`Kafka fetch of ${topic}: ${r?.error?.name ?? 'no answer'}`);
  const valueBytes = r.records.reduce((s, x) => s + (x.value?.length ?? 0), 0);
  return { moved: { records: r.records.length, valueBytes }, nextOffset: r.nextOffset };
}

/**
 * The loopback HTTP ceiling: a trivial Bun.serve in a process of its own (as the node is one),
 * answering POST with the proxy's real produce answer (after reading the body) and GET with a
 * real records answer, so the same client with the same bodies measures what this machine's
 * loopback HTTP allows before any proxy work.
 */
export async function startCeilingServer(dir: string, postAnswer: string, getAnswer: string): Promise<{ base: string; pid: number; stop: () => Promise<void> }> {
  const postFile = path.join(dir, 'ceiling-post.json');
  const getFile = path.join(dir, 'ceiling-get.json');
  fs.writeFileSync(postFile, postAnswer);
  fs.writeFileSync(getFile, getAnswer);
  const code = `
    const post = await Bun.file(process.env.CEILING_POST).bytes();
    const get = await Bun.file(process.env.CEILING_GET).bytes();
    const s = Bun.serve({ hostname: '127.0.0.1', port: 0, maxRequestBodySize: 64 * 1024 * 1024, async fetch(req) {
      if (req.method === 'POST') { await req.arrayBuffer(); return new Response(post, { headers: { 'content-type': '${V2_JSON}' } }); }
      return new Response(get, { headers: { 'content-type': 'application/vnd.kafka.binary.v2+json' } });
    } });
    console.log(s.port);`;
  const proc = Bun.spawn([process.execPath, '-e', code], { env: { ...process.env, CEILING_POST: postFile, CEILING_GET: getFile }, stdout: 'pipe', stderr: 'inherit', stdin: 'ignore' });
  const reader = proc.stdout.getReader();
  let out = '';
  while (!out.includes('\n')) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the ceiling server exited before printing its port');
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return {
    base: `http://127.0.0.1:${Number(out.trim())}`,
    pid: proc.pid,
    stop: async () => {
      proc.kill('SIGKILL');
      await proc.exited;
    },
  };
}
