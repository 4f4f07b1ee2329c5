// An in-memory cluster behind the ProxyClient interface, for driving proxyFetch without a
// broker: topics with partitions, one log per partition, and knobs to make Kafka answer an
// error or the connection fail. Kafka's semantics where they matter to the proxy: metadata of
// an unknown topic is UNKNOWN_TOPIC_OR_PARTITION, a fetch past the high watermark is
// OFFSET_OUT_OF_RANGE and at it empty, offsets are assigned in append order.

import { ClientError, type KafkaErr } from '../../../src/client/client.ts';
import { kafkaErr } from '../../../src/client/errors.ts';
import type { ProxyClient } from '../../../src/proxy/routes.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { proxyFetch, type ProxyHttpOptions } from '../../../src/proxy/app.ts';

export interface StoredRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
}

export class FakeCluster {
  readonly topics = new Map<string, { partitions: number; configs: Record<string, string> }>();
  readonly logs = new Map<string, StoredRecord[]>();
  brokers = [2, 1];
  /** Kafka error code every produced partition answers (0: none). */
  produceError = 0;
  /** Throw ClientError from every call (the cluster unreachable). */
  unreachable = false;
  /** Throw a plain Error (a bug) from every call. */
  broken = false;
  produceCalls = 0;
  /** Records one fetch answers at most (a broker's answer ends where its byte limit cut it). */
  fetchRecordsMax = Number.MAX_SAFE_INTEGER;
  fetchCalls = 0;
  /** The per-partition byte limit each fetch asked for, in order. */
  fetchBytesAsked: number[] = [];
  /** auto.create.topics.enable with num.partitions: 0 is off. */
  autoCreatePartitions = 0;

  addTopic(name: string, partitions: number, configs: Record<string, string> = { 'cleanup.policy': 'delete' }): this {
    this.topics.set(name, { partitions, configs });
    for (let p = 0; p < partitions; p++) this.logs.set(`${name}/${p}`, []);
    return this;
  }

  log(topic: string, partition: number): StoredRecord[] {
    return this.logs.get(`${topic}/${partition}`) ?? [];
  }

  private check(): void {
    if (this.unreachable) throw new ClientError('connect', 'no broker reachable: connection refused');
    if (this.broken) throw new Error('a bug with a stack');
  }

  private partitionError(topic: string, partition: number): KafkaErr | null {
    const t = this.topics.get(topic);
    return t === undefined || partition < 0 || partition >= t.partitions ? kafkaErr(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) : null;
  }

  client(): ProxyClient {
    const self = this;
    const client: ProxyClient = {
      async metadata(topics, options) {
        self.check();
        // A broker with auto.create.topics.enable creates a topic a producer asks for.
        if (self.autoCreatePartitions > 0 && options?.allowAutoTopicCreation === true) {
          for (const name of topics ?? []) if (!self.topics.has(name)) self.addTopic(name, self.autoCreatePartitions);
        }
        const names = topics ?? [...self.topics.keys(), '__consumer_offsets'];
        return {
          clusterId: 'fake',
          controllerId: self.brokers[0],
          brokers: self.brokers.map((nodeId) => ({ nodeId, host: '127.0.0.1', port: 9092 + nodeId, rack: null })),
          topics: names.map((name) => {
            const t = self.topics.get(name);
            if (name === '__consumer_offsets') return { name, topicId: '', isInternal: true, error: null, partitions: [] };
            if (t === undefined) return { name, topicId: '', isInternal: false, error: kafkaErr(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION), partitions: [] };
            return {
              name,
              topicId: '',
              isInternal: false,
              error: null,
              // Leader 1; replicas 1 and 2; only 1 in sync.
              partitions: Array.from({ length: t.partitions }, (_, partition) => ({ partition, leader: 1, leaderEpoch: 0, replicas: [1, 2], isr: [1], offlineReplicas: [], error: null })),
            };
          }),
        };
      },
      async describeConfigs(resources) {
        self.check();
        return resources.map((r) => {
          const t = self.topics.get(r.name);
          return {
            type: r.type,
            name: r.name,
            error: t === undefined ? kafkaErr(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) : null,
            configs: Object.entries(t?.configs ?? {}).map(([name, value]) => ({ name, value, readOnly: false, source: 5, isSensitive: false })),
          };
        });
      },
      async listOffsets(items) {
        self.check();
        return items.map((i) => {
          const error = self.partitionError(i.topic, i.partition);
          const offset = error !== null ? -1 : i.spec === 'earliest' ? 0 : self.log(i.topic, i.partition).length;
          return { topic: i.topic, partition: i.partition, offset, timestamp: -1, leaderEpoch: 0, error };
        });
      },
      async produce(items) {
        self.check();
        self.produceCalls++;
        return items.map((i) => {
          const error = self.partitionError(i.topic, i.partition) ?? kafkaErr(self.produceError);
          if (error !== null) return { topic: i.topic, partition: i.partition, baseOffset: -1, logAppendTimeMs: -1, error };
          const log = self.log(i.topic, i.partition);
          const baseOffset = log.length;
          for (const r of i.records) log.push({ key: toBytes(r.key), value: toBytes(r.value) });
          return { topic: i.topic, partition: i.partition, baseOffset, logAppendTimeMs: -1, error: null };
        });
      },
      async fetch(items) {
        self.check();
        self.fetchCalls++;
        return items.map((i) => {
          self.fetchBytesAsked.push(i.maxBytes ?? 1 << 20);
          const error = self.partitionError(i.topic, i.partition);
          const log = self.log(i.topic, i.partition);
          const base = { topic: i.topic, partition: i.partition, highWatermark: log.length, lastStableOffset: log.length, logStartOffset: 0 };
          if (error !== null) return { ...base, error, records: [], nextOffset: i.offset };
          if (i.offset > log.length) return { ...base, error: kafkaErr(ErrorCode.OFFSET_OUT_OF_RANGE), records: [], nextOffset: i.offset };
          // Whole "batches" of one record, as many as fit maxBytes (the first always).
          const records = [];
          let bytes = 0;
          for (let o = i.offset; o < log.length && records.length < self.fetchRecordsMax; o++) {
            const size = (log[o].key?.length ?? 0) + (log[o].value?.length ?? 0);
            if (records.length > 0 && bytes + size > (i.maxBytes ?? 1 << 20)) break;
            records.push({ offset: o, timestamp: 0, key: log[o].key, value: log[o].value, headers: [] });
            bytes += size;
          }
          return { ...base, error: null, records, nextOffset: i.offset + records.length };
        });
      },
    };
    return client;
  }

  /** The proxy over this cluster, and a caller returning status, content type and parsed body. */
  proxy(options?: ProxyHttpOptions) {
    const handle = proxyFetch(this.client(), options);
    return async (method: string, path: string, init: { body?: string; contentType?: string | null; accept?: string } = {}) => {
      const headers: Record<string, string> = {};
      if (init.contentType !== null && init.body !== undefined) headers['content-type'] = init.contentType ?? 'application/vnd.kafka.binary.v2+json';
      if (init.accept !== undefined) headers.accept = init.accept;
      const res = await handle(new Request(`http://localhost:8082${path}`, { method, headers, body: init.body }));
      const text = await res.text();
      return { status: res.status, type: res.headers.get('content-type'), body: JSON.parse(text) as any, text };
    };
  }
}

function toBytes(v: Uint8Array | string | null | undefined): Uint8Array | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? new TextEncoder().encode(v) : v;
}

export const b64 = (s: string): string => Buffer.from(s).toString('base64');
export const text = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));
