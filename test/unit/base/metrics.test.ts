// The metrics registry and its two renderings, against the examples of the specifications:
// the Prometheus text format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/,
// "Text format example") and OpenMetrics 1.0 (specification/OpenMetrics.md, its histogram and
// info examples), with the format's rules quoted where an example does not show them.

import { expect, spyOn, test } from 'bun:test';
import { AssertionError } from '../../../src/base/assert.ts';
import { MetricsRegistry, OVERFLOW_LABEL_VALUE } from '../../../src/base/metrics.ts';
import { canonicalNumber, formatForAccept, goFloat, renderMetrics } from '../../../src/base/metrics-text.ts';

/** Observations that fill the docs' histogram exactly (per bucket: 24054, 9390, 66948, 28997,
 *  4599, 10332), with values exact in binary so their sum is exactly the docs' 53423. */
function fillDocsHistogram(observe: (v: number) => void): void {
  const runs: Array<[number, number]> = [[24054, 0], [9390, 0.0625], [66948, 0.125], [28997, 0.25], [4599, 1], [10331, 2], [1, 11957.375]];
  for (const [n, v] of runs) for (let i = 0; i < n; i++) observe(v);
}

test('the Prometheus docs example: a labelled counter and a histogram, byte for byte (timestamps aside)', () => {
  const r = new MetricsRegistry('');
  const requests = r.counter({ name: 'http_requests_total', help: 'The total number of HTTP requests.', labels: ['method', 'code'] });
  requests.labels('post', '200').inc(1027);
  requests.labels('post', '400').inc(3);
  const duration = r.histogram({ name: 'http_request_duration_seconds', help: 'A histogram of the request duration.', buckets: [0.05, 0.1, 0.2, 0.5, 1] });
  const h = duration.labels();
  fillDocsHistogram((v) => h.observe(v));
  // The docs' example, without the timestamps of its counter samples (we expose none).
  expect(renderMetrics(r, 'all', 'prometheus')).toBe(
    [
      '# HELP http_requests_total The total number of HTTP requests.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="post",code="200"} 1027',
      'http_requests_total{method="post",code="400"} 3',
      '# HELP http_request_duration_seconds A histogram of the request duration.',
      '# TYPE http_request_duration_seconds histogram',
      'http_request_duration_seconds_bucket{le="0.05"} 24054',
      'http_request_duration_seconds_bucket{le="0.1"} 33444',
      'http_request_duration_seconds_bucket{le="0.2"} 100392',
      'http_request_duration_seconds_bucket{le="0.5"} 129389',
      'http_request_duration_seconds_bucket{le="1"} 133988',
      'http_request_duration_seconds_bucket{le="+Inf"} 144320',
      'http_request_duration_seconds_sum 53423',
      'http_request_duration_seconds_count 144320',
      '',
    ].join('\n'),
  );
});

test('label values escape backslash, double quote and line feed (the docs example); 0.0.4 HELP escapes only backslash and line feed', () => {
  const r = new MetricsRegistry('');
  const g = r.gauge({ name: 'msdos_file_access_time_seconds', help: 'say "hi" \\ then\nmore', labels: ['path', 'error'] });
  g.labels('C:\\DIR\\FILE.TXT', 'Cannot find file:\n"FILE.TXT"').set(1.458255915e9);
  const text = renderMetrics(r, 'all', 'prometheus');
  // The docs: 'msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9'
  const sample = text.split('\n')[2];
  expect(sample.slice(0, sample.lastIndexOf(' '))).toBe('msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""}');
  expect(Number(sample.slice(sample.lastIndexOf(' ') + 1))).toBe(1.458255915e9);
  // "For HELP lines, backslash and line feed are escaped ... for label values, double quote too."
  expect(text.split('\n')[0]).toBe('# HELP msdos_file_access_time_seconds say "hi" \\\\ then\\nmore');
  // OpenMetrics' HELP is an escaped-string: the double quote is escaped as well.
  expect(renderMetrics(r, 'all', 'openmetrics').split('\n')[0]).toBe('# HELP msdos_file_access_time_seconds say \\"hi\\" \\\\ then\\nmore');
});

test("OpenMetrics: a counter's family drops _total in HELP and TYPE, and the exposition ends with # EOF", () => {
  // prometheus/client_rust's documented OpenMetrics output for one counter at 1 (encoding/text).
  const r = new MetricsRegistry('');
  r.counter({ name: 'my_counter_total', help: 'This is my counter.' }).labels().inc();
  expect(renderMetrics(r, 'all', 'openmetrics')).toBe('# HELP my_counter This is my counter.\n# TYPE my_counter counter\nmy_counter_total 1\n# EOF\n');
  // The 0.0.4 format names the family as its sample.
  expect(renderMetrics(r, 'all', 'prometheus')).toBe('# HELP my_counter_total This is my counter.\n# TYPE my_counter_total counter\nmy_counter_total 1\n');
});

