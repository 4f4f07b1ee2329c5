// A node's metrics registry: counters, gauges, histograms and callback families read at scrape
// time, each with a fixed list of label names and a named cap on its label sets. One registry
// per node, carried in NodeDeps (no global), so a simulated cluster in one process keeps each
// node's figures apart. Pure: no clock (callers pass durations in seconds), no I/O; the text
// renderings are in metrics-text.ts.
//
// Names follow Prometheus' conventions (https://prometheus.io/docs/practices/naming/): the
// application prefix `freshet_`, snake_case, base units last (`_seconds`, `_bytes`), `_total`
// on counters. A name that breaks them is a programmer error (asserted at registration).
//
// Hot path: `family.labels(...)` looks a child up by its joined values (one string per call),
// so instrumented code resolves its children once (per API key and version, per topic) and
// keeps them; `Counter.inc` and `Histogram.observe` then allocate nothing.

import { assert } from './assert.ts';
import { log } from './log.ts';

/** Label sets a family keeps by default before new ones go to its overflow series. */
export const LABEL_SETS_MAX_DEFAULT = 1_000;
/**
 * The value every label takes in a family's overflow series, which counts what label sets past
 * the cap would have. OpenTelemetry's SDK does the same with one `otel.metric.overflow=true`
 * series (specification/metrics/sdk.md, "Cardinality limits"); keeping the family's label
 * names keeps every series of it alike for PromQL's `by (...)`.
 */
export const OVERFLOW_LABEL_VALUE = '__overflow__';
/** Buckets a histogram may have (each one a series per label set). */
export const HISTOGRAM_BUCKETS_MAX = 40;

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'info';
/** Which families a scrape asks for: everything, or the curated subset (/public_metrics). */
export type MetricSet = 'all' | 'public';

export interface MetricSpec {
  /** freshet_ + snake_case; counters end in _total, info families in _info. */
  readonly name: string;
  readonly help: string;
  readonly labels?: readonly string[];
  /** Label sets kept before the overflow series takes the rest (LABEL_SETS_MAX_DEFAULT). */
  readonly labelSetsMax?: number;
  /** In the curated subset an operator dashboards (/public_metrics). */
  readonly public?: boolean;
}

export interface HistogramSpec extends MetricSpec {
  /** Upper bounds, strictly increasing and finite; +Inf is implied. */
  readonly buckets: readonly number[];
}

/** Latency buckets in seconds, 100 us to 10 s: a Kafka request on loopback to a slow fsync. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** The application prefix of every metric name (Prometheus' naming practices). */
export const METRIC_PREFIX = 'freshet_';
const SNAKE_CASE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
// https://prometheus.io/docs/concepts/data_model/: names starting with __ are reserved.
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export class Counter {
  value = 0;
  /** Adds n (>= 0: a counter only goes up; a reset is a process restart). */
  inc(n = 1): void {
    this.value += n;
  }
}

export class Gauge {
  value = 0;
  set(v: number): void {
    this.value = v;
  }
  inc(n = 1): void {
    this.value += n;
  }
  dec(n = 1): void {
    this.value -= n;
  }
}

export class Histogram {
  /** Per bucket, observations <= its bound and above the previous one (cumulated when rendered). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  /** Records one observation (a duration in seconds, a size in bytes). */
  observe(v: number): void {
    this.sum += v;
    this.count++;
    const b = this.bounds;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]) {
        this.counts[i]++;
        return;
      }
    }
    // Above the last bound: only the implied +Inf bucket (count) holds it.
  }
}

/** One label set's child, its values in the family's label order. */
export interface Series<C> {
  readonly values: readonly string[];
  readonly child: C;
}

/** A family of children, one per label set, capped at labelSetsMax plus one overflow child. */
export class Family<C> {
  private readonly children = new Map<string, Series<C>>();
  private overflow: Series<C> | null = null;
  private warned = false;

  constructor(
    readonly type: MetricType,
    readonly spec: MetricSpec,
    private readonly make: () => C,
  ) {}

  get labelNames(): readonly string[] {
    return this.spec.labels ?? [];
  }

  /** The child for these label values (in the family's label order); created on first use. */
  labels(...values: string[]): C {
    assert(values.length === this.labelNames.length, `${this.spec.name}: ${values.length} label values for labels (${this.labelNames.join(', ')})`);
    const key = values.length === 1 ? values[0] : values.join('\u0000');
    const found = this.children.get(key);
    if (found !== undefined) return found.child;
    if (this.children.size >= (this.spec.labelSetsMax ?? LABEL_SETS_MAX_DEFAULT)) return this.overflowChild();
    const s: Series<C> = { values, child: this.make() };
    this.children.set(key, s);
    return s.child;
  }

  /** Forgets a label set (a deleted topic); its counts are gone from the next scrape. */
  remove(...values: string[]): void {
    this.children.delete(values.length === 1 ? values[0] : values.join('\u0000'));
  }

