// Hostile and malformed frames over raw TCP against the real executable. Kafka's behaviour is
// the reference (SocketServer / RequestContext):
// - a negative size or one above socket.request.max.bytes (100 MiB) closes the connection
//   before any buffer of that size exists;
// - an unknown API key, or an unsupported version of any API but ApiVersions, closes it;
// - ApiVersions at an unsupported version is answered: v0 body, UNSUPPORTED_VERSION (35) and
//   the supported ranges, so the client can retry with a version the broker knows (KIP-511).
// After each, the broker must still serve other connections (kcat -L) and stay small.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { startBroker, type Broker } from '../helpers/broker.ts';
import { expectSuccess, kcat, KCAT_TOOL } from '../helpers/process.ts';
import { type Exchange, exchange as rawExchange, frame, lengthOnly, request } from '../helpers/raw-tcp.ts';
import { testRequiring } from '../helpers/requirements.ts';

// Real processes and real clients: far slower than unit tests (bun's default is 5 s).
setDefaultTimeout(60_000);

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.dispose();
});

const SOCKET_REQUEST_MAX_BYTES = 100 * 1024 * 1024;
const RSS_GROWTH_MAX_KIB = 64 * 1024;

/** Raw TCP to this file's broker. */
function exchange(bytes: Uint8Array, options: { waitMs?: number; endAfterWrite?: boolean; untilFrame?: boolean } = {}): Promise<Exchange> {
  return rawExchange(broker.port, bytes, options);
}

/** The broker answers a metadata request from a real client on another connection. */
async function expectStillServing(): Promise<void> {
  expect(broker.proc.exitCode, `broker exited\n${broker.logs().slice(-4000)}`).toBeNull();
  expectSuccess(await kcat(['-b', broker.bootstrap, '-L', '-m', '5'], { timeoutMs: 15_000 }));
}

type ApiVersionsV0 = { size: number; correlationId: number; errorCode: number; apis: Map<number, [number, number]> };

function parseApiVersionsV0(bytes: Buffer): ApiVersionsV0 {
  expect(bytes.length).toBeGreaterThanOrEqual(14);
  const size = bytes.readInt32BE(0);
  expect(bytes.length).toBe(4 + size);
  const correlationId = bytes.readInt32BE(4);
  const errorCode = bytes.readInt16BE(8);
  const count = bytes.readInt32BE(10);
  const apis = new Map<number, [number, number]>();
  let at = 14;
  for (let i = 0; i < count; i++, at += 6) {
    apis.set(bytes.readInt16BE(at), [bytes.readInt16BE(at + 2), bytes.readInt16BE(at + 4)]);
  }
  return { size, correlationId, errorCode, apis };
}

describe('hostile frames', () => {
  test('sanity: a well-formed ApiVersions v0 over raw TCP is answered', async () => {
    const reply = await exchange(request(18, 0, 7), { untilFrame: true });
    const parsed = parseApiVersionsV0(reply.received);
    expect(parsed.correlationId).toBe(7);
    expect(parsed.errorCode).toBe(0);
    expect(parsed.apis.get(18)?.[0]).toBe(0);
  });

  testRequiring(KCAT_TOOL, 'negative frame length closes the connection', async () => {
    const reply = await exchange(lengthOnly(-1));
    expect(reply.closedByPeer).toBe(true);
    expect(reply.received.length).toBe(0);
    await expectStillServing();
  });

  testRequiring(KCAT_TOOL, 'frame length above socket.request.max.bytes closes without allocating it', async () => {
    const before = broker.rssKiB();
    const replies = await Promise.all([
      exchange(lengthOnly(SOCKET_REQUEST_MAX_BYTES + 1)),
      exchange(lengthOnly(0x7fffffff)),
      exchange(Buffer.concat([lengthOnly(1_000_000_000), Buffer.alloc(64 * 1024, 1)])),
    ]);
    for (const reply of replies) {
      expect(reply.closedByPeer).toBe(true);
      expect(reply.received.length).toBe(0);
    }
    const after = broker.rssKiB();
    expect(after - before).toBeLessThan(RSS_GROWTH_MAX_KIB);
    await expectStillServing();
  });

  testRequiring(KCAT_TOOL, 'declared-but-unsent large bodies are not preallocated', async () => {
    const before = broker.rssKiB();
    // Eight connections each promise a body just under the limit and send 1 KiB of it.
    const pending = Array.from({ length: 8 }, () =>
      exchange(Buffer.concat([lengthOnly(SOCKET_REQUEST_MAX_BYTES - 1), Buffer.alloc(1024, 7)]), { waitMs: 1_500 }),
    );
    await Bun.sleep(1_000);
    const during = broker.rssKiB();
    await Promise.all(pending);
    expect(during - before, 'RSS grew as if each declared body was allocated up front').toBeLessThan(4 * RSS_GROWTH_MAX_KIB);
    await expectStillServing();
  });

  testRequiring(KCAT_TOOL, 'truncated body followed by EOF is dropped', async () => {
    const whole = request(3, 1, 11, [0xff, 0xff, 0xff, 0xff]);
    const reply = await exchange(whole.subarray(0, whole.length - 3), { endAfterWrite: true });
    expect(reply.closedByPeer).toBe(true);
    expect(reply.received.length).toBe(0);
    await expectStillServing();
  });

  testRequiring(KCAT_TOOL, 'frame shorter than a request header closes the connection', async () => {
    const reply = await exchange(frame(Buffer.from([0x00, 0x03, 0x00])));
    expect(reply.closedByPeer).toBe(true);
    expect(reply.received.length).toBe(0);
    await expectStillServing();
  });

  testRequiring(KCAT_TOOL, 'unknown API key closes the connection', async () => {
    const reply = await exchange(request(32_000, 0, 12));
    expect(reply.closedByPeer).toBe(true);
    expect(reply.received.length).toBe(0);
    await expectStillServing();
  });

  testRequiring(KCAT_TOOL, 'unsupported version of Metadata closes the connection', async () => {
    const reply = await exchange(request(3, 999, 13, [0, 0, 0, 0]));
    expect(reply.closedByPeer).toBe(true);
    expect(reply.received.length).toBe(0);
    await expectStillServing();
  });

  testRequiring(KCAT_TOOL, 'unsupported ApiVersions version is answered with UNSUPPORTED_VERSION in a v0 body', async () => {
    // Header v2 as a v3+ client sends it (tagged fields 0x00), and an empty flexible body.
    const reply = await exchange(request(18, 127, 14, [0x00, 0x00, 0x00, 0x00]), { untilFrame: true });
    const parsed = parseApiVersionsV0(reply.received);
    expect(parsed.correlationId).toBe(14);
    expect(parsed.errorCode).toBe(35);
    const range = parsed.apis.get(18);
    expect(range).toBeDefined();
    expect(range![0]).toBe(0);
    expect(range![1]).toBeGreaterThanOrEqual(3);
    await expectStillServing();
  });

  testRequiring(KCAT_TOOL, 'garbage after a valid request does not crash the broker', async () => {
    const junk = Buffer.alloc(4096);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 131 + 7) & 0xff;
    await exchange(Buffer.concat([request(18, 0, 15), frame(junk), frame(junk.subarray(0, 17))]), { waitMs: 1_500 });
    await expectStillServing();
  });
});
