// Produce appends run in the order their requests were dispatched, node-wide, also when some
// wait for a validation thread (validation-pool.ts): a later request's records never overtake an
// earlier one's in a partition's log. Kafka keeps that order by reading nothing more from a
// connection while a request is in progress; we keep pipelining and order the appends instead.
//
// While nothing waits, a Produce validates and appends at once, synchronously, as it always
// did; once something waits, every later Produce queues behind it, validated or not.

const noop = (): void => {};

export class AppendOrder {
  /** Settles when the last queued append has run or failed; never rejects. */
  private last: Promise<void> = Promise.resolve();
  private waiting = 0;

  /** No append waits: a request may validate and append now, in its own turn. */
  get idle(): boolean {
    return this.waiting === 0;
  }

  /** Appends queued and not yet run. */
  get queued(): number {
    return this.waiting;
  }

  /**
   * Runs `append` with what `ready` resolves to, after every append queued before it has run
   * (or failed). A rejected `ready` skips `append` and rejects the result, in its turn.
   */
  after<V, T>(ready: Promise<V>, append: (value: V) => T): Promise<T> {
    this.waiting++;
    // Handled now: a value may fail (a validation thread died) long before its turn comes.
    ready.catch(noop);
    const run = this.last.then(() => ready).then(append);
    const done = run.finally(() => {
      this.waiting--;
    });
    this.last = done.then(noop, noop);
    return done;
  }
}
