// The schema-registry phase: one node (no --dev: `_schemas` is fsynced before a registration is
// answered) serving the registry on a free port, driven over loopback HTTP with keep-alive
// connections (Bun's fetch), as a serializer's registry client talks to it.
//
//   registrations   distinct Avro schemas, each under its own subject (the first version of a
//                   subject: no compatibility check), `concurrency` requests in flight: each is
//                   a write to `_schemas` with acks=all, so the figure is bounded by the log's
//                   append + fdatasync rate, measured right after at the record's size
//   evolutions      one subject, each new version adds an optional field (BACKWARD, the
//                   default: the new schema is checked against the latest)
//   lookup by id    GET /schemas/ids/{id} of random registered ids (what a deserializer does
//                   on a cache miss), served from memory
//   lookup by schema POST /subjects/{subject} with the schema (what a serializer with
//                   auto.register.schemas=false does): drawn from 100 schemas (a service's
//                   serializers), then from all of them
//   memory          the node's RSS before and after registering the schemas, per 10,000
//
// The machine's own ceiling for this client, measured in the same run: a trivial Bun.serve
// answering the same-sized JSON on loopback (requests/s and latency at the same concurrency).

import * as path from 'node:path';
import { freePort, freshDir, startBroker } from './broker.ts';
import { measureAppendFsync, type DiskResult } from './disk.ts';
import { statusKiB } from './proc.ts';
import { percentiles, round, type Percentiles } from './stats.ts';
import { heapStats } from 'bun:jsc';
import { RegistryState } from '../src/registry/registry-state.ts';

export type RegistrySizes = { schemas: number; evolutions: number; concurrency: number; lookupSeconds: number; diskSeconds: number };
export const REGISTRY_SIZES_FULL: RegistrySizes = { schemas: 10_000, evolutions: 200, concurrency: 16, lookupSeconds: 10, diskSeconds: 3 };
export const REGISTRY_SIZES_QUICK: RegistrySizes = { schemas: 1_000, evolutions: 50, concurrency: 16, lookupSeconds: 3, diskSeconds: 1 };

type Rate = { requests: number; seconds: number; perS: number; latencyMs: Percentiles };

export type RegistryFigures = {
  sizes: RegistrySizes;
  registrations: Rate;
  evolutions: Rate;
  lookupById: Rate;
  /** POST /subjects/{s} drawing from HOT_SCHEMAS schemas */
  lookupBySchema: Rate;
  /** the same drawing from every registered schema */
  lookupBySchemaAny: Rate;
  /** The loopback ceiling: a Bun.serve answering a fixed JSON body, same client, same concurrency. */
  loopbackHttp: Rate;
  /** append + fdatasync at the size of one `_schemas` record batch */
  disk: DiskResult;
  rssBeforeKiB: number;
  rssAfterKiB: number;
  kibPer10kSchemas: number;
  /** The registry's in-memory state alone (RegistryState holding the same schemas, measured
   *  in this process after a full collection): what a schema costs without the node's garbage,
   *  allocator slack and parse cache, which the RSS figure includes. */
  stateHeapKiBPer10kSchemas: number;
};

/** Heap growth of a RegistryState holding `count` of the phase's schemas, per 10,000. */
function stateHeapKiBPer10k(count: number): number {
  Bun.gc(true);
  const before = heapStats().heapSize;
  const state = new RegistryState();
  for (let i = 0; i < count; i++) {
    const subject = `bench-${i}-value`;
    state.apply({ key: { keytype: 'SCHEMA', subject, version: 1, magic: 1 }, value: { subject, version: 1, id: i + 1, references: [], schema: schemaText(i), deleted: false } });
  }
  Bun.gc(true);
  const grown = heapStats().heapSize - before;
  if (state.nextId() !== count + 1) throw new Error('the state did not take every schema');
  return round((grown / 1024) * (10_000 / count), 0);
}

const CT = 'application/vnd.schemaregistry.v1+json';
/** The schemas the hot lookup-by-schema step draws from. */
const HOT_SCHEMAS = 100;
/** The idle wait before each RSS reading. */
const RSS_SETTLE_MS = 2_000;