test("OpenMetrics: the spec's histogram example, with le as canonical numbers", () => {
  const r = new MetricsRegistry('');
  const f = r.histogram({ name: 'foo', help: 'h', buckets: [0, 1e-5, 1e-4, 0.1, 1, 10, 100000, 1e6, 1e23, 1.1e23] });
  const h = f.labels();
  h.counts.set([0, 0, 5, 3, 2, 1, 0, 4, 1, 1]);
  h.count = 17;
  h.sum = 324789.3;
  // The spec's example without its start timestamps (st@) and _created, which we do not expose.
  expect(renderMetrics(r, 'all', 'openmetrics')).toBe(
    [
      '# HELP foo h',
      '# TYPE foo histogram',
      'foo_bucket{le="0.0"} 0',
      'foo_bucket{le="1e-05"} 0',
      'foo_bucket{le="0.0001"} 5',
      'foo_bucket{le="0.1"} 8',
      'foo_bucket{le="1.0"} 10',
      'foo_bucket{le="10.0"} 11',
      'foo_bucket{le="100000.0"} 11',
      'foo_bucket{le="1e+06"} 15',
      'foo_bucket{le="1e+23"} 16',
      'foo_bucket{le="1.1e+23"} 17',
      'foo_bucket{le="+Inf"} 17',
      'foo_count 17',
      'foo_sum 324789.3',
      '# EOF',
      '',
    ].join('\n'),
  );
});

test('OpenMetrics: an info family is typed info and named without _info; the 0.0.4 format has no info type and says gauge', () => {
  const r = new MetricsRegistry('');
  r.info({ name: 'foo_info', help: 'h', labels: ['name', 'version'] }, ['pretty name', '8.2.7']);
  // The spec's Info example: '# TYPE foo info' / 'foo_info{name="pretty name",version="8.2.7"} 1'.
  expect(renderMetrics(r, 'all', 'openmetrics')).toBe('# HELP foo h\n# TYPE foo info\nfoo_info{name="pretty name",version="8.2.7"} 1\n# EOF\n');
  expect(renderMetrics(r, 'all', 'prometheus')).toBe('# HELP foo_info h\n# TYPE foo_info gauge\nfoo_info{name="pretty name",version="8.2.7"} 1\n');
});

test("numbers: Go's 'g' form for 0.0.4 bounds, OpenMetrics canonical numbers, +Inf/-Inf/NaN for values", () => {
  // strconv.FormatFloat(v, 'g', -1, 64), as client_golang writes le.
  expect([0.05, 1, 100000, 1e6, 1.5555555555555e6, 1e-5, 0.0001, 2.5].map(goFloat)).toEqual(['0.05', '1', '100000', '1e+06', '1.5555555555555e+06', '1e-05', '0.0001', '2.5']);
  expect([0, 1, 10, 100000, 1e6, 1e-5].map(canonicalNumber)).toEqual(['0.0', '1.0', '10.0', '100000.0', '1e+06', '1e-05']);
  const r = new MetricsRegistry('');
  const g = r.gauge({ name: 'g', help: 'h', labels: ['k'] });
  g.labels('a').set(Infinity);
  g.labels('b').set(-Infinity);
  g.labels('c').set(Number.NaN);
  expect(renderMetrics(r, 'all', 'prometheus').split('\n').slice(2, 5)).toEqual(['g{k="a"} +Inf', 'g{k="b"} -Inf', 'g{k="c"} NaN']);
});

test('a histogram bucket counts observations <= its bound (le); above the last bound only +Inf holds it', () => {
  const r = new MetricsRegistry('');
  const h = r.histogram({ name: 'x_seconds', help: 'h', buckets: [1, 2] }).labels();
  for (const v of [1, 1.5, 2, 3]) h.observe(v);
  expect(renderMetrics(r, 'all', 'prometheus').split('\n').slice(2, 7)).toEqual([
    'x_seconds_bucket{le="1"} 1',
    'x_seconds_bucket{le="2"} 3',
    'x_seconds_bucket{le="+Inf"} 4',
    'x_seconds_sum 7.5',
    'x_seconds_count 4',
  ]);
});

