// Golden bytes: frames captured from real clients (kcat, kafkajs, confluent-kafka, kafka-python)
// talking to our broker through test/golden/capture.ts. Every request must decode with our
// definitions, consume exactly its bytes and re-encode to the identical bytes; so must every
// response our broker sent (the client accepted it). A few semantic checks pin down that the
// decode is not only consistent but right: record batch CRCs, versions, topic names.

import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeRequestHeader, encodeRequestHeader, encodeResponseHeader, type RequestHeader, skipTaggedFields } from '../../../src/protocol/header.ts';
import { ALL_APIS, ApiVersions } from '../../../src/protocol/messages/index.ts';
import { Reader, Writer } from '../../../src/protocol/primitives.ts';
import { crc32c } from '../../../src/protocol/records/crc32c.ts';
import { type ApiDef, decoderFor, encoderFor, inRange } from '../../../src/protocol/schema.ts';
import { fromHex, type IndexEntry } from '../../golden/capture.ts';

const GOLDEN_DIR = join(import.meta.dir, '..', '..', 'golden');
/** At least this many clients must have fixtures: the point is bytes we did not write. */
const CLIENTS_MIN = 2;

interface Frame {
  entry: IndexEntry;
  bytes: Uint8Array;
}

interface Decoded {
  header: RequestHeader | { correlationId: number };
  body: Record<string, unknown>;
}

function loadClient(dir: string): Frame[] {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as IndexEntry[];
  return index.map((entry) => ({ entry, bytes: fromHex(readFileSync(join(dir, entry.file), 'utf8')) }));
}

const clients = readdirSync(GOLDEN_DIR)
  .filter((name) => statSync(join(GOLDEN_DIR, name)).isDirectory() && name !== 'drivers')
  .sort()
  .map((name) => ({ name, frames: loadClient(join(GOLDEN_DIR, name)) }));

const apiByKey = new Map<number, ApiDef>(ALL_APIS.map((a) => [a.apiKey, a]));

function apiFor(apiKey: number): ApiDef {
  const api = apiByKey.get(apiKey);
  if (!api) throw new Error(`no definition for api key ${apiKey}`);
  return api;
}

/** The version a response is encoded in: ApiVersions answers an unknown version in v0 (KIP-511). */
function responseVersion(api: ApiDef, requested: number): number {
  return api === ApiVersions && requested > api.versions.max ? 0 : requested;
}

function decodeRequest(f: Frame): Decoded {
  const r = new Reader(f.bytes);
  const header = decodeRequestHeader(r);
  expect(header.apiKey).toBe(f.entry.apiKey);
  expect(header.apiVersion).toBe(f.entry.apiVersion);
  const api = apiFor(header.apiKey);
  expect(inRange(api.versions, header.apiVersion)).toBe(true);
  const flexible = inRange(api.flexible, header.apiVersion);
  if (flexible) skipTaggedFields(r);
  const body = decoderFor(api.request, header.apiVersion, flexible)(r) as Record<string, unknown>;
  expect(r.remaining).toBe(0);

  const w = new Writer(f.bytes.length);
  encodeRequestHeader(w, header, flexible);
  encoderFor(api.request, header.apiVersion, flexible)(w, body as never);
  expect(hex(w.bytes())).toBe(hex(f.bytes));
  return { header, body };
}

