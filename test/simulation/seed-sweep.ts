// What every simulation shares around its runs: a sweep over a range of seeds that collects
// failures (each with its seed, to replay) and adds up the runs' counters, and the command line
// of its run.ts (`--seed N` replays one seed with its transcript; `--seeds N [--from S]` is the
// long mode).

/** A run that did not reach what it must within its bound (every simulation's liveness checks). */
export class LivenessFailure extends Error {
  override name = 'LivenessFailure';
}

/**
 * Wraps the callbacks a simulation's nodes call (listeners, observers) so that a checker's throw
 * does not unwind through the code under test: the first failure goes to `keep`, and the run
 * loop throws it at its next step.
 */
export function failureKeeper(keep: (e: Error) => void): <A extends unknown[]>(fn: (...a: A) => void) => (...a: A) => void {
  return (fn) =>
    (...a) => {
      try {
        fn(...a);
      } catch (e) {
        keep(e instanceof Error ? e : new Error(String(e)));
      }
    };
}

export interface SeedFailure {
  readonly seed: number;
  readonly error: string;
}

export interface SeedsResult<S> {
  readonly seeds: number;
  readonly failures: SeedFailure[];
  /** Every counter of the runs that passed, summed. */
  readonly totals: S;
  readonly elapsedMs: number;
}

/** A run's failure as one line: `Name: message`. */
export function failureText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

type Counters<S> = { [K in keyof S]: number };

/** A sweep in progress: runs are added one by one, synchronously or not. */
class Sweep<S extends Counters<S>> {
  private readonly started = performance.now();
  readonly failures: SeedFailure[] = [];
  private runs = 0;

  constructor(
    readonly totals: S,
    private readonly progress?: (done: number) => void,
  ) {}

  passed(stats: S): void {
    for (const k of Object.keys(this.totals) as (keyof S)[]) (this.totals[k] as number) += stats[k];
    this.done();
  }

  failed(seed: number, e: unknown): void {
    this.failures.push({ seed, error: failureText(e) });
    this.done();
  }

  private done(): void {
    this.runs++;
    this.progress?.(this.runs);
  }

  result(): SeedsResult<S> {
    return { seeds: this.runs, failures: this.failures, totals: this.totals, elapsedMs: performance.now() - this.started };
  }
}

/** Runs seeds `from`..`from + count - 1` one after another; `zero` names the counters summed. */
export async function sweepSeeds<S extends Counters<S>>(from: number, count: number, zero: S, runOne: (seed: number) => Promise<S>, progress?: (done: number) => void): Promise<SeedsResult<S>> {
  const sweep = new Sweep({ ...zero }, progress);
  for (let seed = from; seed < from + count; seed++) {
    try {
      sweep.passed(await runOne(seed));
    } catch (e) {
      sweep.failed(seed, e);
    }
  }
  return sweep.result();
}

/** `sweepSeeds` for a simulation whose runs are synchronous (the pure Raft core's). */
export function sweepSeedsSync<S extends Counters<S>>(from: number, count: number, zero: S, runOne: (seed: number) => S, progress?: (done: number) => void): SeedsResult<S> {
  const sweep = new Sweep({ ...zero }, progress);
  for (let seed = from; seed < from + count; seed++) {
    try {
      sweep.passed(runOne(seed));
    } catch (e) {
      sweep.failed(seed, e);
    }
  }
  return sweep.result();
}

export interface SeedCommand<S> {
  /** The folder under test/simulation, for the usage line and the replay hint. */
  readonly name: string;
  /** One seed with its transcript printed line by line. */
  readonly replay: (seed: number, trace: (line: string) => void) => S | Promise<S>;
  readonly sweep: (from: number, count: number, progress: (done: number) => void) => SeedsResult<S> | Promise<SeedsResult<S>>;
  /** A line after the counters (a rate, say); none by default. */
  readonly summary?: (totals: S) => string;
  /** A progress line every this many seeds. */
  readonly progressEvery?: number;
  /** Flags besides --seed, --seeds and --from, for the usage line. */
  readonly extraUsage?: string;
}

/** A non-negative integer flag of the command line; exits 2 on anything else. */
export function intFlag(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v < 0) {
    console.error(`${name} needs a non-negative integer`);
    process.exit(2);
  }
  return v;
}

/** The body of a simulation's run.ts: `--seed N` or `--seeds N [--from S]`; exits 1 on a failure. */
export async function seedCommand<S>(cmd: SeedCommand<S>): Promise<void> {
  const seed = intFlag('--seed');
  const seeds = intFlag('--seeds');
  const summary = (totals: S) => (cmd.summary ? `; ${cmd.summary(totals)}` : '');
  if (seed !== undefined) {
    try {
      const stats = await cmd.replay(seed, (line) => console.log(line));
      console.log(`seed ${seed}: ok ${JSON.stringify(stats)}${summary(stats)}`);
    } catch (e) {
      console.log(`seed ${seed}: FAILED: ${failureText(e)}`);
      process.exit(1);
    }
  } else if (seeds !== undefined) {
    const every = cmd.progressEvery ?? 100;
    const r = await cmd.sweep(intFlag('--from') ?? 1, seeds, (done) => {
      if (done % every === 0) console.log(`${done} seeds`);
    });
    const s = r.elapsedMs / 1000;
    console.log(`${r.seeds} seeds in ${s.toFixed(1)} s (${(r.seeds / Math.max(s, 0.001)).toFixed(1)} seeds/s), ${r.failures.length} failed; ${JSON.stringify(r.totals)}${summary(r.totals)}`);
    for (const f of r.failures.slice(0, 20)) console.log(`seed ${f.seed}: ${f.error}  (replay: bun test/simulation/${cmd.name}/run.ts --seed ${f.seed})`);
    if (r.failures.length > 0) process.exit(1);
  } else {
    console.error(`usage: bun test/simulation/${cmd.name}/run.ts --seed N | --seeds N [--from S]${cmd.extraUsage ? ` ${cmd.extraUsage}` : ''}`);
    process.exit(2);
  }
}
