// The node's metrics function over a real node in this process (bindNode/openNode on the
// system's dependencies, a real Kafka listener on loopback), driven by kafkajs and a raw client,
// its text read back by prometheus_client. The expectations are the traffic this test sent:
// 5 produce calls of 10 records are 5 Produce requests and at least their payload in bytes.

import { afterAll, beforeAll, expect } from 'bun:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nodeMetrics, type NodeMetrics } from '../../../src/cli/metrics.ts';
import { systemDeps } from '../../../src/cli/node-deps.ts';
import { bindNode, openNode, type RunningNode } from '../../../src/cli/node.ts';
import { buildNodeConfig } from '../../../src/config/node-config.ts';
import { Produce } from '../../../src/protocol/messages/index.ts';
import { kafkaFor } from '../../helpers/kafkajs.ts';
import { freePort } from '../../helpers/ports.ts';
import { type ParsedFamily, parseWithPrometheusClient, PROMETHEUS_PARSER, sampleSum, sampleValue } from '../../helpers/prometheus.ts';
import { RawClient } from '../../helpers/raw-client.ts';
import { testRequiring } from '../../helpers/requirements.ts';

const TOPIC = 'metrics-traffic';
const SENDS = 5;
const RECORDS_PER_SEND = 10;
const VALUE_BYTES = 200;

let dir: string;
let node: RunningNode;
let metrics: NodeMetrics;
let port: number;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freshet-metrics-'));
  port = await freePort();
  const config = buildNodeConfig({ 'data-dir': dir, dev: true, 'node-id': '0', 'kafka-addr': `127.0.0.1:${port}` });
  const deps = systemDeps({});
  node = openNode(await bindNode(config, deps), config, deps);
  metrics = nodeMetrics(node, config, deps);
});

afterAll(async () => {
  metrics?.stop();
  await node?.server.shutdown(1_000);
  await node?.broker.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function scrape(format: 'prometheus' | 'openmetrics' = 'prometheus', set: 'all' | 'public' = 'all'): Promise<ParsedFamily[]> {
  return parseWithPrometheusClient(metrics.render(set, format), format);
}

testRequiring(PROMETHEUS_PARSER, 'produce and fetch move the request, byte, latency and connection counters by the traffic sent', async () => {
  const kafka = kafkaFor(`127.0.0.1:${port}`);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
  await admin.disconnect();
  const before = await scrape();
  const producedBefore = sampleSum(before, 'freshet_kafka_requests_total', { api: 'Produce' });
  expect(producedBefore).toBe(0);

  const producer = kafka.producer();
  await producer.connect();
  const value = 'v'.repeat(VALUE_BYTES);
  for (let i = 0; i < SENDS; i++) {
    await producer.send({ topic: TOPIC, messages: Array.from({ length: RECORDS_PER_SEND }, (_, j) => ({ key: `k${i}-${j}`, value })) });
  }
  const during = await scrape();
  await producer.disconnect();

  // One Produce request per send(), each answered: the latency histogram counted each.
  expect(sampleSum(during, 'freshet_kafka_requests_total', { api: 'Produce' })).toBe(SENDS);
  expect(sampleValue(during, 'freshet_kafka_request_latency_seconds_count', { api: 'Produce' })).toBe(SENDS);
  expect(sampleValue(during, 'freshet_kafka_request_latency_seconds_bucket', { api: 'Produce', le: '+Inf' })).toBe(SENDS);
  // Bytes in: at least the values sent, and exactly what the log stored (batches are appended as received).
  const bytesIn = sampleValue(during, 'freshet_kafka_request_bytes_total', { topic: TOPIC, request: 'produce' })!;
  expect(bytesIn).toBeGreaterThanOrEqual(SENDS * RECORDS_PER_SEND * VALUE_BYTES);
  expect(sampleValue(during, 'freshet_partition_size_bytes', { topic: TOPIC, partition: '0' })).toBe(bytesIn);
  expect(sampleValue(during, 'freshet_partition_high_watermark', { topic: TOPIC, partition: '0' })).toBe(SENDS * RECORDS_PER_SEND);
  expect(sampleValue(during, 'freshet_kafka_connections')).toBeGreaterThanOrEqual(1);
  expect(sampleValue(during, 'freshet_kafka_connections_accepted_total')).toBeGreaterThanOrEqual(2); // the admin's and the producer's

  // Fetch everything back from offset 0: the bytes out cover the bytes in.
  const raw = await RawClient.connect(port);
  try {
    const { Fetch } = await import('../../../src/protocol/messages/index.ts');
    const res = await raw.send(Fetch, 4, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 10 * 1024 * 1024,
      isolationLevel: 0,
      topics: [{ topic: TOPIC, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 10 * 1024 * 1024 }] }],
    } as never);
    const got = (res as unknown as { responses: Array<{ partitions: Array<{ records: Uint8Array | null }> }> }).responses[0].partitions[0].records?.length ?? 0;
    const after = await scrape();
    expect(sampleSum(after, 'freshet_kafka_requests_total', { api: 'Fetch', version: '4' })).toBe(1);
    expect(sampleValue(after, 'freshet_kafka_request_bytes_total', { topic: TOPIC, request: 'fetch' })).toBe(got);
    expect(got).toBe(bytesIn);
  } finally {
    raw.close();
  }
}, 30_000);

