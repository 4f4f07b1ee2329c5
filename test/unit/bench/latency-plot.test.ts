// The peer phase's latency plot and latency rows, without a broker: the SVG is well-formed XML
// (read by Python's own XML parser, not ours), its x axis is HdrHistogram's percentile layout
// (log10 of 1/(1-q): 90%, 99%, 99.9% evenly spaced) and its y axis is log latency; the fixed
// rate is half the lower maximum (issue 11).

import { describe, expect, test } from 'bun:test';
import { latencyPlotSvg, nines, percentileLabel } from '../../../bench/latency-plot.ts';
import { latencyRate, latencyRows, type PeerLatency } from '../../../bench/peer-report.ts';

/** Python's xml.etree: root tag and each path's d attribute and stroke. */
function parseSvg(svg: string): { root: string; paths: { d: string; stroke: string }[]; texts: string[] } {
  const py = [
    'import sys, json, xml.etree.ElementTree as E',
    'r = E.fromstring(sys.stdin.read())',
    "ns = '{http://www.w3.org/2000/svg}'",
    "print(json.dumps({'root': r.tag, 'paths': [{'d': p.get('d'), 'stroke': p.get('stroke')} for p in r.iter(ns + 'path')], 'texts': [t.text for t in r.iter(ns + 'text')]}))",
  ].join('\n');
  const p = Bun.spawnSync(['python3', '-c', py], { stdin: new TextEncoder().encode(svg), stdout: 'pipe', stderr: 'pipe' });
  if (p.exitCode !== 0) throw new Error(`not well-formed XML: ${p.stderr.toString()}`);
  return JSON.parse(p.stdout.toString());
}

const pointsOf = (d: string) => [...d.matchAll(/[ML]([\d.]+) ([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])] as const);

describe('the latency distribution plot', () => {
  const series = [
    { label: 'Kafka <default> & "quoted"', color: '#1f77b4', quantiles: [[0, 1], [0.9, 10], [0.99, 100], [0.999, 1000], [1, 2000]] as [number, number][] },
    { label: 'Freshet', color: '#ff7f0e', dashed: true, quantiles: [[0, 0.5], [0.9, 1], [0.99, 2]] as [number, number][] },
    { label: 'nothing measured', color: '#000', quantiles: [] },
  ];
  // Parsed inside each test, so a document Python cannot read fails the tests, not the file's set-up.
  const parsedPlot = () => parseSvg(latencyPlotSvg('title', series));

  test('is an SVG document an XML parser reads, labels escaped and kept', () => {
    const parsed = parsedPlot();
    expect(parsed.root).toBe('{http://www.w3.org/2000/svg}svg');
    expect(parsed.texts).toContain('Kafka <default> & "quoted"');
  });

  test('one line per series with points, in its colour', () => {
    const parsed = parsedPlot();
    expect(parsed.paths.map((p) => p.stroke)).toEqual(['#1f77b4', '#ff7f0e']);
  });

  test('x: each added nine of the percentile is the same step right; the max (q = 1) is not drawn', () => {
    const parsed = parsedPlot();
    const pts = pointsOf(parsed.paths[0]!.d);
    expect(pts.length).toBe(4);
    const steps = pts.slice(1).map((p, i) => p[0] - pts[i]![0]);
    expect(steps[1]).toBeCloseTo(steps[0]!, 1);
    expect(steps[2]).toBeCloseTo(steps[0]!, 1);
  });

  test('y: ten times the latency is the same step up (log axis), higher latency higher on the page', () => {
    const parsed = parsedPlot();
    const pts = pointsOf(parsed.paths[0]!.d);
    const up = pts.slice(1).map((p, i) => pts[i]![1] - p[1]);
    expect(up[0]).toBeGreaterThan(0);
    expect(up[1]).toBeCloseTo(up[0]!, 1);
    expect(up[2]).toBeCloseTo(up[0]!, 1);
  });

  test('percentile labels and positions: 90% is one nine, 99.9% three', () => {
    expect([0, 1, 2, 3, 4].map(percentileLabel)).toEqual(['0%', '90%', '99%', '99.9%', '99.99%']);
    expect(nines(0.9)).toBeCloseTo(1, 9);
    expect(nines(0.999)).toBeCloseTo(3, 9);
    expect(nines(1)).toBeNull();
  });

  test('an empty plot is still a document', () => {
    expect(parseSvg(latencyPlotSvg('empty', [])).paths).toEqual([]);
  });
});

describe('the latency step', () => {
  test('the fixed rate is half the lower of the two maxima, whichever side is lower', () => {
    expect(latencyRate(80_000, 200_000)).toBe(40_000);
    expect(latencyRate(200_000, 81_001)).toBe(40_500);
    expect(latencyRate(0, 5)).toBe(1);
  });

  test('rows compare p50, p99 and p99.9, lower is ahead', () => {
    const l = (p50: number, p99: number, p999: number): PeerLatency => ({ rate: 1000, p50, p99, p999, max: p999, quantiles: [], delivered: 1, failed: 0 });
    const rows = latencyRows(l(4, 40, 80), l(2, 60, 80));
    expect(rows.map((r) => [r.kafka, r.freshet, r.freshetAhead])).toEqual([[4, 2, true], [40, 60, false], [80, 80, false]]);
    expect(rows[2]!.figure).toContain('p99.9');
    expect(latencyRows(null, l(1, 1, 1))[0]!.ratio).toBeNull();
  });
});
