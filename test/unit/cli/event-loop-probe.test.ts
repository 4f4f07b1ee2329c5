// The event-loop lag probe on simulated time: a timer that fires on time shows no lag; a
// callback that holds the loop (simulated by moving the clock inside it) delays the probe's
// next timer by exactly that much, and the histogram says so.

import { expect, test } from 'bun:test';
import { MetricsRegistry } from '../../../src/base/metrics.ts';
import { renderMetrics } from '../../../src/base/metrics-text.ts';
import { SimScheduler } from '../../../src/base/scheduler.ts';
import { EVENT_LOOP_PROBE_INTERVAL_MS, eventLoopProbe } from '../../../src/cli/metrics.ts';

test('a loop held for 30 ms just before the probe is due shows as 30 ms of lag', () => {
  const scheduler = new SimScheduler();
  const registry = new MetricsRegistry();
  const stop = eventLoopProbe(registry, { clock: scheduler.clock, scheduler });
  scheduler.advance(EVENT_LOOP_PROBE_INTERVAL_MS); // first sample: on time
  // A job due 1 ms before the next sample runs for 30 ms (a long compaction slice, say).
  scheduler.after(EVENT_LOOP_PROBE_INTERVAL_MS - 1, () => scheduler.clock.advance(30));
  scheduler.advance(EVENT_LOOP_PROBE_INTERVAL_MS + 100);
  stop();
  const text = renderMetrics(registry, 'all', 'prometheus');
  expect(text).toContain('freshet_event_loop_lag_seconds_count 2\n');
  // One sample at 0 (<= 100 us), one at 29 ms (the job ran from 499 to 529; the probe was due at 500).
  expect(text).toContain('freshet_event_loop_lag_seconds_bucket{le="0.0001"} 1\n');
  expect(text).toContain('freshet_event_loop_lag_seconds_bucket{le="0.025"} 1\n');
  expect(text).toContain('freshet_event_loop_lag_seconds_bucket{le="0.05"} 2\n');
  expect(text).toContain('freshet_event_loop_lag_seconds_sum 0.029\n');
});
