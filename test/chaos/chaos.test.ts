// The CI round of the chaos runner (run.ts): real dist/freshet processes under faults from a
// fixed seed, for a bounded time, then the checkers. The figures (faults, records, commits,
// convergence times) are printed, never asserted; what is asserted is what the checkers found.
//
// - a single durable node under an idempotent acks=all producer and a committing consumer group,
//   killed with kill -9 and restarted, paused with SIGSTOP and continued: every acknowledged
//   record read back exactly once, at its offset, in order; no committed offset going back;
// - three seeds forming the controller quorum with the fault proxy between them, under the same
//   workload on a topic replicated to all three: the controller's leader, a follower and data
//   partitions' leaders killed, paused and cut off: every acknowledged record read back exactly
//   once, in order; no committed offset going back; one leader per term, convergence after every
//   fault, no fault on a follower deposing the leader (PreVote, CheckQuorum), and a killed or
//   cut-off partition leader replaced in a higher epoch (issue 7).
//
// FRESHET_CHAOS_SEED=N runs another seed; `bun test/chaos/run.ts --duration 10m` is the long mode.

import { describe, expect } from 'bun:test';
import { assertBinaryBuilt } from '../helpers/broker.ts';
import { KCAT_TOOL } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';
import { runChaos } from './run.ts';

/** Chosen so that each round's schedule holds every fault kind its mode does (asserted below). */
const SINGLE_SEED = 1; // SIGSTOP x2, kill -9 x4
// A partition leader killed, paused and cut off; the controller's leader killed and cut off; a follower killed.
const QUORUM_SEED = 397;
const SEED_GIVEN = process.env.FRESHET_CHAOS_SEED !== undefined;
const seed = (fallback: number) => (SEED_GIVEN ? Number(process.env.FRESHET_CHAOS_SEED) : fallback);

const FULL_QUORUM_ROUND = { kill9: 3, pause: 1, isolate: 2, cut: 0 };
/** The rounds' lengths: together with start-up and the full read, well under a minute of npm test. */
const SINGLE_DURATION_MS = 18_000;
const QUORUM_DURATION_MS = 18_000;
/** Bounds for bun's test timeout (start, faults past the duration, read back); a run takes far less. */
const ROUND_TIMEOUT_MS = 150_000;

// Both rounds read the topic back with kcat as well as kafkajs (workload.ts): without kcat they
// skip with the reason (and fail under CI), as every kcat test does.
describe('chaos (real processes)', () => {
  testRequiring(
    KCAT_TOOL,
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

  testRequiring(
    KCAT_TOOL,
    'RF 3 over 3 processes, partition and controller leaders killed, paused and cut off under acks=all idempotent production: nothing acknowledged lost, duplicated or reordered; group offsets never back; one leader per term; failover',
    async () => {
      assertBinaryBuilt();
      const r = await runChaos({ mode: 'quorum', seed: seed(QUORUM_SEED), durationMs: QUORUM_DURATION_MS });
      expect(r.quorum).toEqual([]);
      expect(r.records!.violations).toEqual([]);
      // The seed's schedule is done whole, whatever the machine's speed (see run.ts).
      if (!SEED_GIVEN) expect(r.faults).toEqual(FULL_QUORUM_ROUND);
      if (!SEED_GIVEN) expect(r.partitionLeaderFaults).toEqual({ kill9: 1, pause: 1, isolate: 1, cut: 0 });
      if (!SEED_GIVEN) expect(r.leaderFaults).toEqual({ kill9: 1, pause: 0, isolate: 1, cut: 0 });
      expect(r.records!.acked).toBeGreaterThan(0);
      expect(r.records!.recordsChecked).toBeGreaterThanOrEqual(r.records!.acked);
      expect(r.records!.commitsChecked).toBeGreaterThan(0);
      expect(r.ok).toBe(true);
    },
    ROUND_TIMEOUT_MS,
  );
});
