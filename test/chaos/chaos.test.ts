// The CI round of the chaos runner (run.ts): real dist/freshet processes under faults from a
// fixed seed, for a bounded time, then the checkers. The figures (faults, records, commits,
// convergence times) are printed, never asserted; what is asserted is what the checkers found.
//
// - a single durable node under an idempotent acks=all producer and a committing consumer group,
//   killed with kill -9 and restarted, paused with SIGSTOP and continued: every acknowledged
//   record read back exactly once, at its offset, in order; no committed offset going back;
// - three seeds forming the controller quorum with the fault proxy between them, nodes killed,
//   paused and cut off: one leader per term, convergence after every fault, and no fault on a
//   follower deposing the leader (PreVote, CheckQuorum).
//
// FRESHET_CHAOS_SEED=N runs another seed; `bun test/chaos/run.ts --duration 10m` is the long mode.

import { describe, expect, test } from 'bun:test';
import { assertBinaryBuilt } from '../helpers/broker.ts';
import { runChaos } from './run.ts';

/** Chosen so that each round's schedule holds every fault kind its mode does (asserted below). */
const SINGLE_SEED = 1; // SIGSTOP x2, kill -9 x4
const QUORUM_SEED = 23; // the leader paused; a follower cut off; a follower killed; the leader killed; the leader cut off x2
const SEED_GIVEN = process.env.FRESHET_CHAOS_SEED !== undefined;
const seed = (fallback: number) => (SEED_GIVEN ? Number(process.env.FRESHET_CHAOS_SEED) : fallback);

const FULL_QUORUM_ROUND = { kill9: 2, pause: 1, isolate: 3, cut: 0 };
/** The rounds' lengths: together with start-up and the full read, well under a minute of npm test. */
const SINGLE_DURATION_MS = 18_000;
const QUORUM_DURATION_MS = 18_000;
/** Bounds for bun's test timeout (start, faults past the duration, read back); a run takes far less. */
const ROUND_TIMEOUT_MS = 150_000;

describe('chaos (real processes)', () => {
  test(
    'a single durable node, kill -9 and SIGSTOP under acks=all idempotent production: nothing acknowledged lost, duplicated or reordered; group offsets never back',
    async () => {
      assertBinaryBuilt();
      const r = await runChaos({ mode: 'single', seed: seed(SINGLE_SEED), durationMs: SINGLE_DURATION_MS });
      expect(r.records!.violations).toEqual([]);
      if (!SEED_GIVEN) expect(r.faults).toEqual({ kill9: 4, pause: 2, isolate: 0, cut: 0 });
      // The workload ran through the faults: records were acknowledged and all of them checked.
      expect(r.records!.acked).toBeGreaterThan(0);
      expect(r.records!.recordsChecked).toBeGreaterThanOrEqual(r.records!.acked);
      expect(r.records!.commitsChecked).toBeGreaterThan(0);
      expect(r.ok).toBe(true);
    },
    ROUND_TIMEOUT_MS,
  );

  test(
    'the controller quorum of 3 processes, nodes killed, paused and cut off by the fault proxy: one leader per term, converging after each fault, no follower deposing the leader',
    async () => {
      assertBinaryBuilt();
      const r = await runChaos({ mode: 'quorum', seed: seed(QUORUM_SEED), durationMs: QUORUM_DURATION_MS });
      expect(r.quorum).toEqual([]);
      // The seed's schedule is done whole, whatever the machine's speed (see run.ts).
      if (!SEED_GIVEN) expect(r.faults).toEqual(FULL_QUORUM_ROUND);
      if (!SEED_GIVEN) expect(r.leaderFaults.isolate).toBe(2);
      expect(r.ok).toBe(true);
    },
    ROUND_TIMEOUT_MS,
  );
});
