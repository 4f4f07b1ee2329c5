// Group commit: callers share fsync rounds (the classic database group commit; Kafka's flush
// scheduler and Redpanda's flush batching do the same for the log). Up to ROUNDS_IN_FLIGHT_MAX
// rounds run at once: a write that lands while a round is running gets its own round started
// at once instead of waiting for the running one to end, so a record waits about one fsync,
// not up to two. Every caller that arrives while the limit is reached shares the one round
// queued behind, which starts as soon as any running round ends and covers everything written
// before it started: N concurrent callers cost at most ROUNDS_IN_FLIGHT_MAX + 1 rounds.

function noop(): void {}

/** fsync rounds of one log running at the same time. */
export const ROUNDS_IN_FLIGHT_MAX = 2;

export class GroupCommit {
  private readonly running = new Set<Promise<void>>();
  private next: Promise<void> | null = null;

  constructor(
    /** One fsync round: snapshots what is written so far, syncs it, publishes the result. */
    private readonly round: () => Promise<void>,
    /** Throws (or returns an error) when no new round may start, e.g. after a failed fsync. */
    private readonly failure: () => Error | null,
    private readonly roundsMax = ROUNDS_IN_FLIGHT_MAX,
  ) {}

  get inFlight(): boolean {
    return this.running.size > 0;
  }

  /** Resolves once a round that started after this call has completed. */
  request(): Promise<void> {
    const failed = this.failure();
    if (failed) return Promise.reject(failed);
    if (this.running.size < this.roundsMax) return this.start();
    if (this.next === null) {
      this.next = Promise.race(this.running).then(noop, noop).then(() => {
        this.next = null;
        const failedNow = this.failure();
        if (failedNow) throw failedNow;
        return this.start();
      });
    }
    return this.next;
  }

  private start(): Promise<void> {
    const r: Promise<void> = this.round().finally(() => this.running.delete(r));
    this.running.add(r);
    return r;
  }
}