/** Schema `i` (a record of its own name); `extraFields` optional fields make later versions of it. */
function schemaText(i: number, extraFields = 0): string {
  const fields = [
    { name: 'id', type: 'long' },
    { name: `field_${i}`, type: 'string' },
    ...Array.from({ length: extraFields }, (_, k) => ({ name: `opt_${k}`, type: ['null', 'string'], default: null })),
  ];
  return JSON.stringify({ type: 'record', name: `Bench${i}`, namespace: 'freshet.bench', fields });
}

/** Runs requests with `concurrency` in flight until `more(i)` says stop; each must answer 200. */
async function drive(more: (i: number) => boolean, concurrency: number, request: (i: number) => Promise<Response>): Promise<Rate> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    for (let i = next++; more(i); i = next++) {
      const s = performance.now();
      const res = await request(i);
      const body = await res.text();
      if (res.status !== 200) throw new Error(`registry answered ${res.status}: ${body.slice(0, 200)}`);
      latencies.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return { requests: latencies.length, seconds: round(seconds, 3), perS: round(latencies.length / seconds, 1), latencyMs: percentiles(latencies) };
}

/** `count` requests. */
const driveCount = (count: number, concurrency: number, request: (i: number) => Promise<Response>) => drive((i) => i < count, concurrency, request);

/** Requests for `seconds`. */
function driveFor(seconds: number, concurrency: number, request: (i: number) => Promise<Response>): Promise<Rate> {
  const until = performance.now() + seconds * 1000;
  return drive(() => performance.now() < until, concurrency, request);
}

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': CT }, body: JSON.stringify(body) });

