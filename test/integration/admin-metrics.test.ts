// GET /metrics and /public_metrics on a real node (dist/freshet --admin-addr), read by a parser we
// did not write (prometheus_client from PyPI, test/helpers/prometheus.ts) in both formats: the
// Prometheus text format 0.0.4 by default and OpenMetrics 1.0 when the Accept header asks for it
// (as Prometheus' scraper does). The counters move with traffic: Produce requests and the topic's
// bytes grow by what kafkajs sends between two scrapes.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout } from 'bun:test';
import { type Broker, startBroker } from '../helpers/broker.ts';
import { createTopic, produceMessages } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { parseWithPrometheusClient, PROMETHEUS_PARSER, sampleSum, sampleValue } from '../helpers/prometheus.ts';
import { testRequiring } from '../helpers/requirements.ts';

setDefaultTimeout(90_000);

const OPENMETRICS_ACCEPT = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';

let node: Broker;
beforeAll(async () => {
  node = await startBroker({ admin: true });
});
afterAll(async () => {
  await node?.dispose();
});

async function scrape(path: string, accept?: string): Promise<{ status: number; type: string; text: string }> {
  const r = await fetch(`${node.adminUrl}${path}`, accept === undefined ? {} : { headers: { accept } });
  return { status: r.status, type: r.headers.get('content-type') ?? '', text: await r.text() };
}

describe('/metrics', () => {
  testRequiring(PROMETHEUS_PARSER, 'Prometheus text by default, parsed by prometheus_client; Produce requests and bytes per topic move with traffic', async () => {
    const topic = uniqueTopic('metrics');
    await createTopic(node.bootstrap, topic);
    const before = await scrape('/metrics');
    expect(before.status).toBe(200);
    expect(before.type).toStartWith('text/plain; version=0.0.4');
    const first = await parseWithPrometheusClient(before.text, 'prometheus');
    const producesBefore = sampleSum(first, 'freshet_kafka_requests_total', { api: 'Produce' });

    const value = Buffer.alloc(1000, 7);
    for (let i = 0; i < 3; i++) await produceMessages(node.bootstrap, topic, [{ value }, { value }]);
    const after = await parseWithPrometheusClient((await scrape('/metrics')).text, 'prometheus');
    expect(sampleSum(after, 'freshet_kafka_requests_total', { api: 'Produce' }) - producesBefore).toBe(3);
    // Record bytes as received: at least the six values, and a batch's overhead at most per record.
    const bytesIn = sampleValue(after, 'freshet_kafka_request_bytes_total', { topic, request: 'produce' }) ?? 0;
    expect(bytesIn).toBeGreaterThanOrEqual(6 * 1000);
    expect(bytesIn).toBeLessThan(6 * 1000 + 3 * 200);
    expect(sampleValue(after, 'freshet_partition_high_watermark', { topic, partition: '0' })).toBe(6);
    expect(sampleSum(after, 'freshet_kafka_request_latency_seconds_count', { api: 'Produce' })).toBeGreaterThanOrEqual(3);
    expect(sampleValue(after, 'freshet_build_info', {})).toBe(1);
  });

  testRequiring(PROMETHEUS_PARSER, 'OpenMetrics when the Accept asks for it, ending in # EOF; /public_metrics is a subset', async () => {
    const open = await scrape('/metrics', OPENMETRICS_ACCEPT);
    expect(open.type).toStartWith('application/openmetrics-text; version=1.0.0');
    expect(open.text.trimEnd().endsWith('# EOF')).toBe(true);
    const families = await parseWithPrometheusClient(open.text, 'openmetrics');
    expect(families.length).toBeGreaterThan(5);
    const all = new Set((await parseWithPrometheusClient((await scrape('/metrics')).text, 'prometheus')).map((f) => f.name));
    const pub = await parseWithPrometheusClient((await scrape('/public_metrics')).text, 'prometheus');
    expect(pub.length).toBeGreaterThan(0);
    expect(pub.length).toBeLessThan(all.size);
    for (const f of pub) expect(all.has(f.name)).toBe(true);
  });
});