function decodeResponse(f: Frame): Decoded {
  const api = apiFor(f.entry.apiKey);
  const version = responseVersion(api, f.entry.apiVersion);
  const flexible = inRange(api.flexible, version);
  // ApiVersions responses always use header v0 so any client can parse them (KIP-511).
  const flexibleHeader = flexible && api !== ApiVersions;
  const r = new Reader(f.bytes);
  const correlationId = r.int32();
  expect(correlationId).toBe(f.entry.correlationId);
  if (flexibleHeader) skipTaggedFields(r);
  const body = decoderFor(api.response, version, flexible)(r) as Record<string, unknown>;
  expect(r.remaining).toBe(0);

  const w = new Writer(f.bytes.length);
  encodeResponseHeader(w, correlationId, flexibleHeader);
  encoderFor(api.response, version, flexible)(w, body as never);
  expect(hex(w.bytes())).toBe(hex(f.bytes));
  return { header: { correlationId }, body };
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function label(f: Frame): string {
  return `${f.entry.file} (${f.entry.apiName} v${f.entry.apiVersion} ${f.entry.direction})`;
}

/** Requests of one api key, decoded. */
function requestsOf(frames: Frame[], name: string): Decoded[] {
  return frames.filter((f) => f.entry.direction === 'request' && f.entry.apiName === name).map(decodeRequest);
}

type ProduceBody = { topicData: Array<{ name: string; partitionData: Array<{ records: Uint8Array | null }> }> };

/** Record batches in a Produce request: (batch bytes) for every partition. */
function produceBatches(d: Decoded): Uint8Array[] {
  const body = d.body as unknown as ProduceBody;
  return body.topicData.flatMap((t) => t.partitionData.map((p) => p.records).filter((b): b is Uint8Array => b !== null));
}

/** RecordBatch v2: magic at byte 16, CRC32C at 17-20 over everything from byte 21 (attributes). */
function expectBatchCrcValid(batch: Uint8Array): { attributes: number; producerId: number } {
  const v = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  expect(v.getInt32(8)).toBe(batch.length - 12);
  expect(v.getInt8(16)).toBe(2);
  expect(crc32c(batch, 21, batch.length)).toBe(v.getUint32(17));
  return { attributes: v.getInt16(21), producerId: Number(v.getBigInt64(43)) };
}

const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

describe('golden bytes', () => {
  test(`fixtures from at least ${CLIENTS_MIN} clients`, () => {
    expect(clients.length).toBeGreaterThanOrEqual(CLIENTS_MIN);
    for (const c of clients) expect(c.frames.some((f) => f.entry.direction === 'request')).toBe(true);
  });

  for (const c of clients) {
    describe(c.name, () => {
      for (const f of c.frames) {
        test(label(f), () => {
          if (f.entry.direction === 'request') decodeRequest(f);
          else decodeResponse(f);
        });
      }
    });
  }
});

describe('golden semantics', () => {
  const frames = (name: string): Frame[] => {
    const c = clients.find((x) => x.name === name);
    if (!c) throw new Error(`no fixtures for ${name}`);
    return c.frames;
  };

  // The kcat run produced zstd, snappy, gzip, then lz4; the cap of three frames per kind kept
  // the first three. (librdkafka sends "lz4" uncompressed unless the broker lists FindCoordinator
  // in ApiVersions: its LZ4 feature check uses that API as a proxy for Kafka >= 0.8.2.)
  test('kcat: Produce batches carry valid CRC32C, one per codec zstd/snappy/gzip', () => {
    const produces = requestsOf(frames('kcat-2.0.2'), 'Produce');
    const codecs = new Set<string>();
    for (const p of produces) {
      expect((p.body as unknown as ProduceBody).topicData[0]!.name).toBe('golden-kcat-codecs2');
      for (const batch of produceBatches(p)) codecs.add(COMPRESSION_NAMES[expectBatchCrcValid(batch).attributes & 7]!);
    }
    expect([...codecs].sort()).toEqual(['gzip', 'snappy', 'zstd']);
  });

  test('kcat -G: an lz4 batch (librdkafka compresses now that FindCoordinator is listed) and a whole group session', () => {
    const fs = frames('kcat-2.0.2-groups');
    const [produce] = requestsOf(fs, 'Produce');
    const codecs = produceBatches(produce!).map((b) => COMPRESSION_NAMES[expectBatchCrcValid(b).attributes & 7]);
    expect(codecs).toEqual(['lz4']);
    const requested = new Set(fs.filter((f) => f.entry.direction === 'request').map((f) => f.entry.apiName));
    for (const api of ['FindCoordinator', 'JoinGroup', 'SyncGroup', 'Heartbeat', 'OffsetCommit', 'OffsetFetch', 'LeaveGroup']) {
      expect(requested.has(api)).toBe(true);
    }
    type JoinBody = { groupId: string; protocolType: string; protocols: Array<{ name: string }> };
    const [join] = requestsOf(fs, 'JoinGroup');
    const body = join!.body as unknown as JoinBody;
    expect(body.groupId).toBe('golden-g');
    expect(body.protocolType).toBe('consumer');
    expect(body.protocols.map((p) => p.name)).toContain('range');
  });

  test('kcat: the Fetch response our broker sent holds the produced batches, each CRC valid', () => {
    const fs = frames('kcat-2.0.2');
    const fetches = fs.filter((f) => f.entry.direction === 'response' && f.entry.apiName === 'Fetch').map(decodeResponse);
    type FetchBody = { responses: Array<{ partitions: Array<{ records: Uint8Array | null }> }> };
    const sets = fetches.flatMap((d) => (d.body as unknown as FetchBody).responses.flatMap((t) => t.partitions.map((p) => p.records)));
    let batches = 0;
    for (const set of sets) {
      if (set === null) continue;
      const v = new DataView(set.buffer, set.byteOffset, set.byteLength);
      for (let pos = 0; pos < set.length; batches++) {
        const end = pos + 12 + v.getInt32(pos + 8);
        expectBatchCrcValid(set.subarray(pos, end));
        pos = end;
      }
    }
    expect(batches).toBeGreaterThanOrEqual(3);
  });

  test('kcat: ApiVersions v3 names librdkafka as the client software', () => {
    const [req] = requestsOf(frames('kcat-2.0.2'), 'ApiVersions');
    expect(req!.body.clientSoftwareName).toBe('librdkafka');
    expect(req!.body.clientSoftwareVersion).toBe('2.0.2');
  });

  test('kafkajs: ApiVersions v2, CreateTopics with a config entry, gzip Produce with valid CRC', () => {
    const fs = frames('kafkajs-2.2.4');
    const [av] = requestsOf(fs, 'ApiVersions');
    expect((av!.header as RequestHeader).apiVersion).toBe(2);
    expect((av!.header as RequestHeader).clientId).toBe('golden-kafkajs');
    const [ct] = requestsOf(fs, 'CreateTopics');
    const topics = ct!.body.topics as Array<{ name: string; configs: Array<{ name: string; value: string }> }>;
    expect(topics[0]!.name).toBe('golden-kafkajs');
    expect(topics[0]!.configs).toEqual([{ name: 'retention.ms', value: '86400000' }]);
    const batches = requestsOf(fs, 'Produce').flatMap(produceBatches);
    expect(batches.length).toBeGreaterThan(0);
    for (const b of batches) expect(COMPRESSION_NAMES[expectBatchCrcValid(b).attributes & 7]).toBe('gzip');
  });

  test('confluent-kafka: the idempotent Produce uses the producer id InitProducerId returned', () => {
    const fs = frames('confluent-kafka-python-1.7.0');
    const initResponse = fs.find((f) => f.entry.direction === 'response' && f.entry.apiName === 'InitProducerId');
    const producerId = decodeResponse(initResponse!).body.producerId as number;
    expect(producerId).toBeGreaterThanOrEqual(0);
    const batches = requestsOf(fs, 'Produce').flatMap(produceBatches);
    expect(batches.length).toBeGreaterThan(0);
    for (const b of batches) {
      const { attributes, producerId: batchProducerId } = expectBatchCrcValid(b);
      expect(batchProducerId).toBe(producerId);
      expect(COMPRESSION_NAMES[attributes & 7]).toBe('snappy');
    }
  });

  test('kafka-python: api_version auto and (1, 0) send different Produce versions', () => {
    const versions = requestsOf(frames('kafka-python-2.0.2'), 'Produce').map((d) => (d.header as RequestHeader).apiVersion);
    expect(new Set(versions).size).toBeGreaterThanOrEqual(2);
  });
});
