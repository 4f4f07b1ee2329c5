// Recording TCP proxy for golden-byte fixtures: sits between a real Kafka client and a running
// broker, forwards every byte unchanged, splits both directions into Kafka frames (int32 size
// prefix) and writes each kept request and its response (matched by correlation id) to OUT.
//
//   bun test/golden/capture.ts --listen 19192 --upstream 127.0.0.1:19092 --out test/golden/kcat-2.0.2/
//
// Start the broker with `--advertise-kafka-addr 127.0.0.1:<listen port>` so the connections a
// client opens after Metadata also pass through the proxy. Stop the proxy with Ctrl-C.
//
// Fixture format (read by test/unit/protocol/golden.test.ts):
// - NNNN-<Api>-v<V>-request.hex / -response.hex: one frame without its size prefix, lowercase
//   hex, 32 bytes per line. A response is labelled with its request's api key and version.
// - index.json: every kept frame in capture order (seq, direction, api key/name/version,
//   correlation id, file, size in bytes).
// Running the proxy again on the same OUT appends: it continues the sequence numbers and the
// per-(api, version, direction) counts, so several client runs can feed one fixture folder.
// To keep fixtures small and reviewable, at most FRAMES_PER_KIND_MAX requests are kept per
// (api, version), a request whose bytes equal an already kept one is dropped, and frames over
// FRAME_KEEP_BYTES_MAX are dropped; a response is kept exactly when its request was.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'bun';
import { ALL_APIS } from '../../src/protocol/messages/index.ts';

const FRAMES_PER_KIND_MAX = 3;
const FRAME_KEEP_BYTES_MAX = 24 * 1024;
/** A size prefix beyond this means the stream is not Kafka: stop framing, keep forwarding. */
const FRAME_PARSE_BYTES_MAX = 128 * 1024 * 1024;
/** Requests awaiting a response, per connection (acks=0 Produce never gets one). */
const PENDING_PER_CONN_MAX = 1024;
const HEX_BYTES_PER_LINE = 32;

export interface IndexEntry {
  seq: number;
  direction: 'request' | 'response';
  apiKey: number;
  apiName: string;
  apiVersion: number;
  correlationId: number;
  file: string;
  bytes: number;
}

interface Args {
  listenPort: number;
  upstreamHost: string;
  upstreamPort: number;
  outDir: string;
}

function parseArgs(argv: string[]): Args {
  const get = (flag: string): string => {
    const i = argv.indexOf(flag);
    if (i < 0 || i + 1 >= argv.length) throw new Error(`missing ${flag}; usage: --listen PORT --upstream HOST:PORT --out DIR`);
    return argv[i + 1]!;
  };
  const [host, port] = get('--upstream').split(':');
  return { listenPort: Number(get('--listen')), upstreamHost: host!, upstreamPort: Number(port), outDir: get('--out') };
}

export function toHex(b: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < b.length; i += HEX_BYTES_PER_LINE) {
    lines.push(Buffer.from(b.subarray(i, i + HEX_BYTES_PER_LINE)).toString('hex'));
  }
  return `${lines.join('\n')}\n`;
}

export function fromHex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}

/** Requests identical apart from the correlation id (bytes 4-7) are duplicates. */
function dedupeKey(frame: Uint8Array): string {
  return Buffer.from(frame.subarray(0, 4)).toString('hex') + Buffer.from(frame.subarray(8)).toString('hex');
}

const apiNames = new Map(ALL_APIS.map((a) => [a.apiKey, a.name]));
const apiName = (key: number): string => apiNames.get(key) ?? `Api${key}`;

/** The fixture folder: its index, and the choice of which frames to keep. */
class Recorder {
  private readonly entries: IndexEntry[];
  private readonly kept = new Map<string, number>();
  private readonly seen = new Set<string>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    const indexPath = join(dir, 'index.json');
    this.entries = existsSync(indexPath) ? (JSON.parse(readFileSync(indexPath, 'utf8')) as IndexEntry[]) : [];
    for (const e of this.entries) {
      if (e.direction !== 'request') continue;
      const kind = `${e.apiKey}/${e.apiVersion}`;
      this.kept.set(kind, (this.kept.get(kind) ?? 0) + 1);
      this.seen.add(dedupeKey(fromHex(readFileSync(join(dir, e.file), 'utf8'))));
    }
  }

  /** Whether to keep this request (and later its response). */
  wantRequest(apiKey: number, apiVersion: number, frame: Uint8Array): boolean {
    if (frame.length > FRAME_KEEP_BYTES_MAX) return false;
    const kind = `${apiKey}/${apiVersion}`;
    if ((this.kept.get(kind) ?? 0) >= FRAMES_PER_KIND_MAX) return false;
    const key = dedupeKey(frame);
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    this.kept.set(kind, (this.kept.get(kind) ?? 0) + 1);
    return true;
  }

  write(direction: IndexEntry['direction'], apiKey: number, apiVersion: number, correlationId: number, frame: Uint8Array): void {
    const seq = this.entries.length === 0 ? 1 : this.entries[this.entries.length - 1]!.seq + 1;
    const file = `${String(seq).padStart(4, '0')}-${apiName(apiKey)}-v${apiVersion}-${direction}.hex`;
    writeFileSync(join(this.dir, file), toHex(frame));
    this.entries.push({ seq, direction, apiKey, apiName: apiName(apiKey), apiVersion, correlationId, file, bytes: frame.length });
    writeFileSync(join(this.dir, 'index.json'), `${JSON.stringify(this.entries, null, 1)}\n`);
    console.log(`${file} (${frame.length} bytes)`);
  }
}

