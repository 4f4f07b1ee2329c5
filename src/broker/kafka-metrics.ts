// The Kafka listener's metrics (Redpanda's kafka probes, `_probe` files): requests per API and
// version, error codes in answers, latency per API, bytes produced and fetched per topic, and
// connections. Children are resolved once per (API, version) and per topic and kept in arrays
// and maps, so a request costs two clock reads, a few increments and one histogram search:
// no allocation beyond a topic's first request.
//
// Errors are the codes found where the common answers carry them: the top-level errorCode and,
// for Produce and Fetch (the APIs that carry traffic), each partition's. Other APIs' per-item
// codes (CreateTopics' per-topic errors ...) are not walked: their answers are small and rare,
// and a generic walk would cost every request.

import type { Clock } from '../base/clock.ts';
import { type Counter, type Family, type Gauge, type Histogram, LATENCY_BUCKETS_SECONDS, type MetricsRegistry } from '../base/metrics.ts';
import { errorName } from '../protocol/errors.ts';

/** Label sets of per-topic families: past it one overflow series (base/metrics.ts). */
export const TOPIC_LABEL_SETS_MAX = 2_000;
/** (API, error) pairs kept apart. */
export const ERROR_LABEL_SETS_MAX = 500;

const PRODUCE = 0;
const FETCH = 1;

/** One API's children, resolved on its first request. */
export interface ApiMetrics {
  readonly name: string;
  /** Requests per version (index = version). */
  readonly requests: Counter[];
  readonly latency: Histogram;
}

/** Resolves topic ids (Produce v13+, Fetch v13+) to names. */
export type TopicNameOf = (topicId: string) => string | undefined;

export class KafkaMetrics {
  private readonly requests: Family<Counter>;
  private readonly errors: Family<Counter>;
  private readonly latency: Family<Histogram>;
  private readonly bytes: Family<Counter>;
  private readonly apis: Array<ApiMetrics | undefined> = [];
  private readonly producedBytes = new Map<string, Counter>();
  private readonly fetchedBytes = new Map<string, Counter>();
  readonly connectionsOpen: Gauge;
  readonly connectionsAccepted: Counter;
  readonly connectionsClosed: Counter;
  readonly connectionsRefused: Counter;

  constructor(
    registry: MetricsRegistry,
    readonly clock: Clock,
  ) {
    this.requests = registry.counter({
      name: 'freshet_kafka_requests_total',
      help: 'Kafka requests decoded and dispatched, by API and version.',
      labels: ['api', 'version'],
      public: true,
    });
    this.errors = registry.counter({
      name: 'freshet_kafka_request_errors_total',
      help: 'Error codes in Kafka answers, by API and Kafka error name (top level, and per partition for Produce and Fetch).',
      labels: ['api', 'error'],
      labelSetsMax: ERROR_LABEL_SETS_MAX,
      public: true,
    });
    this.latency = registry.histogram({
      name: 'freshet_kafka_request_latency_seconds',
      help: "Time from a Kafka request decoded to its handler's answer, by API (includes waits: Fetch long polls, acks=all).",
      labels: ['api'],
      buckets: LATENCY_BUCKETS_SECONDS,
      public: true,
    });
    this.bytes = registry.counter({
      name: 'freshet_kafka_request_bytes_total',
      help: 'Record bytes by topic: produced (request=produce, as received) and fetched (request=fetch, as sent).',
      labels: ['topic', 'request'],
      labelSetsMax: TOPIC_LABEL_SETS_MAX,
      public: true,
    });
    const connections = registry.gauge({ name: 'freshet_kafka_connections', help: 'Open Kafka client connections.', public: true });
    this.connectionsOpen = connections.labels();
    this.connectionsAccepted = registry.counter({ name: 'freshet_kafka_connections_accepted_total', help: 'Kafka client connections accepted.' }).labels();
    this.connectionsClosed = registry.counter({ name: 'freshet_kafka_connections_closed_total', help: 'Kafka client connections closed, by either side.' }).labels();
    this.connectionsRefused = registry.counter({
      name: 'freshet_kafka_connections_refused_total',
      help: 'Kafka client connections refused at max.connections or max.connections.per.ip.',
    }).labels();
  }

