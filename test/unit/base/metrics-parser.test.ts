// Both renderings read back by a parser we did not write: the prometheus_client Python
// package's text_string_to_metric_families, for the 0.0.4 text format and for OpenMetrics
// (whose parser is strict: # EOF, family names, histogram buckets). The values compared are
// the ones this test put in, not our output.

import { expect } from 'bun:test';
import { MetricsRegistry, OVERFLOW_LABEL_VALUE } from '../../../src/base/metrics.ts';
import { renderMetrics } from '../../../src/base/metrics-text.ts';
import { parseWithPrometheusClient, PROMETHEUS_PARSER } from '../../helpers/prometheus.ts';
import { testRequiring } from '../../helpers/requirements.ts';

function sampleRegistry(): MetricsRegistry {
  const r = new MetricsRegistry();
  const req = r.counter({ name: 'freshet_kafka_requests_total', help: 'Requests "answered"\\ by API\nand version.', labels: ['api', 'version'], labelSetsMax: 2 });
  req.labels('Produce', '9').inc(3);
  req.labels('Fetch', '12').inc(4);
  req.labels('Metadata', '12').inc(5); // past the cap: the overflow series
  r.gauge({ name: 'freshet_weird', help: 'h', labels: ['path'] }).labels('C:\\DIR\\"x"\nnext').set(-2.5);
  const h = r.histogram({ name: 'freshet_latency_seconds', help: 'h', labels: ['api'], buckets: [0.001, 0.01, 1e6] }).labels('Produce');
  for (const v of [0.0005, 0.002, 0.5, 2e6]) h.observe(v);
  r.info({ name: 'freshet_build_info', help: 'Build.', labels: ['version'] }, ['1.2.3']);
  r.callback('gauge', { name: 'freshet_free_bytes', help: 'h' }, (emit) => emit([], 1e12));
  return r;
}

for (const format of ['prometheus', 'openmetrics'] as const) {
  testRequiring(PROMETHEUS_PARSER, `prometheus_client parses our ${format} text into the families and values put in`, async () => {
    const fams = await parseWithPrometheusClient(renderMetrics(sampleRegistry(), 'all', format), format);
    const byName = new Map(fams.map((f) => [f.name, f]));
    // prometheus_client names a counter family without _total in both formats.
    const req = byName.get('freshet_kafka_requests')!;
    expect(req.type).toBe('counter');
    expect(req.help).toBe('Requests "answered"\\ by API\nand version.');
    expect(req.samples).toEqual([
      { name: 'freshet_kafka_requests_total', labels: { api: 'Produce', version: '9' }, value: 3 },
      { name: 'freshet_kafka_requests_total', labels: { api: 'Fetch', version: '12' }, value: 4 },
      { name: 'freshet_kafka_requests_total', labels: { api: OVERFLOW_LABEL_VALUE, version: OVERFLOW_LABEL_VALUE }, value: 5 },
    ]);
    expect(byName.get('freshet_weird')!.samples).toEqual([{ name: 'freshet_weird', labels: { path: 'C:\\DIR\\"x"\nnext' }, value: -2.5 }]);
    const lat = byName.get('freshet_latency_seconds')!;
    expect(lat.type).toBe('histogram');
    const buckets = lat.samples.filter((s) => s.name.endsWith('_bucket')).map((s) => [s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), s.value, s.labels.api]);
    expect(buckets).toEqual([[0.001, 1, 'Produce'], [0.01, 2, 'Produce'], [1e6, 3, 'Produce'], [Infinity, 4, 'Produce']]);
    expect(lat.samples.find((s) => s.name === 'freshet_latency_seconds_count')!.value).toBe(4);
    expect(lat.samples.find((s) => s.name === 'freshet_latency_seconds_sum')!.value).toBe(0.0005 + 0.002 + 0.5 + 2e6);
    const build = byName.get(format === 'openmetrics' ? 'freshet_build' : 'freshet_build_info')!;
    expect(build.type).toBe(format === 'openmetrics' ? 'info' : 'gauge');
    expect(build.samples[0].labels).toEqual({ version: '1.2.3' });
    expect(byName.get('freshet_free_bytes')!.samples[0].value).toBe(1e12);
  });
}

testRequiring(PROMETHEUS_PARSER, 'the OpenMetrics parser rejects a text without # EOF (the parser is strict, so its acceptance means something)', async () => {
  const text = renderMetrics(sampleRegistry(), 'all', 'openmetrics');
  await expect(parseWithPrometheusClient(text.replace('# EOF\n', ''), 'openmetrics')).rejects.toThrow('rejected');
});