/** Splits a byte stream into frames (without their size prefix). */
class Framer {
  private buf = new Uint8Array(0);
  private broken = false;

  push(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): void {
    if (this.broken) return;
    const next = new Uint8Array(this.buf.length + chunk.length);
    next.set(this.buf);
    next.set(chunk, this.buf.length);
    this.buf = next;
    let pos = 0;
    while (this.buf.length - pos >= 4) {
      const size = new DataView(this.buf.buffer, this.buf.byteOffset + pos).getInt32(0);
      if (size < 0 || size > FRAME_PARSE_BYTES_MAX) {
        this.broken = true;
        console.error(`frame size ${size}: not Kafka framing, no longer recording this stream`);
        return;
      }
      if (this.buf.length - pos - 4 < size) break;
      onFrame(this.buf.slice(pos + 4, pos + 4 + size));
      pos += 4 + size;
    }
    this.buf = this.buf.slice(pos);
  }
}

/** Writes to a socket, queueing what the kernel did not take until the socket drains. */
class Pipe {
  socket: Socket<unknown> | null = null;
  private queue: Uint8Array[] = [];
  closed = false;

  send(data: Uint8Array): void {
    if (this.closed) return;
    this.queue.push(data);
    this.flush();
  }

  flush(): void {
    while (this.socket && this.queue.length > 0) {
      const head = this.queue[0]!;
      const n = this.socket.write(head);
      if (n < head.length) {
        this.queue[0] = head.subarray(Math.max(n, 0));
        return;
      }
      this.queue.shift();
    }
  }
}

interface Conn {
  id: number;
  toUpstream: Pipe;
  toClient: Pipe;
  requests: Framer;
  responses: Framer;
  /** correlation id -> the request's api key/version and whether it was kept. */
  pending: Map<number, { apiKey: number; apiVersion: number; keep: boolean }>;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const recorder = new Recorder(args.outDir);
  let nextConnId = 1;

  const onRequest = (c: Conn, frame: Uint8Array): void => {
    if (frame.length < 8) return;
    const v = new DataView(frame.buffer, frame.byteOffset);
    const apiKey = v.getInt16(0);
    const apiVersion = v.getInt16(2);
    const correlationId = v.getInt32(4);
    const keep = recorder.wantRequest(apiKey, apiVersion, frame);
    if (c.pending.size < PENDING_PER_CONN_MAX) c.pending.set(correlationId, { apiKey, apiVersion, keep });
    if (keep) recorder.write('request', apiKey, apiVersion, correlationId, frame);
  };

  const onResponse = (c: Conn, frame: Uint8Array): void => {
    if (frame.length < 4) return;
    const correlationId = new DataView(frame.buffer, frame.byteOffset).getInt32(0);
    const req = c.pending.get(correlationId);
    if (!req) {
      console.error(`conn ${c.id}: response with unknown correlation id ${correlationId}`);
      return;
    }
    c.pending.delete(correlationId);
    if (req.keep && frame.length <= FRAME_KEEP_BYTES_MAX) {
      recorder.write('response', req.apiKey, req.apiVersion, correlationId, frame);
    }
  };

  Bun.listen<Conn>({
    hostname: '127.0.0.1',
    port: args.listenPort,
    socket: {
      open(client) {
        const c: Conn = {
          id: nextConnId++,
          toUpstream: new Pipe(),
          toClient: new Pipe(),
          requests: new Framer(),
          responses: new Framer(),
          pending: new Map(),
        };
        c.toClient.socket = client as Socket<unknown>;
        client.data = c;
        Bun.connect({
          hostname: args.upstreamHost,
          port: args.upstreamPort,
          socket: {
            open(up) {
              c.toUpstream.socket = up as Socket<unknown>;
              c.toUpstream.flush();
            },
            data(_up, chunk) {
              const bytes = new Uint8Array(chunk); // Bun may reuse the chunk's memory
              c.responses.push(bytes, (f) => onResponse(c, f));
              c.toClient.send(bytes);
            },
            drain() {
              c.toUpstream.flush();
            },
            close() {
              c.toUpstream.closed = true;
              client.end();
            },
            error(_up, err) {
              console.error(`conn ${c.id}: upstream error: ${err.message}`);
            },
          },
        }).catch((err: Error) => {
          console.error(`conn ${c.id}: cannot reach upstream: ${err.message}`);
          client.end();
        });
      },
      data(client, chunk) {
        const c = client.data;
        const bytes = new Uint8Array(chunk);
        c.requests.push(bytes, (f) => onRequest(c, f));
        c.toUpstream.send(bytes);
      },
      drain(client) {
        client.data.toClient.flush();
      },
      close(client) {
        const c = client.data;
        c.toClient.closed = true;
        c.toUpstream.socket?.end();
      },
      error(client, err) {
        console.error(`conn ${client.data.id}: client error: ${err.message}`);
      },
    },
  });
  console.log(`recording 127.0.0.1:${args.listenPort} -> ${args.upstreamHost}:${args.upstreamPort} into ${args.outDir}`);
}

if (import.meta.main) main();
