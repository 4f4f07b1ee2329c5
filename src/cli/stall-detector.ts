// Event-loop stall warnings: one thread serves every client, so a synchronous stretch longer
// than a few milliseconds delays everyone (Redpanda warns of "reactor stalls" for the same
// reason). A timer measures how late it fires; lateness above the threshold is logged.
// FRESHET_STALL_WARN_MS sets the threshold (default 200 ms; 0 turns the detector off).

import { log } from '../base/log.ts';

/** How often the detector looks: lateness below this cannot be seen. */
export const STALL_CHECK_INTERVAL_MS = 20;
export const STALL_WARN_MS_DEFAULT = 200;

export function startStallDetector(thresholdMs = thresholdFromEnv()): () => void {
  if (thresholdMs <= 0) return () => {};
  let expected = performance.now() + STALL_CHECK_INTERVAL_MS;
  const timer = setInterval(() => {
    const now = performance.now();
    const lateMs = now - expected;
    if (lateMs >= thresholdMs) log.warn(`event loop stalled for ${lateMs.toFixed(0)} ms`);
    expected = now + STALL_CHECK_INTERVAL_MS;
  }, STALL_CHECK_INTERVAL_MS);
  timer.unref?.();
  return () => clearInterval(timer);
}

function thresholdFromEnv(): number {
  const raw = process.env.FRESHET_STALL_WARN_MS;
  const n = raw === undefined ? STALL_WARN_MS_DEFAULT : Number(raw);
  return Number.isFinite(n) ? n : STALL_WARN_MS_DEFAULT;
}
