// Where the registry's state comes from and where its writes go. The HTTP routes (http/) read
// `state` and send every change through `write()`; the backend owns ordering. Two
// implementations: `MemoryRegistryBackend` here (tests, and the pure core of the real one) and
// the `_schemas` topic store, which replays the topic on start and appends through the
// internal client so every node of a cluster sees the same log (DESIGN.md section 6).

import { type Outcome } from './registry-state.ts';
import { RegistryState } from './registry-state.ts';
import type { SchemasRecord } from './schemas-records.ts';

/** What one write computed: the records to append, and the answer once they are applied. */
export interface WritePlan<T> {
  readonly records: readonly SchemasRecord[];
  readonly result: T;
}

export interface RegistryBackend {
  /** The state as of the last record applied: reads serve from it. */
  readonly state: RegistryState;
  /**
   * Runs one write. `compute` sees a state caught up with the log (no write of this node in
   * between), its records are appended and applied to `state` before the promise resolves,
   * and the answer is its result. Writes are serialised; a backend shared by several nodes
   * computes a write again when another node's records got in first. A store failure is an
   * error value (50001-50003), never a throw.
   */
  write<T>(compute: (state: RegistryState) => Outcome<WritePlan<T>>): Promise<Outcome<T>>;
}

/** The state in memory, writes applied at once, in call order. */
export class MemoryRegistryBackend implements RegistryBackend {
  readonly state = new RegistryState();
  /** Every record written, in order: what the topic would hold. */
  readonly log: SchemasRecord[] = [];
  private tail: Promise<unknown> = Promise.resolve();

  write<T>(compute: (state: RegistryState) => Outcome<WritePlan<T>>): Promise<Outcome<T>> {
    const run = this.tail.then((): Outcome<T> => {
      const plan = compute(this.state);
      if (!plan.ok) return plan;
      for (const r of plan.value.records) {
        this.log.push(r);
        this.state.apply(r);
      }
      return { ok: true, value: plan.value.result };
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}
