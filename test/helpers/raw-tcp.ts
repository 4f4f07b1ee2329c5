// Raw TCP against the broker, below any Kafka client: hand-made frames, connections that send
// part of a frame and hold it, connections that just sit there. For hostile-input and resource
// limit tests; real clients prove compatibility elsewhere.

export type Exchange = { received: Buffer; closedByPeer: boolean };

const CLOSE_WAIT_MS = 5_000;

/**
 * Connects, writes `bytes`, optionally half-closes, and collects what comes back until the
 * broker closes the connection, `waitMs` passes, or (untilFrame) one whole response frame arrived.
 */
export async function exchange(
  port: number,
  bytes: Uint8Array,
  options: { waitMs?: number; endAfterWrite?: boolean; untilFrame?: boolean } = {},
): Promise<Exchange> {
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
    let offset = 0;
    // Large writes may be partial; keep writing from drain().
    const pump = (socket: import('bun').Socket<undefined>) => {
      while (offset < bytes.length) {
        const written = socket.write(bytes.subarray(offset));
        if (written <= 0) return;
        offset += written;
      }
      if (options.endAfterWrite) socket.shutdown();
    };
    Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        open(socket) {
          timer = setTimeout(() => finish(false, socket), waitMs);
          pump(socket);
        },
        drain: pump,
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
        error() {
          // ECONNRESET is a close too.
          finish(true);
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

export function frame(body: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + body.length);
  out.writeInt32BE(body.length, 0);
  out.set(body, 4);
  return out;
}

/** Request header v1 (api key, version, correlation id, client id) plus `rest`. */
export function request(apiKey: number, apiVersion: number, correlationId: number, rest: Uint8Array | number[] = []): Buffer {
  const clientId = Buffer.from('raw-tcp-test');
  const header = Buffer.alloc(10 + clientId.length);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  clientId.copy(header, 10);
  return frame(Buffer.concat([header, Buffer.from(rest)]));
}

export function lengthOnly(size: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeInt32BE(size, 0);
  return out;
}

/** True when an ApiVersions v0 request on a fresh connection gets its answer. */
export async function answersApiVersions(port: number, waitMs = 5_000): Promise<boolean> {
  const reply = await exchange(port, request(18, 0, 1), { untilFrame: true, waitMs });
  return reply.received.length >= 14 && reply.received.readInt32BE(4) === 1 && reply.received.readInt16BE(8) === 0;
}

const PATTERN = Buffer.alloc(1024 * 1024, 0x5a);

/**
 * A connection that announces a frame of `declaredBytes` and sends `sendBytes` of its body as
 * fast as the broker reads, then holds it: how a slow or hostile peer ties up request memory.
 */
export class PartialSender {
  written = 0;
  closedByPeer = false;
  private socket: import('bun').Socket<undefined> | null = null;

  private constructor(
    private readonly declaredBytes: number,
    private readonly sendBytes: number,
  ) {}

  static async open(port: number, declaredBytes: number, sendBytes: number): Promise<PartialSender> {
    const sender = new PartialSender(declaredBytes, sendBytes);
    sender.socket = await Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        drain: () => sender.pump(),
        data: () => {},
        close: () => {
          sender.closedByPeer = true;
        },
        error: () => {
          sender.closedByPeer = true;
        },
      },
    });
    sender.socket.write(lengthOnly(declaredBytes));
    sender.pump();
    return sender;
  }

  get done(): boolean {
    return this.written >= this.sendBytes;
  }

  private pump(): void {
    while (this.socket !== null && this.written < this.sendBytes) {
      const n = Math.min(PATTERN.length, this.sendBytes - this.written);
      const k = this.socket.write(PATTERN.subarray(0, n));
      if (k <= 0) return;
      this.written += k;
    }
  }

  close(): void {
    this.socket?.terminate();
    this.socket = null;
  }
}

/** Waits until the senders' combined progress stops (all done, or all held back) for `quietMs`. */
export async function untilSendersSettle(senders: readonly PartialSender[], quietMs = 1_500, maxMs = 60_000): Promise<number> {
  const total = () => senders.reduce((n, s) => n + s.written, 0);
  let last = -1;
  let since = performance.now();
  const deadline = performance.now() + maxMs;
  while (performance.now() < deadline) {
    const now = total();
    if (now !== last) {
      last = now;
      since = performance.now();
    } else if (performance.now() - since >= quietMs) {
      return now;
    }
    await Bun.sleep(100);
  }
  return total();
}