test('past its cap a family counts new label sets in one overflow series, and warns once', () => {
  const r = new MetricsRegistry('');
  const c = r.counter({ name: 'bytes_total', help: 'h', labels: ['topic'], labelSetsMax: 2 });
  const warn = spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    c.labels('a').inc(1);
    c.labels('b').inc(2);
    c.labels('c').inc(3);
    c.labels('d').inc(4);
    c.labels('a').inc(10); // a kept set still counts in its own series
    expect(warn.mock.calls.filter((call) => String(call[0]).includes('bytes_total')).length).toBe(1);
  } finally {
    warn.mockRestore();
  }
  expect(renderMetrics(r, 'all', 'prometheus').split('\n').slice(2, -1)).toEqual([
    'bytes_total{topic="a"} 11',
    'bytes_total{topic="b"} 2',
    `bytes_total{topic="${OVERFLOW_LABEL_VALUE}"} 7`,
  ]);
});

test('a callback family is read at each scrape and keeps at most its cap of samples', () => {
  const r = new MetricsRegistry('');
  let offsets: Array<[string, number]> = [['t-0', 5]];
  r.callback('gauge', { name: 'offset', help: 'h', labels: ['partition'], labelSetsMax: 2 }, (emit) => {
    for (const [p, o] of offsets) emit([p], o);
  });
  expect(renderMetrics(r, 'all', 'prometheus')).toContain('offset{partition="t-0"} 5\n');
  offsets = [['t-0', 9], ['t-1', 1], ['t-2', 2]];
  const warn = spyOn(process.stderr, 'write').mockImplementation(() => true);
  let text: string;
  try {
    text = renderMetrics(r, 'all', 'prometheus');
  } finally {
    warn.mockRestore();
  }
  expect(text.split('\n').slice(2, -1)).toEqual(['offset{partition="t-0"} 9', 'offset{partition="t-1"} 1']);
});

test('the public set holds only the families marked public; an empty family is left out', () => {
  const r = new MetricsRegistry('');
  r.counter({ name: 'a_total', help: 'h', public: true }).labels().inc();
  r.counter({ name: 'b_total', help: 'h' }).labels().inc();
  r.counter({ name: 'c_total', help: 'h', labels: ['x'], public: true }); // no series yet
  expect(renderMetrics(r, 'public', 'prometheus')).toBe('# HELP a_total h\n# TYPE a_total counter\na_total 1\n');
  expect(renderMetrics(r, 'all', 'prometheus')).toContain('b_total 1\n');
});

test('names break no convention: the prefix, snake_case, _total on counters only, valid and unique label names', () => {
  const r = new MetricsRegistry();
  expect(() => r.counter({ name: 'requests_total', help: 'h' })).toThrow(AssertionError);
  expect(() => r.counter({ name: 'freshet_requests', help: 'h' })).toThrow(AssertionError);
  expect(() => r.gauge({ name: 'freshet_requests_total', help: 'h' })).toThrow(AssertionError);
  expect(() => r.gauge({ name: 'freshet_BadCase', help: 'h' })).toThrow(AssertionError);
  expect(() => r.gauge({ name: 'freshet_x', help: 'h', labels: ['__reserved'] })).toThrow(AssertionError);
  expect(() => r.gauge({ name: 'freshet_x', help: 'h', labels: ['a', 'a'] })).toThrow(AssertionError);
  expect(() => r.histogram({ name: 'freshet_h_seconds', help: 'h', labels: ['le'], buckets: [1] })).toThrow(AssertionError);
  expect(() => r.histogram({ name: 'freshet_h_seconds', help: 'h', buckets: [2, 1] })).toThrow(AssertionError);
  r.gauge({ name: 'freshet_x', help: 'h' });
  expect(() => r.gauge({ name: 'freshet_x', help: 'h' })).toThrow(AssertionError);
  expect(() => r.gauge({ name: 'freshet_y', help: 'h', labels: ['a'] }).labels('1', '2')).toThrow(AssertionError);
});

test('two registries keep their figures apart (one per node, no global)', () => {
  const a = new MetricsRegistry();
  const b = new MetricsRegistry();
  a.counter({ name: 'freshet_n_total', help: 'h' }).labels().inc(5);
  b.counter({ name: 'freshet_n_total', help: 'h' }).labels().inc(1);
  expect(renderMetrics(a, 'all', 'prometheus')).toContain('freshet_n_total 5\n');
  expect(renderMetrics(b, 'all', 'prometheus')).toContain('freshet_n_total 1\n');
});

test('Accept: OpenMetrics when asked for by name, else the 0.0.4 text format', () => {
  // What Prometheus sends with OpenMetrics enabled (scrape.go's default Accept).
  expect(formatForAccept('application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1')).toBe('openmetrics');
  expect(formatForAccept('text/plain;version=0.0.4')).toBe('prometheus');
  expect(formatForAccept(undefined)).toBe('prometheus');
});
