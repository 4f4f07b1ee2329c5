// `bun bench/metrics-cost.ts`: what the Kafka listener's instrumentation adds per request
// (broker/kafka-metrics.ts, called by the connection for every request): counting the request,
// two clock reads, the latency histogram, the Produce bytes per topic and the answer's error
// codes, on decoded values shaped as the codecs decode a Produce of `PARTITIONS` partitions.
// Printed as ns per request next to the loop alone; compare with the ~8.6 us of server CPU per
// 1 KiB request that BUN-NOTES.md measured. Then the same through a real Connection (framing,
// decode, dispatch, encode, write to a socket that takes everything) with ApiVersions v0, the
// cheapest request, with the metrics and with a stand-in that does nothing: the relative cost
// there is an upper bound for every other API. Runs a few seconds.

import { systemClock } from '../src/base/clock.ts';
import { MetricsRegistry } from '../src/base/metrics.ts';
import { KafkaMetrics } from '../src/broker/kafka-metrics.ts';
import { LogSummary } from '../src/base/log-summary.ts';
import type { NetSocket } from '../src/base/network.ts';
import { systemScheduler } from '../src/base/scheduler.ts';
import type { Broker } from '../src/broker/broker.ts';
import { Connection } from '../src/broker/connection.ts';
import { type AnyHandler, handler } from '../src/broker/handler.ts';
import { RequestMemoryBudget } from '../src/broker/request-memory.ts';
import { ApiVersions } from '../src/protocol/messages/index.ts';

const REQUESTS = 2_000_000;
const ROUNDS = 5;
const PARTITIONS = 4;

const records = new Uint8Array(1024);
const produce = { acks: -1, timeoutMs: 30_000, topicData: [{ name: 'bench', partitionData: Array.from({ length: PARTITIONS }, (_, i) => ({ index: i, records })) }] };
const answer = { responses: [{ name: 'bench', partitionResponses: Array.from({ length: PARTITIONS }, (_, i) => ({ index: i, errorCode: 0, baseOffset: 0 })) }], throttleTimeMs: 0 };
const noName = (): string | undefined => undefined;

function instrumented(m: KafkaMetrics): number {
  let sink = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const api = m.request(0, 'Produce', 9);
    const started = m.clock.monotonicMs();
    m.requestBytes(0, produce, noName);
    m.answered(0, api, started, answer, noName);
    sink += started;
  }
  return sink;
}

function bare(): number {
  // The same loop with the work it wraps reduced to touching the same objects.
  let sink = 0;
  for (let i = 0; i < REQUESTS; i++) sink += produce.topicData[0].partitionData.length + answer.responses[0].partitionResponses[0].errorCode;
  return sink;
}

function nsPerRequest(run: () => number): number {
  const t0 = Bun.nanoseconds();
  run();
  return (Bun.nanoseconds() - t0) / REQUESTS;
}

const m = new KafkaMetrics(new MetricsRegistry(), systemClock);
const withMetrics: number[] = [];
const without: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  withMetrics.push(nsPerRequest(() => instrumented(m)));
  without.push(nsPerRequest(bare));
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const heapBefore = process.memoryUsage().heapUsed;
instrumented(m);
const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
const CONNECTION_REQUESTS = 500_000;
const FRAMES_PER_READ = 50;

/** ApiVersions v0 frames, FRAMES_PER_READ to a read, as a pipelining client sends them. */
function apiVersionsFrames(): Uint8Array {
  const one = Buffer.alloc(4 + 10 + 5);
  one.writeInt32BE(one.length - 4, 0);
  one.writeInt16BE(ApiVersions.apiKey, 4);
  one.writeInt16BE(0, 6);
  one.writeInt32BE(1, 8);
  one.writeInt16BE(5, 12);
  one.write('bench', 14);
  return Buffer.concat(Array.from({ length: FRAMES_PER_READ }, () => one));
}

/** ns per request through a Connection whose metrics are `metrics`. */
function throughConnection(metrics: KafkaMetrics): number {
  const socket: NetSocket = { remoteAddress: '127.0.0.1', write: (b) => b.length, pause() {}, resume() {}, end() {}, timeout() {} } as NetSocket;
  const answer = { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 13 }], throttleTimeMs: 0 };
  const handlers = new Map([[ApiVersions.apiKey, handler(ApiVersions, () => answer) as AnyHandler]]);
  const quiet = new LogSummary(systemScheduler, 60_000, () => {}, () => {});
  const shared = { memory: new RequestMemoryBudget(1 << 30), protocolErrors: quiet, metrics };
  const conn = new Connection(1, socket, {} as Broker, handlers, { requestMaxBytes: 1 << 20, queuedMaxRequests: 1000 }, shared);
  const frames = apiVersionsFrames();
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < CONNECTION_REQUESTS / FRAMES_PER_READ; i++) conn.onData(frames);
  const ns = (Bun.nanoseconds() - t0) / CONNECTION_REQUESTS;
  quiet.stop();
  return ns;
}

const noApi = { name: '', requests: [], latency: { observe() {} } };
const noMetrics = { clock: systemClock, request: () => noApi, requestBytes() {}, answered() {} } as unknown as KafkaMetrics;
const connWith: number[] = [];
const connWithout: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  connWith.push(throughConnection(new KafkaMetrics(new MetricsRegistry(), systemClock)));
  connWithout.push(throughConnection(noMetrics));
}

console.log(
  JSON.stringify({
    connectionApiVersionsNsPerRequest: { withMetrics: Math.round(median(connWith)), without: Math.round(median(connWithout)) },
    requests: REQUESTS,
    partitionsPerProduce: PARTITIONS,
    instrumentedNsPerRequest: Math.round(median(withMetrics)),
    loopAloneNsPerRequest: Math.round(median(without)),
    addedNsPerRequest: Math.round(median(withMetrics) - median(without)),
    heapGrowthBytesOver2MRequests: heapGrowth,
  }),
);
