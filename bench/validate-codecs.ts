// What Produce validation (src/broker/produce-append.ts validateProduced: CRC32C, the record
// walk, decompression) costs per GiB of records, by codec, with the decompressor it uses
// (decompressTransient: one reused buffer) beside a fresh buffer per batch (decompress). Not
// part of `npm run bench`; CPU only, no broker:
//
//   bun bench/validate-codecs.ts [--gib G] [--payload mixed|alphabet|random] [--rounds R]
//
// Batches as bench/produce-ceiling.ts sends them (64 records of 1 KiB, `mixed` by default: each
// record half xorshift bytes, half a..z). Prints CPU-s per GiB of record values (process
// cpuUsage; the median of R rounds after one unmeasured) and writes
// bench/results/<timestamp>-validate-codecs.json.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { installAccelerators } from '../src/compression/accelerators.ts';
import { compress, decompress, decompressTransient } from '../src/compression/index.ts';
import { Compression } from '../src/protocol/records/batch.ts';
import { type DecompressFn, validateRecords } from '../src/protocol/records/validate.ts';
import { buildPartitionBatches, type Payload } from './produce-frame.ts';
import { median } from './stats.ts';

const RECORD_BYTES = 1024;
const RECORDS_PER_BATCH = 64;
const CODECS: Array<[string, Compression]> = [['none', Compression.None], ['lz4', Compression.Lz4], ['snappy', Compression.Snappy], ['zstd', Compression.Zstd], ['gzip', Compression.Gzip]];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
}

installAccelerators();
const gib = Number(arg('--gib', '1'));
const rounds = Number(arg('--rounds', '3'));
const payload = arg('--payload', 'mixed') as Payload;
const NOW = 1_765_000_000_000;
const config = { maxMessageBytes: 1 << 20, timestampType: 'CreateTime' as const, compacted: false, messageTimestampBeforeMaxMs: Number.MAX_SAFE_INTEGER, messageTimestampAfterMaxMs: Number.MAX_SAFE_INTEGER };

/** CPU-s to validate `gib` GiB of records as batches like `batch`. */
function validateCost(batch: Uint8Array, decompressor: DecompressFn): number {
  const batches = Math.ceil((gib * 2 ** 30) / (RECORD_BYTES * RECORDS_PER_BATCH));
  const t0 = process.cpuUsage();
  for (let i = 0; i < batches; i++) {
    const r = validateRecords(batch, config, NOW, decompressor, { produceVersion: 9, topicPartition: 'bench-0' });
    if (!r.ok) throw new Error(`batch refused: ${r.error.message}`);
  }
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / 1e6 / gib;
}

const rows: Array<{ codec: string; batchBytes: number; transient: number; fresh: number }> = [];
for (const [codec, compression] of CODECS) {
  const [batch] = buildPartitionBatches({ topic: 'bench', partitions: 1, version: 9, recordBytes: RECORD_BYTES, recordsPerBatch: RECORDS_PER_BATCH, compression, payload, timestampMs: NOW, clientId: 'bench', acks: 1, timeoutMs: 30_000 }, compress);
  const transient: number[] = [];
  const fresh: number[] = [];
  validateCost(batch, decompressTransient); // warm-up
  validateCost(batch, decompress);
  for (let r = 0; r < rounds; r++) {
    transient.push(validateCost(batch, decompressTransient));
    fresh.push(validateCost(batch, decompress));
  }
  rows.push({ codec, batchBytes: batch.length, transient: median(transient), fresh: median(fresh) });
}

console.log(`validation of ${RECORDS_PER_BATCH} x ${RECORD_BYTES} B record batches (${payload}), CPU-s per GiB of records, median of ${rounds}`);
console.log('codec    batch bytes  reused buffer  fresh buffer');
for (const r of rows) console.log(`${r.codec.padEnd(8)} ${String(r.batchBytes).padStart(11)}  ${r.transient.toFixed(3).padStart(13)}  ${r.fresh.toFixed(3).padStart(12)}`);
const out = path.join(import.meta.dir, 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}-validate-codecs.json`);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ gib, rounds, payload, recordBytes: RECORD_BYTES, recordsPerBatch: RECORDS_PER_BATCH, rows }, null, 2));
console.log(`wrote ${path.relative(process.cwd(), out)}`);
