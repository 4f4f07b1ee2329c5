// Records packaging/bytecode-order.txt (packaging/compile.ts, BYTECODE_ORDER_FILE): which
// functions' bytecode a start of the executable uses, so the build lays those out together.
//
//   bun packaging/record-bytecode-order.ts
//
// Builds an executable without an order into a temporary directory, runs it as the CI-sidecar
// case the order is for (`freshet start --dev` with the Kafka listener, the admin API, the schema
// registry and the HTTP proxy on free loopback ports, a fresh data directory), waits until each
// answers its first request (what the startup bench waits for: bench/startup-phase.ts), lets it
// idle as the bench does before reading its RSS (the timers and long polls of an idle node run
// code too: a profile cut at ready saved 0.8 MiB where one taken after idling saved 2), stops it
// with SIGTERM, and keeps the file the executable wrote on exit (BUN_BYTECODE_ORDER_OUT, Bun's
// CompileBuildOptions.bytecodeOrder). Run it again after large changes to the start path; an
// older profile still applies, only less well.

import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BYTECODE_ORDER_FILE, compile } from './compile.ts';

const ROOT_DIR = join(import.meta.dir, '..');
/** The longest the recorded node may take to answer everything. */
const READY_TIMEOUT_MS = 30_000;
/** Between attempts while waiting for an answer. */
const POLL_MS = 10;
/** How long the node idles after answering: longer than the startup bench's 5 s. */
const IDLE_MS = 6_000;
/** The longest the node may take to exit after SIGTERM (start.ts stops within 5 s). */
const EXIT_TIMEOUT_MS = 10_000;

async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

async function status(url: string): Promise<number> {
  try {
    const res = await fetch(url);
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

async function main(): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), 'freshet-bytecode-order-'));
  try {
    const bin = join(scratch, 'freshet');
    const built = await compile({ rootDir: ROOT_DIR, target: null, outfile: bin, bytecode: true, sourcemap: true, bytecodeOrder: false });
    if (built !== 0) return built;
    const profile = join(scratch, 'order.txt');
    const [kafka, admin, registry, proxy] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const node = Bun.spawn(
      [bin, 'start', '--dev', '--data-dir', join(scratch, 'data'), '--kafka-addr', `127.0.0.1:${kafka}`, '--admin-addr', `127.0.0.1:${admin}`, '--schema-registry-addr', `127.0.0.1:${registry}`, '--proxy-addr', `127.0.0.1:${proxy}`],
      { env: { ...process.env, BUN_BYTECODE_ORDER_OUT: profile }, stdout: 'ignore', stderr: 'inherit' },
    );
    const urls = [`http://127.0.0.1:${admin}/v1/status/ready`, `http://127.0.0.1:${registry}/subjects`, `http://127.0.0.1:${proxy}/topics`];
    const deadline = performance.now() + READY_TIMEOUT_MS;
    for (const url of urls) {
      while ((await status(url)) !== 200) {
        if (performance.now() > deadline || node.exitCode !== null) {
          node.kill('SIGKILL');
          console.error(`record-bytecode-order: ${url} did not answer 200`);
          return 1;
        }
        await Bun.sleep(POLL_MS);
      }
    }
    await Bun.sleep(IDLE_MS);
    node.kill('SIGTERM');
    const exited = await Promise.race([node.exited, Bun.sleep(EXIT_TIMEOUT_MS).then(() => null)]);
    if (exited !== 0 || !existsSync(profile)) {
      node.kill('SIGKILL');
      console.error(`record-bytecode-order: the node exited with ${exited ?? 'nothing (killed)'}; ${existsSync(profile) ? '' : 'no profile written'}`);
      return 1;
    }
    copyFileSync(profile, join(ROOT_DIR, BYTECODE_ORDER_FILE));
    console.log(`wrote ${BYTECODE_ORDER_FILE}`);
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

process.exit(await main());
