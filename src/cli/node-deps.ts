// The real dependencies of a node (base/deps.ts): the system clock and timers, the disk through
// node:fs, TCP through Bun, the system's CSPRNG, the process's descriptor limit and Bun Workers.
// Chosen here, in the shell, from the environment; nothing below src/cli reads process.env or
// reaches the system around these.

import { systemClock } from '../base/clock.ts';
import type { NodeDeps } from '../base/deps.ts';
import { fdSoftLimit } from '../base/fd-limit.ts';
import type { StorageFs } from '../base/fs.ts';
import { log } from '../base/log.ts';
import { MetricsRegistry } from '../base/metrics.ts';
import { systemRandom } from '../base/random.ts';
import { systemScheduler } from '../base/scheduler.ts';
import { bunNetwork } from '../net/bun-network.ts';
import { bunThreads } from './bun-threads.ts';
import { meteredFs } from '../storage/metered-fs.ts';
import { FaultInjectingFs, parseTestFaults, TEST_FAULTS_ENV } from '../storage/fault-fs.ts';
import { NodeStorageFs } from '../storage/fs.ts';

/** What the Kafka listener needs, before the data directory is opened. */
export const SYSTEM_IO = { clock: systemClock, scheduler: systemScheduler, network: bunNetwork } as const;

/**
 * The node's real dependencies. FRESHET_TEST_FAULTS in `env` wraps the file system with
 * injected faults (storage/fault-fs.ts); a spec it cannot read throws. The descriptor limit is
 * read now: call this after raising it (base/fd-limit.ts).
 */
export function systemDeps(env: Record<string, string | undefined>): NodeDeps {
  const metrics = new MetricsRegistry();
  return { ...SYSTEM_IO, fs: meteredFs(storageFsFor(env), SYSTEM_IO.clock, metrics), random: systemRandom, fdSoftLimit: fdSoftLimit(), metrics, threads: bunThreads };
}

/** The real file system, or with FRESHET_TEST_FAULTS injected. */
function storageFsFor(env: Record<string, string | undefined>): StorageFs {
  const faults = parseTestFaults(env[TEST_FAULTS_ENV]);
  if (faults === null) return new NodeStorageFs();
  log.warn(`${TEST_FAULTS_ENV} is set: storage faults are INJECTED (${env[TEST_FAULTS_ENV]}). This is for tests only; never in production.`);
  return new FaultInjectingFs(new NodeStorageFs(), faults);
}
