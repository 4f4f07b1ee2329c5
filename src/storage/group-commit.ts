// Group commit: at most one fsync round runs at a time, and every caller that arrives while
// one runs shares the single round queued after it. That next round starts once the running
// one ends and covers everything written before it started, so N concurrent callers cost at
// most two rounds, never N (the classic database group commit; Kafka's flush scheduler and
// Redpanda's flush batching do the same for the log).

function noop(): void {}

export class GroupCommit {
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  constructor(
    /** One fsync round: snapshots what is written so far, syncs it, publishes the result. */
    private readonly round: () => Promise<void>,
    /** Throws (or returns an error) when no new round may start, e.g. after a failed fsync. */
    private readonly failure: () => Error | null,
  ) {}

  get inFlight(): boolean {
    return this.running !== null;
  }

  /** Resolves once a round that started after this call has completed. */
  request(): Promise<void> {
    const failed = this.failure();
    if (failed) return Promise.reject(failed);
    if (this.running === null) return this.start();
    if (this.next === null) {
      this.next = this.running.then(noop, noop).then(() => {
        this.next = null;
        if (this.running !== null) return this.running; // started after ours was queued
        const failedNow = this.failure();
        if (failedNow) throw failedNow;
        return this.start();
      });
    }
    return this.next;
  }

  private start(): Promise<void> {
    const r: Promise<void> = this.round().finally(() => {
      if (this.running === r) this.running = null;
    });
    this.running = r;
    return r;
  }
}
