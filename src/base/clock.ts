// Time behind an interface, so that simulations and tests can drive it.

export interface Clock {
  /** Wall-clock milliseconds since the epoch (record timestamps, retention.ms). */
  nowMs(): number;
  /** Monotonic milliseconds for timeouts and durations. */
  monotonicMs(): number;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
};

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  constructor(
    private wallMs = 1_700_000_000_000,
    private monoMs = 0,
  ) {}
  nowMs(): number {
    return this.wallMs;
  }
  monotonicMs(): number {
    return this.monoMs;
  }
  advance(ms: number): void {
    this.wallMs += ms;
    this.monoMs += ms;
  }
}
