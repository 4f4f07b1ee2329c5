// The one dependency object of a node: everything nondeterministic that the broker (and the
// Raft shell) may touch comes in through it, so the real broker code runs unchanged inside a
// deterministic simulation (DESIGN.md sections 2 and 7). A real node gets the system's
// (src/cli/node-deps.ts); a simulation gets ManualClock + SimScheduler, SimStorageFs,
// SimNetwork and a seeded Prng.

import type { Clock } from './clock.ts';
import type { MetricsRegistry } from './metrics.ts';
import type { StorageFs } from './fs.ts';
import type { Network } from './network.ts';
import type { Random } from './random.ts';
import type { Scheduler } from './scheduler.ts';
import type { Threads } from './threads.ts';

export interface NodeDeps {
  /** Wall time (record timestamps, retention) and monotonic time (timeouts, durations). */
  readonly clock: Clock;
  /** Timers: everything that waits. */
  readonly scheduler: Scheduler;
  /** Every file the node reads or writes, segments and metadata alike. */
  readonly fs: StorageFs;
  /** Listeners and outgoing connections. */
  readonly network: Network;
  /** Ids and anything chosen by chance. */
  readonly random: Random;
  /**
   * The process's soft limit on open descriptors (RLIMIT_NOFILE), which sizes the cache of
   * open segment files; read by the shell (base/fd-limit.ts), a constant in a simulation.
   */
  readonly fdSoftLimit: number;
  /**
   * The node's metrics (base/metrics.ts): one registry per node, never a global, so nodes of a
   * simulated cluster in one process keep their figures apart; a restart starts a new one, as
   * a process's counters restart with it.
   */
  readonly metrics: MetricsRegistry;
  /**
   * Threads for per-byte work (Produce validation, broker/validation-pool.ts); absent in a
   * simulation and wherever a node must stay one thread, and then that work runs inline.
   */
  readonly threads?: Threads;
}
