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
import { expectSuccess, kcat } from '../helpers/process.ts';

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
const CLOSE_WAIT_MS = 5_000;
const RSS_GROWTH_MAX_KIB = 64 * 1024;

type Exchange = { received: Buffer; closedByPeer: boolean };

/**
 * Connects, writes `bytes`, optionally half-closes, and collects what comes back until the
 * broker closes the connection, `waitMs` passes, or (untilFrame) one whole response frame arrived.
 */
async function exchange(bytes: Uint8Array, options: { waitMs?: number; endAfterWrite?: boolean; untilFrame?: boolean } = {}): Promise<Exchange> {
  const waitMs = options.waitMs ?? CLOSE_WAIT_MS;
  const chunks: Buffer[] = [];
  let received = 0;
  return await new Promise<Exchange>((resolve, reject) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout>;
    const finish = (closedByPeer: boolean, socket?: { end(): void }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.end();
      resolve({ received: Buffer.concat(chunks), closedByPeer });
    };
    Bun.connect({
      hostname: '127.0.0.1',
      port: broker.port,
      socket: {
        open(socket) {
          timer = setTimeout(() => finish(false, socket), waitMs);
          let offset = 0;
          // Large writes may be partial; keep writing from drain().
          const pump = () => {
            while (offset < bytes.length) {
              const written = socket.write(bytes.subarray(offset));
              if (written <= 0) return;
              offset += written;
            }
            if (options.endAfterWrite) socket.shutdown();
          };
          (socket as unknown as { pump: () => void }).pump = pump;
          pump();
        },
        drain(socket) {
          (socket as unknown as { pump: () => void }).pump();
        },
        data(socket, data) {
          chunks.push(Buffer.from(data));
          received += data.length;
          if (options.untilFrame && received >= 4) {
            const all = Buffer.concat(chunks);
            if (all.length >= 4 + all.readInt32BE(0)) finish(false, socket);
          }
        },
        close() {
          finish(true);
        },
        end() {
          finish(true);
        },
        error(_socket, error) {
          // ECONNRESET is a close too.
          if (!settled) finish(true);
          void error;
        },
        connectError(_socket, error) {
          if (!settled) {
            settled = true;
            reject(error);
          }
        },
      },
    }).catch(reject);
  });
}

function frame(body: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + body.length);
  out.writeInt32BE(body.length, 0);
  out.set(body, 4);
  return out;
}

/** Request header v1 (api key, version, correlation id, client id) plus `rest`. */
function request(apiKey: number, apiVersion: number, correlationId: number, rest: number[] = []): Buffer {
  const clientId = Buffer.from('hostile-test');
  const header = Buffer.alloc(10 + clientId.length);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  clientId.copy(header, 10);
  return frame(Buffer.concat([header, Buffer.from(rest)]));
}

function lengthOnly(size: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeInt32BE(size, 0);
  return out;
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

  test('negative frame length closes the connection', async () => {
    const reply = await exchange(lengthOnly(-1));
    expect(reply.closedByPeer).toBe(true);
    expect(reply.received.length).toBe(0);
    await expectStillServing();
  });

  test('frame length above socket.request.max.bytes closes without allocating it', async () => {
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

  test('declared-but-unsent large bodies are not preallocated', async () => {
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

  test('truncated body followed by EOF is dropped', async () => {
    const whole = request(3, 1, 11, [0xff, 0xff, 0xff, 0xff]);
    const reply = await exchange(whole.subarray(0, whole.length - 3), { endAfterWrite: true });
    expect(reply.closedByPeer).toBe(true);
    expect(reply.received.length).toBe(0);
    await expectStillServing();
  });

  test('frame shorter than a request header closes the connection', async () => {
    const reply = await exchange(frame(Buffer.from([0x00, 0x03, 0x00])));
    expect(reply.closedByPeer).toBe(true);
    expect(reply.received.length).toBe(0);
    await expectStillServing();
  });

  test('unknown API key closes the connection', async () => {
    const reply = await exchange(request(32_000, 0, 12));
    expect(reply.closedByPeer).toBe(true);
    expect(reply.received.length).toBe(0);
    await expectStillServing();
  });

  test('unsupported version of Metadata closes the connection', async () => {
    const reply = await exchange(request(3, 999, 13, [0, 0, 0, 0]));
    expect(reply.closedByPeer).toBe(true);
    expect(reply.received.length).toBe(0);
    await expectStillServing();
  });

  test('unsupported ApiVersions version is answered with UNSUPPORTED_VERSION in a v0 body', async () => {
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

  test('garbage after a valid request does not crash the broker', async () => {
    const junk = Buffer.alloc(4096);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 131 + 7) & 0xff;
    await exchange(Buffer.concat([request(18, 0, 15), frame(junk), frame(junk.subarray(0, 17))]), { waitMs: 1_500 });
    await expectStillServing();
  });
});
