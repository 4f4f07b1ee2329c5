// The registry's families as text, in the two formats a scraper asks for:
// - the Prometheus text exposition format 0.0.4
//   (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format):
//   `# HELP` (help with `\` and newline escaped), `# TYPE`, samples `name{l="v"} value`, label
//   values with `\`, `"` and newline escaped; a histogram as cumulative `_bucket{le=...}` series
//   ending in `le="+Inf"`, then `_sum` and `_count`.
// - OpenMetrics 1.0 (https://github.com/prometheus/OpenMetrics/blob/main/specification/OpenMetrics.md):
//   the same samples, but a counter's family is named without `_total` in TYPE and HELP (its
//   sample keeps it), an info family without `_info` and of type `info`, HELP escapes `"` too
//   (its ABNF `escaped-string`), and the exposition ends with `# EOF`.
// Pure: the registry's values and the callbacks' answers in, a string out.

import { type AnyFamily, CallbackFamily, Family, type Histogram, LABEL_SETS_MAX_DEFAULT, type MetricSet, type MetricsRegistry } from './metrics.ts';
import { log } from './log.ts';

export type MetricsFormat = 'prometheus' | 'openmetrics';

/** The Content-Type of each format (the Prometheus docs and the OpenMetrics spec). */
export const CONTENT_TYPE: Readonly<Record<MetricsFormat, string>> = {
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

/**
 * The format an HTTP Accept header asks for: OpenMetrics when it names
 * application/openmetrics-text (as Prometheus sends when scraping with OpenMetrics enabled),
 * else the Prometheus text format, which every scraper reads.
 */
export function formatForAccept(accept: string | null | undefined): MetricsFormat {
  return accept !== null && accept !== undefined && /application\/openmetrics-text/i.test(accept) ? 'openmetrics' : 'prometheus';
}

/** The families of `set` in `format`: the whole body of a /metrics answer. */
export function renderMetrics(registry: MetricsRegistry, set: MetricSet, format: MetricsFormat): string {
  const out: string[] = [];
  for (const f of registry.select(set)) renderFamily(f, format, out);
  if (format === 'openmetrics') out.push('# EOF\n');
  return out.join('');
}

function renderFamily(f: AnyFamily, format: MetricsFormat, out: string[]): void {
  const om = format === 'openmetrics';
  const samples: string[] = [];
  if (f instanceof CallbackFamily) collectCallback(f, samples);
  else if (f.type === 'histogram') renderHistograms(f as Family<Histogram>, om, samples);
  else {
    for (const s of (f as Family<{ value: number }>).series()) {
      samples.push(`${f.spec.name}${labelText(f.labelNames, s.values)} ${numberText(s.child.value)}\n`);
    }
  }
  // An empty family says nothing a scraper can use (client_golang leaves such families out).
  if (samples.length === 0) return;
  const name = om ? familyNameOpenMetrics(f) : f.spec.name;
  const type = f.type === 'info' && !om ? 'gauge' : f.type;
  out.push(`# HELP ${name} ${om ? escapeLabelValue(f.spec.help) : escapeHelp(f.spec.help)}\n`, `# TYPE ${name} ${type}\n`);
  for (const s of samples) out.push(s);
}

/** OpenMetrics names a counter's family without _total and an info's without _info. */
function familyNameOpenMetrics(f: AnyFamily): string {
  const n = f.spec.name;
  if (f.type === 'counter') return n.slice(0, -'_total'.length);
  if (f.type === 'info') return n.slice(0, -'_info'.length);
  return n;
}

function collectCallback(f: CallbackFamily, samples: string[]): void {
  const max = f.spec.labelSetsMax ?? LABEL_SETS_MAX_DEFAULT;
  f.collect((values, value) => {
    if (samples.length >= max) {
      if (!f.warned) {
        f.warned = true;
        log.warn(`metric ${f.spec.name}: more than ${max} label sets at a scrape; the rest are left out`);
      }
      return;
    }
    samples.push(`${f.spec.name}${labelText(f.labelNames, values)} ${numberText(value)}\n`);
  });
}

function renderHistograms(f: Family<Histogram>, om: boolean, samples: string[]): void {
  const le = om ? canonicalNumber : goFloat;
  const name = f.spec.name;
  const names = f.labelNames;
  for (const { values, child: h } of f.series()) {
    let cumulative = 0;
    for (let i = 0; i < h.bounds.length; i++) {
      cumulative += h.counts[i];
      samples.push(`${name}_bucket${labelText(names, values, le(h.bounds[i]))} ${numberText(cumulative)}\n`);
    }
    samples.push(`${name}_bucket${labelText(names, values, '+Inf')} ${numberText(h.count)}\n`);
    const labels = labelText(names, values);
    const sum = `${name}_sum${labels} ${numberText(h.sum)}\n`;
    const count = `${name}_count${labels} ${numberText(h.count)}\n`;
    // Each spec's example order: _sum then _count (Prometheus docs), _count then _sum (OpenMetrics).
    if (om) samples.push(count, sum);
    else samples.push(sum, count);
  }
}

/** `{a="x",b="y"}` (with `le` last for a bucket), or nothing for no labels. */
function labelText(names: readonly string[], values: readonly string[], le?: string): string {
  if (names.length === 0 && le === undefined) return '';
  const parts: string[] = [];
  for (let i = 0; i < names.length; i++) parts.push(`${names[i]}="${escapeLabelValue(values[i] ?? '')}"`);
  if (le !== undefined) parts.push(`le="${le}"`);
  return `{${parts.join(',')}}`;
}

/** A sample value as Go's ParseFloat reads it: +Inf, -Inf, NaN, else JavaScript's shortest form. */
export function numberText(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  return String(v);
}

/**
 * A bound as Go's strconv.FormatFloat(v, 'g', -1, 64) writes it, as client_golang writes `le`
 * in the 0.0.4 format ("0.05", "1", "1e+06"): the shortest digits, in exponent form (two
 * exponent digits at least) when the exponent is below -4 or at least 6 ('g' with the shortest
 * precision uses 6 as its exponent threshold, strconv/ftoa.go).
 */
export function goFloat(v: number): string {
  if (!Number.isFinite(v)) return numberText(v);
  const [mantissa, expText] = v.toExponential().split('e');
  const exp = Number(expText);
  if (exp >= -4 && exp < 6) return String(v);
  const digits = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
  return `${mantissa}e${exp < 0 ? '-' : '+'}${digits}`;
}

/**
 * OpenMetrics' canonical number for `le` (the spec's histogram example: "0.0", "1e-05", "1.0",
 * "100000.0", "1e+06", "1.1e+23"): Go's 'g' form, with ".0" on an integral value without an
 * exponent, so one bound is always one label value.
 */
export function canonicalNumber(v: number): string {
  const g = goFloat(v);
  return Number.isFinite(v) && !/[.e]/.test(g) ? `${g}.0` : g;
}

/** HELP in the 0.0.4 format: backslash and line feed escaped, nothing else. */
export function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A label value (both formats) and OpenMetrics HELP: backslash, double quote and line feed escaped. */
export function escapeLabelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
