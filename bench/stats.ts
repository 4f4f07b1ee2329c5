// Small numeric helpers shared by the bench modules.

export type Percentiles = { n: number; p50: number; p99: number; p999: number; max: number };

/** Nearest-rank percentiles of `values` (sorted in place). */
export function percentiles(values: number[]): Percentiles {
  values.sort((a, b) => a - b);
  const n = values.length;
  const at = (q: number): number => (n === 0 ? 0 : values[Math.min(n - 1, Math.floor(q * n))]!);
  return { n, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: n === 0 ? 0 : values[n - 1]! };
}

export function median(values: number[]): number {
  return percentiles([...values]).p50;
}

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** "16 KiB", "1 MiB", "88.3 KiB". */
export function formatBytes(n: number): string {
  if (n >= MiB) return `${+(n / MiB).toFixed(n % MiB === 0 ? 0 : 2)} MiB`;
  if (n >= KiB) return `${+(n / KiB).toFixed(n % KiB === 0 ? 0 : 1)} KiB`;
  return `${Math.round(n)} B`;
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