  /** The children of one API (by key), counting one request of `version`. */
  request(apiKey: number, name: string, version: number): ApiMetrics {
    let m = this.apis[apiKey];
    if (m === undefined) {
      m = { name, requests: [], latency: this.latency.labels(name) };
      this.apis[apiKey] = m;
    }
    let c = m.requests[version];
    if (c === undefined) {
      c = this.requests.labels(name, String(version));
      m.requests[version] = c;
    }
    c.inc();
    return m;
  }

  /** The request's share of what it asked for: bytes produced per topic. */
  requestBytes(apiKey: number, request: unknown, topicNameOf: TopicNameOf): void {
    if (apiKey !== PRODUCE) return;
    const topics = (request as ProduceRequestView).topicData;
    for (let i = 0; i < topics.length; i++) {
      const t = topics[i];
      let n = 0;
      for (let j = 0; j < t.partitionData.length; j++) n += t.partitionData[j].records?.length ?? 0;
      if (n > 0) this.topicCounter(this.producedBytes, (t.name || topicNameOf(t.topicId ?? '')) ?? '', 'produce').inc(n);
    }
  }

  /** An answer's latency, its error codes and, for Fetch, the bytes sent per topic (a
   *  Fetch's records are sent as they are here, so encoding adds no bytes to count). */
  answered(apiKey: number, m: ApiMetrics, startedMs: number, response: unknown, topicNameOf: TopicNameOf): void {
    m.latency.observe((this.clock.monotonicMs() - startedMs) / 1000);
    // acks=0 Produce has no answer (handler.ts NO_RESPONSE): its latency counts, nothing else.
    if (typeof response !== 'object' || response === null) return;
    const top = (response as { errorCode?: number }).errorCode;
    if (top !== undefined && top !== 0) this.error(m.name, top);
    if (apiKey === PRODUCE) {
      const rs = (response as ProduceResponseView).responses;
      for (let i = 0; i < rs.length; i++) {
        const ps = rs[i].partitionResponses;
        for (let j = 0; j < ps.length; j++) if (ps[j].errorCode !== 0) this.error(m.name, ps[j].errorCode);
      }
    } else if (apiKey === FETCH) {
      const rs = (response as FetchResponseView).responses;
      for (let i = 0; i < rs.length; i++) {
        const t = rs[i];
        let n = 0;
        for (let j = 0; j < t.partitions.length; j++) {
          const p = t.partitions[j];
          if (p.errorCode !== 0) this.error(m.name, p.errorCode);
          n += p.records?.length ?? 0;
        }
        if (n > 0) this.topicCounter(this.fetchedBytes, (t.topic || topicNameOf(t.topicId ?? '')) ?? '', 'fetch').inc(n);
      }
    }
  }

  /** Errors are the rare path: the child is looked up by its labels each time. */
  private error(api: string, code: number): void {
    this.errors.labels(api, errorName(code)).inc();
  }

  private topicCounter(cache: Map<string, Counter>, topic: string, request: 'produce' | 'fetch'): Counter {
    let c = cache.get(topic);
    if (c === undefined) {
      c = this.bytes.labels(topic, request);
      cache.set(topic, c);
    }
    return c;
  }

  /** Topics with byte series. */
  topicsCounted(): string[] {
    return [...new Set([...this.producedBytes.keys(), ...this.fetchedBytes.keys()])];
  }

  /** A deleted topic's series go (its name may come back as a new topic). */
  forgetTopic(topic: string): void {
    this.producedBytes.delete(topic);
    this.fetchedBytes.delete(topic);
    this.bytes.remove(topic, 'produce');
    this.bytes.remove(topic, 'fetch');
  }
}

// The fields read here, as the codecs decode them (protocol/messages/00-produce.ts, 01-fetch.ts);
// a topic is named by `name`/`topic` up to v12 and by `topicId` from v13 (KIP-516).
interface ProduceRequestView {
  topicData: Array<{ name?: string; topicId?: string; partitionData: Array<{ records: Uint8Array | null }> }>;
}
interface ProduceResponseView {
  responses: Array<{ partitionResponses: Array<{ errorCode: number }> }>;
}
interface FetchResponseView {
  responses: Array<{ topic?: string; topicId?: string; partitions: Array<{ errorCode: number; records: { length: number } | null }> }>;
}
