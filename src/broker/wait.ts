// Waiting for partitions to make progress (Fetch long polls), bounded by a timeout and by the
// connection closing. Resolves on the first of the three; always unregisters its listeners.

import type { Partition } from '../cluster/partition.ts';

export function waitForProgress(partitions: readonly Partition[], timeoutMs: number, closed: Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    let done = false;
    const removers: Array<() => void> = [];
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const r of removers) r();
      resolve();
    };
    const timer = setTimeout(finish, timeoutMs);
    for (const p of partitions) removers.push(p.onProgress(finish));
    closed.then(finish);
  });
}
