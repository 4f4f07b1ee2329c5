// The recompression phase: what broker-side recompression (topic or broker compression.type
// other than `producer`, src/broker/recompress.ts) costs. The same acks=1, 1-partition produce
// as the first broker phase (librdkafka, uncompressed 1 KiB records, linger.ms=5,
// batch.size=1000000) runs against a fresh broker per setting of the broker-wide
// compression.type, which the auto-created topic inherits: `producer` (stored as sent, the
// baseline) and each codec (every batch re-encoded). Two payloads bracket real data: the
// driver's repeating alphabet (a codec's best case: ~1000x smaller on disk, so the broker also
// writes far less) and random bytes (its worst case: nothing to gain, the full cost of
// encoding).
// Reported: throughput, the broker's CPU-seconds per GiB produced, and the bytes on disk.
// Informational: no targets.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { type PhaseContext, produceStep, withBroker } from './phases.ts';

export const RECOMPRESS_TYPES = ['producer', 'zstd', 'lz4', 'snappy', 'gzip'] as const;

export const PAYLOADS = ['alphabet', 'random'] as const;

export type RecompressRow = {
  compressionType: string;
  payload: string;
  delivered: number;
  recordBytes: number;
  mbPerS: number;
  brokerCpuS: number;
  cpuSPerGiB: number;
  storedBytes: number;
};

export type RecompressFigures = { rows: RecompressRow[] };

const GiB = 1024 ** 3;

function bytesUnder(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) n += bytesUnder(p);
    else if (e.name.endsWith('.log')) n += fs.statSync(p).size;
  }
  return n;
}

export async function runRecompressPhase(ctx: PhaseContext): Promise<RecompressFigures> {
  const rows: RecompressRow[] = [];
  for (const payload of PAYLOADS) for (const type of RECOMPRESS_TYPES) {
    const name = `recompress-${type}-${payload}`;
    ctx.log(`recompression: acks=1, 1 partition, uncompressed ${payload} records, broker compression.type=${type}`);
    const r = await withBroker(ctx, name, 1, false, async (b) => {
      const step = await produceStep(ctx, b, null, '1', 1, { '--payload': payload });
      return { step, storedBytes: bytesUnder(path.join(ctx.dataRoot, name, 'kafka')) };
    }, { 'compression.type': type });
    const { step, storedBytes } = r.value;
    const bytes = step.delivered * step.size;
    rows.push({
      compressionType: type,
      payload,
      delivered: step.delivered,
      recordBytes: step.size,
      mbPerS: step.mb_per_s,
      brokerCpuS: step.brokerCpuS,
      cpuSPerGiB: bytes > 0 ? step.brokerCpuS / (bytes / GiB) : 0,
      storedBytes,
    });
  }
  return { rows };
}

export function printRecompress(f: RecompressFigures, out: string[]): void {
  out.push('Recompression (no --dev; acks=1, 1 partition, librdkafka sends uncompressed 1 KiB records; broker compression.type set as listed). Informational, no targets.');
  out.push('  payload   compression.type   MB/s     broker CPU-s/GiB   vs producer   on disk');
  for (const r of f.rows) {
    const base = f.rows.find((x) => x.compressionType === 'producer' && x.payload === r.payload);
    const extra = base && base.cpuSPerGiB > 0 ? `${(r.cpuSPerGiB / base.cpuSPerGiB).toFixed(2)}x` : '';
    const disk = `${(r.storedBytes / 1e6).toFixed(1)} MB`;
    out.push(`  ${r.payload.padEnd(8)}  ${r.compressionType.padEnd(17)}  ${r.mbPerS.toFixed(1).padStart(6)}   ${r.cpuSPerGiB.toFixed(3).padStart(16)}   ${extra.padStart(11)}   ${disk}`);
  }
}