export async function runRegistryPhase(ctx: { bin: string; dataRoot: string; sizes: RegistrySizes; log: (m: string) => void }): Promise<RegistryFigures> {
  const { sizes, log } = ctx;
  const dir = freshDir(ctx.dataRoot, 'registry');
  const registryPort = await freePort();
  const base = `http://127.0.0.1:${registryPort}`;
  const broker = await startBroker({
    bin: ctx.bin,
    dataDir: path.join(dir, 'data'),
    dev: false,
    logFile: path.join(dir, 'broker.log'),
    extraArgs: ['--schema-registry-addr', `127.0.0.1:${registryPort}`],
  });
  try {
    // The registry replays `_schemas` after the broker is up: wait until it answers.
    const deadline = performance.now() + 30_000;
    for (;;) {
      const ok = await fetch(`${base}/subjects`).then((r) => r.status === 200, () => false);
      if (ok) break;
      if (performance.now() > deadline) throw new Error('the registry did not answer within 30 s');
      await Bun.sleep(100);
    }
    // Warm up (first write creates nothing new: the topic exists; JIT, connections).
    await driveCount(50, 4, (i) => post(`${base}/subjects/warmup-${i}/versions`, { schema: schemaText(1_000_000 + i) }));
    await Bun.sleep(RSS_SETTLE_MS);
    const rssBeforeKiB = statusKiB(broker.pid, 'VmRSS') ?? 0;

    log(`registry: registering ${sizes.schemas} schemas, ${sizes.concurrency} in flight`);
    const ids: number[] = new Array(sizes.schemas);
    const registrations = await driveCount(sizes.schemas, sizes.concurrency, async (i) => {
      const res = await post(`${base}/subjects/bench-${i}-value/versions`, { schema: schemaText(i) });
      if (res.status === 200) {
        const clone = res.clone();
        ids[i] = ((await clone.json()) as { id: number }).id;
      }
      return res;
    });
    // RSS counts garbage the node has not collected yet: let it idle a moment first (its
    // collector runs on its own timer), as before the first reading.
    await Bun.sleep(RSS_SETTLE_MS);
    const rssAfterKiB = statusKiB(broker.pid, 'VmRSS') ?? 0;

    log(`registry: ${sizes.evolutions} versions of one subject (BACKWARD checks)`);
    const evolutions = await driveCount(sizes.evolutions, 1, (i) => post(`${base}/subjects/bench-evolving-value/versions`, { schema: schemaText(2_000_000, i) }));

    log(`registry: lookups for ${sizes.lookupSeconds} s each`);
    const lookupById = await driveFor(sizes.lookupSeconds, sizes.concurrency, () => fetch(`${base}/schemas/ids/${ids[Math.floor(Math.random() * ids.length)]}`));
    // A service's serializers look up a handful of schemas over and over; a registry of many
    // services sees them all. Both: HOT_SCHEMAS of them, then any of the registered ones.
    const lookupBySchema = await driveFor(sizes.lookupSeconds, sizes.concurrency, () => {
      const i = Math.floor(Math.random() * Math.min(HOT_SCHEMAS, sizes.schemas));
      return post(`${base}/subjects/bench-${i}-value`, { schema: schemaText(i) });
    });
    const lookupBySchemaAny = await driveFor(sizes.lookupSeconds, sizes.concurrency, () => {
      const i = Math.floor(Math.random() * sizes.schemas);
      return post(`${base}/subjects/bench-${i}-value`, { schema: schemaText(i) });
    });

    // The same client against a trivial server: what this machine's loopback HTTP allows.
    const body = JSON.stringify({ schema: schemaText(0) });
    const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response(body, { headers: { 'content-type': CT } }) });
    let loopbackHttp: Rate;
    try {
      loopbackHttp = await driveFor(sizes.lookupSeconds, sizes.concurrency, () => fetch(`http://127.0.0.1:${server.port}/schemas/ids/1`));
    } finally {
      server.stop(true);
    }
    // One registration appends one record (~key 60 B + value ~250 B) in one batch.
    const disk = await measureAppendFsync(dir, 512, sizes.diskSeconds);
    return {
      sizes,
      registrations,
      evolutions,
      lookupById,
      lookupBySchema,
      lookupBySchemaAny,
      loopbackHttp,
      disk,
      rssBeforeKiB,
      rssAfterKiB,
      kibPer10kSchemas: round(((rssAfterKiB - rssBeforeKiB) * 10_000) / sizes.schemas, 0),
      stateHeapKiBPer10kSchemas: stateHeapKiBPer10k(sizes.schemas),
    };
  } finally {
    await broker.stop();
  }
}

export function printRegistry(r: RegistryFigures, lines: string[]): void {
  const rate = (name: string, x: Rate) =>
    `  ${name.padEnd(28)} ${String(x.perS).padStart(9)} /s   p50 ${x.latencyMs.p50.toFixed(2)} ms   p99 ${x.latencyMs.p99.toFixed(2)} ms   (${x.requests} in ${x.seconds} s)`;
  lines.push('Schema registry (one node, fsync on, loopback HTTP, keep-alive)');
  lines.push(rate(`registrations (${r.sizes.concurrency} in flight)`, r.registrations));
  lines.push(rate('evolutions (BACKWARD, 1)', r.evolutions));
  lines.push(rate(`lookup by id (${r.sizes.concurrency})`, r.lookupById));
  lines.push(rate(`lookup by schema, ${HOT_SCHEMAS} (${r.sizes.concurrency})`, r.lookupBySchema));
  lines.push(rate(`lookup by schema, all (${r.sizes.concurrency})`, r.lookupBySchemaAny));
  lines.push(rate('loopback HTTP ceiling', r.loopbackHttp));
  lines.push(`  append+fdatasync at 512 B: ${round(r.disk.fsyncsPerS, 0)} /s (p99 ${r.disk.fsyncMs.p99.toFixed(2)} ms)`);
  lines.push(`  memory: RSS ${r.rssBeforeKiB} KiB -> ${r.rssAfterKiB} KiB after ${r.sizes.schemas} schemas = ${r.kibPer10kSchemas} KiB per 10,000 schemas`);
  lines.push(`          the registry state alone (heap, after a full GC): ${r.stateHeapKiBPer10kSchemas} KiB per 10,000 schemas`);
}
