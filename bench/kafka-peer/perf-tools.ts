// Kafka's own load tools from the kafka-tools jar, as kafka-producer-perf-test.sh and
// kafka-consumer-perf-test.sh run them (kafka-run-class.sh with KAFKA_HEAP_OPTS=-Xmx512M), and
// the parsers of what they print. Pure: command lines in, numbers out.
//
// ProducerPerformance's window line, every 5 s while it runs (Stats#printWindow):
//   "%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency."
// ProducerPerformance's final line (tools/.../ProducerPerformance.java, Stats#printTotal):
//   "%d records sent, %.1f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency,
//    %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th."   (MB = 1024 * 1024 bytes)
// ConsumerPerformance prints a header line, then (without --show-detailed-stats) one line:
//   "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
//    rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec"   (MB = 1024 * 1024 bytes)

import { KAFKA_JVM_PERFORMANCE_OPTS, type JavaCommand } from './config.ts';

/** kafka-producer-perf-test.sh and kafka-consumer-perf-test.sh set this heap when none is given. */
export const PERF_TOOL_HEAP_OPTS = ['-Xmx512M'] as const;
const MiB = 1024 * 1024;

function toolArgv(c: JavaCommand, main: string, args: readonly string[]): string[] {
  return [c.java, ...PERF_TOOL_HEAP_OPTS, ...KAFKA_JVM_PERFORMANCE_OPTS, `-Dlog4j2.configurationFile=${c.log4jConfig}`, '-cp', c.classpath, main, ...args];
}

/** As fast as it can (--throughput -1) unless a rate in records/s is given, the Java producer's
 *  defaults but for acks. */
export function producerPerfArgv(c: JavaCommand, o: { bootstrap: string; topic: string; records: number; recordBytes: number; acks: string; recordsPerS?: number }): string[] {
  return toolArgv(c, 'org.apache.kafka.tools.ProducerPerformance', [
    '--bootstrap-server', o.bootstrap,
    '--topic', o.topic,
    '--num-records', String(o.records),
    '--record-size', String(o.recordBytes),
    '--throughput', String(o.recordsPerS ?? -1),
    '--command-property', `acks=${o.acks}`,
  ]);
}

/** Reads `records` from the beginning in a fresh group (the tool's own random group id). */
export function consumerPerfArgv(c: JavaCommand, o: { bootstrap: string; topic: string; records: number; timeoutMs: number }): string[] {
  return toolArgv(c, 'org.apache.kafka.tools.ConsumerPerformance', [
    '--bootstrap-server', o.bootstrap,
    '--topic', o.topic,
    '--num-records', String(o.records),
    '--timeout', String(o.timeoutMs),
  ]);
}

export type ProducerPerf = { records: number; recordsPerS: number; mbPerS: number; avgMs: number; maxMs: number; p50: number; p95: number; p99: number; p999: number };

const NUM = '([\\d.]+)';
const PRODUCER_TOTAL = new RegExp(`^(\\d+) records sent, ${NUM} records/sec \\(${NUM} MB/sec\\), ${NUM} ms avg latency, ${NUM} ms max latency, (\\d+) ms 50th, (\\d+) ms 95th, (\\d+) ms 99th, (\\d+) ms 99\\.9th\\.`);

/** The total line (the last that has percentiles). mbPerS is in MB = 10^6 bytes, like the
 *  rest of the bench (the tool prints MiB/s). */
export function parseProducerPerf(stdout: string): ProducerPerf | Error {
  const lines = stdout.split('\n').map((l) => PRODUCER_TOTAL.exec(l.trim())).filter((m): m is RegExpExecArray => m !== null);
  const m = lines.at(-1);
  if (!m) return new Error(`no ProducerPerformance total line in: ${stdout.slice(-500)}`);
  const n = m.slice(1).map(Number);
  return { records: n[0]!, recordsPerS: n[1]!, mbPerS: (n[2]! * MiB) / 1e6, avgMs: n[3]!, maxMs: n[4]!, p50: n[5]!, p95: n[6]!, p99: n[7]!, p999: n[8]! };
}

/** One window line: the records acknowledged in the window and their latency (send to ack). */
export type ProducerWindow = { records: number; recordsPerS: number; avgMs: number; maxMs: number };

const PRODUCER_WINDOW = new RegExp(`^(\\d+) records sent, ${NUM} records/sec \\(${NUM} MB/sec\\), ${NUM} ms avg latency, ${NUM} ms max latency\\.$`);

/** A window line, or null for any other line (the total line has percentiles after the max). */
export function parseProducerWindow(line: string): ProducerWindow | null {
  const m = PRODUCER_WINDOW.exec(line.trim());
  if (!m) return null;
  return { records: Number(m[1]), recordsPerS: Number(m[2]), avgMs: Number(m[4]), maxMs: Number(m[5]) };
}

/** mbPerS counts from the tool's start, so it includes joining the group (rebalanceMs);
 *  fetchMbPerS (fetch.MB.sec) counts from the end of the join, comparable with the C driver's
 *  group-less consume. Both in MB = 10^6 bytes (the tool prints MiB). */
export type ConsumerPerf = { bytes: number; mbPerS: number; records: number; recordsPerS: number; fetchMbPerS: number; fetchRecordsPerS: number; rebalanceMs: number };

/** The values line under the header, read by column name. */
export function parseConsumerPerf(stdout: string): ConsumerPerf | Error {
  const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  const h = lines.findIndex((l) => l.startsWith('start.time, end.time, data.consumed.in.MB'));
  if (h < 0) return new Error(`no ConsumerPerformance result in: ${stdout.slice(-500)}`);
  const header = lines[h]!.split(',').map((s) => s.trim());
  // The first line after the header with as many fields (a log line could come between).
  const row = lines.slice(h + 1).find((l) => l.split(',').length === header.length);
  if (!row) return new Error(`no ConsumerPerformance values line in: ${stdout.slice(-500)}`);
  const values = row.split(',').map((s) => s.trim());
  const get = (name: string) => Number(values[header.indexOf(name)]);
  const r = { bytes: get('data.consumed.in.MB') * MiB, mbPerS: (get('MB.sec') * MiB) / 1e6, records: get('data.consumed.in.nMsg'), recordsPerS: get('nMsg.sec'), fetchMbPerS: (get('fetch.MB.sec') * MiB) / 1e6, fetchRecordsPerS: get('fetch.nMsg.sec'), rebalanceMs: get('rebalance.time.ms') };
  return Object.values(r).some((v) => !Number.isFinite(v)) ? new Error(`unreadable ConsumerPerformance line: ${row}`) : r;
}