  /** Every child, in creation order, the overflow series last. */
  series(): Series<C>[] {
    const out = [...this.children.values()];
    if (this.overflow !== null) out.push(this.overflow);
    return out;
  }

  private overflowChild(): C {
    if (this.overflow === null) {
      this.overflow = { values: this.labelNames.map(() => OVERFLOW_LABEL_VALUE), child: this.make() };
    }
    if (!this.warned) {
      this.warned = true;
      log.warn(`metric ${this.spec.name}: more than ${this.spec.labelSetsMax ?? LABEL_SETS_MAX_DEFAULT} label sets; the rest are counted in its ${OVERFLOW_LABEL_VALUE} series`);
    }
    return this.overflow.child;
  }
}

/** Emits one sample of a callback family: its label values (in order) and value. */
export type Emit = (values: readonly string[], value: number) => void;

/**
 * A counter or gauge family whose samples are read from the node's state at scrape time. At
 * most labelSetsMax samples are kept per scrape (a callback cannot be summed into an overflow
 * series: a gauge's values do not add); past it the rest are dropped and a warning is logged once.
 */
export class CallbackFamily {
  readonly labelNames: readonly string[];
  /** Set once the cap was first passed, so the warning is logged once per family. */
  warned = false;

  constructor(
    readonly type: 'counter' | 'gauge',
    readonly spec: MetricSpec,
    readonly collect: (emit: Emit) => void,
  ) {
    this.labelNames = spec.labels ?? [];
  }
}

export type AnyFamily = Family<Counter> | Family<Gauge> | Family<Histogram> | CallbackFamily;

export class MetricsRegistry {
  private readonly families = new Map<string, AnyFamily>();

  /** `prefix` is what every name must start with: METRIC_PREFIX for a node, '' in format tests. */
  constructor(private readonly prefix: string = METRIC_PREFIX) {}

  counter(spec: MetricSpec): Family<Counter> {
    assert(spec.name.endsWith('_total'), `${spec.name}: a counter's name ends in _total`);
    return this.add(new Family<Counter>('counter', spec, () => new Counter()));
  }

  gauge(spec: MetricSpec): Family<Gauge> {
    assert(!spec.name.endsWith('_total'), `${spec.name}: _total is for counters`);
    return this.add(new Family<Gauge>('gauge', spec, () => new Gauge()));
  }

  /**
   * A constant 1 whose labels carry the information (freshet_build_info{version}): an info
   * family in OpenMetrics, a gauge in the Prometheus text format (which has no info type).
   */
  info(spec: MetricSpec, values: readonly string[]): void {
    assert(spec.name.endsWith('_info'), `${spec.name}: an info family's name ends in _info`);
    const f = this.add(new Family<Gauge>('info', spec, () => new Gauge()));
    f.labels(...values).set(1);
  }

  histogram(spec: HistogramSpec): Family<Histogram> {
    const b = spec.buckets;
    assert(b.length > 0 && b.length <= HISTOGRAM_BUCKETS_MAX, `${spec.name}: 1 to ${HISTOGRAM_BUCKETS_MAX} buckets`);
    assert(b.every((x, i) => Number.isFinite(x) && (i === 0 || x > b[i - 1])), `${spec.name}: buckets strictly increasing and finite`);
    assert(!(spec.labels ?? []).includes('le'), `${spec.name}: 'le' is the bucket label`);
    return this.add(new Family<Histogram>('histogram', spec, () => new Histogram(b)));
  }

  /** A family read at scrape time (partition offsets, RSS, free disk): nothing on the hot path. */
  callback(type: 'counter' | 'gauge', spec: MetricSpec, collect: (emit: Emit) => void): void {
    assert(type !== 'counter' || spec.name.endsWith('_total'), `${spec.name}: a counter's name ends in _total`);
    this.add(new CallbackFamily(type, spec, collect));
  }

  /** The families of a set, in registration order. */
  select(set: MetricSet): AnyFamily[] {
    const all = [...this.families.values()];
    return set === 'all' ? all : all.filter((f) => f.spec.public === true);
  }

  private add<F extends AnyFamily>(f: F): F {
    const { name, labels = [] } = f.spec;
    assert(name.startsWith(this.prefix) && SNAKE_CASE.test(name), `metric name '${name}': ${this.prefix} then snake_case`);
    assert(!this.families.has(name), `metric ${name} registered twice`);
    for (const l of labels) assert(LABEL_NAME.test(l) && !l.startsWith('__'), `${name}: label name '${l}'`);
    assert(new Set(labels).size === labels.length, `${name}: a label name repeats`);
    assert((f.spec.labelSetsMax ?? LABEL_SETS_MAX_DEFAULT) >= 1, `${name}: labelSetsMax >= 1`);
    this.families.set(name, f);
    return f;
  }
}
