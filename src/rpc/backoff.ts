// Reconnect backoff: exponential with jitter, as Kafka's clients do it (ExponentialBackoff:
// random(1 - jitter, 1 + jitter) * min * 2^attempts, the exponent capped where the term reaches
// max). The jitter spreads the reconnects of many nodes after a shared failure (a switch
// reboot) so they do not all arrive at once; it is drawn from the node's injected Random, so a
// simulation replays it.

import type { Random } from '../base/random.ts';

export interface BackoffPolicy {
  readonly minMs: number;
  readonly maxMs: number;
  /** In [0, 1): each delay is scaled by a factor drawn from [1 - jitter, 1 + jitter). */
  readonly jitter: number;
}

/** The wait before reconnect attempt number `failures` (1 after the first failure). */
export function backoffMs(policy: BackoffPolicy, failures: number, random: Random): number {
  const { minMs, maxMs, jitter } = policy;
  const expMax = maxMs > minMs ? Math.log2(maxMs / Math.max(minMs, 1)) : 0;
  const term = minMs * 2 ** Math.min(Math.max(failures - 1, 0), expMax);
  const factor = jitter > 0 ? 1 - jitter + 2 * jitter * random.next() : 1;
  return Math.round(term * factor);
}