testRequiring(PROMETHEUS_PARSER, 'an error code in an answer is counted under its Kafka name', async () => {
  const raw = await RawClient.connect(port);
  try {
    // Partition 7 of a one-partition topic: UNKNOWN_TOPIC_OR_PARTITION in the partition's answer.
    await raw.send(Produce, 7, { transactionalId: null, acks: 1, timeoutMs: 1_000, topicData: [{ name: TOPIC, partitionData: [{ index: 7, records: null }] }] } as never);
  } finally {
    raw.close();
  }
  const fams = await scrape();
  expect(sampleValue(fams, 'freshet_kafka_request_errors_total', { api: 'Produce', error: 'UNKNOWN_TOPIC_OR_PARTITION' })).toBe(1);
}, 30_000);

testRequiring(PROMETHEUS_PARSER, "a group's lag is the high watermark minus its committed offset", async () => {
  // Runs after the produce test: the topic holds SENDS * RECORDS_PER_SEND records.
  const admin = kafkaFor(`127.0.0.1:${port}`).admin();
  await admin.connect();
  try {
    await admin.setOffsets({ groupId: 'lagging', topic: TOPIC, partitions: [{ partition: 0, offset: '20' }] });
  } finally {
    await admin.disconnect();
  }
  const fams = await scrape();
  expect(sampleValue(fams, 'freshet_kafka_consumer_group_lag_max', { group: 'lagging' })).toBe(SENDS * RECORDS_PER_SEND - 20);
  expect(sampleValue(fams, 'freshet_kafka_consumer_group_lag_sum', { group: 'lagging' })).toBe(SENDS * RECORDS_PER_SEND - 20);
}, 30_000);

testRequiring(PROMETHEUS_PARSER, "a deleted topic's byte series are gone at the next scrape", async () => {
  const kafka = kafkaFor(`127.0.0.1:${port}`);
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer();
  try {
    await admin.createTopics({ topics: [{ topic: 'short-lived', numPartitions: 1 }] });
    await producer.connect();
    await producer.send({ topic: 'short-lived', messages: [{ value: 'x' }] });
    expect(sampleValue(await scrape(), 'freshet_kafka_request_bytes_total', { topic: 'short-lived', request: 'produce' })).toBeGreaterThan(0);
    await admin.deleteTopics({ topics: ['short-lived'] });
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
  const after = await scrape();
  expect(sampleValue(after, 'freshet_kafka_request_bytes_total', { topic: 'short-lived', request: 'produce' })).toBeUndefined();
  expect(sampleValue(after, 'freshet_kafka_request_bytes_total', { topic: TOPIC, request: 'produce' })).toBeGreaterThan(0);
}, 30_000);

testRequiring(PROMETHEUS_PARSER, 'every family follows the naming rules, both formats parse, and the public set is a subset', async () => {
  const all = await scrape('openmetrics');
  for (const f of all) {
    expect(f.name).toMatch(/^freshet_[a-z0-9_]+$/);
    // prometheus_client strips _total from a counter's family name: its samples carry it.
    if (f.type === 'counter') for (const s of f.samples) expect(s.name).toMatch(/_total$/);
  }
  const names = new Set(all.map((f) => f.name));
  for (const expected of ['freshet_build', 'freshet_uptime_seconds', 'freshet_process_resident_memory_bytes', 'freshet_storage_disk_free_bytes', 'freshet_kafka_requests', 'freshet_raft_leader_partitions']) {
    expect(names).toContain(expected);
  }
  const pub = await scrape('prometheus', 'public');
  const pubNames = pub.map((f) => f.name);
  expect(pubNames.length).toBeGreaterThan(0);
  expect(pubNames.length).toBeLessThan((await scrape('prometheus')).length);
  expect(pubNames).toContain('freshet_kafka_requests');
  expect(pubNames).not.toContain('freshet_process_heap_used_bytes');
  expect(sampleValue(pub, 'freshet_build_info')).toBe(1);
}, 30_000);
