// Time to first answered Metadata: spawn the broker and, from the same instant, keep
// connecting and sending a raw Metadata v1 request (all topics) until a whole response frame
// with our correlation id comes back. That is what a CI sidecar's client waits for.

import * as fs from 'node:fs';
import { brokerArgv, freePort, type BrokerOptions } from './broker.ts';
import { statusKiB } from './proc.ts';

const PROBE_TIMEOUT_MS = 10_000;
const RETRY_MS = 1;
const CORRELATION_ID = 0x5eed;

/** Metadata (api key 3) v1, request header v1, client id "bench", topics = null (all). */
export function metadataV1Request(): Uint8Array {
  const clientId = new TextEncoder().encode('bench');
  const body = 2 + 2 + 4 + 2 + clientId.length + 4;
  const buf = new Uint8Array(4 + body);
  const v = new DataView(buf.buffer);
  v.setInt32(0, body);
  v.setInt16(4, 3);
  v.setInt16(6, 1);
  v.setInt32(8, CORRELATION_ID);
  v.setInt16(12, clientId.length);
  buf.set(clientId, 14);
  v.setInt32(14 + clientId.length, -1);
  return buf;
}

/** One attempt: resolves true once a whole response frame arrived, false if refused/closed. */
export function tryMetadata(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    let got = new Uint8Array(0);
    let settled = false;
    const settle = (ok: boolean, s?: { end(): void }) => {
      if (settled) return;
      settled = true;
      s?.end();
      resolve(ok);
    };
    Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        open(s) {
          s.write(metadataV1Request());
        },
        data(s, chunk) {
          const next = new Uint8Array(got.length + chunk.length);
          next.set(got);
          next.set(chunk, got.length);
          got = next;
          if (got.length < 8) return;
          const v = new DataView(got.buffer);
          if (got.length >= 4 + v.getInt32(0)) settle(v.getInt32(4) === CORRELATION_ID, s);
        },
        close() {
          settle(false);
        },
        error() {
          settle(false);
        },
        connectError() {
          settle(false);
        },
      },
    }).catch(() => settle(false));
  });
}

export type StartupSample = { firstMetadataMs: number; idleRssKiB: number };

/** Spawns the broker (options.dev as given), measures ms to the first Metadata answer and
 *  the RSS one second later, then kills it. */
export async function measureStartup(o: BrokerOptions): Promise<StartupSample> {
  fs.mkdirSync(o.dataDir, { recursive: true });
  const port = await freePort();
  const log = fs.openSync(o.logFile, 'a');
  const t0 = performance.now();
  const proc = Bun.spawn(brokerArgv({ ...o, traceFsyncsTo: undefined }, port), { stdin: 'ignore', stdout: log, stderr: log });
  try {
    let firstMetadataMs = -1;
    while (performance.now() - t0 < PROBE_TIMEOUT_MS) {
      if (proc.exitCode !== null) throw new Error(`freshet exited (${proc.exitCode}); see ${o.logFile}`);
      if (await tryMetadata(port)) {
        firstMetadataMs = performance.now() - t0;
        break;
      }
      await Bun.sleep(RETRY_MS);
    }
    if (firstMetadataMs < 0) throw new Error(`no Metadata answer within ${PROBE_TIMEOUT_MS} ms; see ${o.logFile}`);
    await Bun.sleep(1000);
    const idleRssKiB = statusKiB(proc.pid, 'VmRSS') ?? 0;
    return { firstMetadataMs, idleRssKiB };
  } finally {
    proc.kill('SIGKILL');
    await proc.exited;
    fs.closeSync(log);
  }
}
