// The chaos runner: real dist/freshet processes under faults decided by a seed, for a bounded
// time, then a check of everything observed. See README.md in this folder.
//
//   bun test/chaos/run.ts                                   # single node, 30 s, a random seed
//   bun test/chaos/run.ts --mode quorum --duration 10m --seed 7
//   bun test/chaos/run.ts --mode single --duration 2h       # long mode: as long as asked
//   bun test/chaos/run.ts --mode quorum --faults kill9,pause,isolate,cut --round 5m
//
// Modes (targets.ts): `single`, one durable node (kill -9/restart, SIGSTOP/SIGCONT) under the
// client workload; `quorum`, three seeds forming the controller quorum with the fault proxy
// between them (kill -9, SIGSTOP, isolate; one-way cuts when asked), watched for a single
// leader per term, convergence and no disruption (quorum-watch.ts), under the same client
// workload on a topic replicated to all three (partitions are Raft groups), with the leaders
// of its data partitions among the victims. `--workload off` runs the quorum checks alone.
// Exit status: 0 when every check passed, 1 when one failed, 2 on a usage error or a run that
// could not go on (e.g. its topic could not be created).

import { checkHistory, type CheckReport, describeReport, type Violation, VIOLATIONS_SHOWN_MAX } from './checker.ts';
import { describeFault, FAULT_KINDS, type FaultKind, planFaults, type Victim } from './faults.ts';
import { History } from './history.ts';
import { QuorumWatch } from './quorum-faults.ts';
import { checkQuorum, type QuorumViolation } from './quorum-watch.ts';
import { type ChaosMode, type ChaosTarget, startTarget } from './targets.ts';
import { KCAT_TOOL } from '../helpers/process.ts';
import { compareReads, createChaosTopic, endsAfterLastRecord, readAll, readAllKcat, Workload } from './workload.ts';

export interface ChaosOptions {
  readonly mode: ChaosMode;
  readonly seed: number;
  /** The run's planned length: faults are planned to end within it (their recoveries may run past it). */
  readonly durationMs: number;
  /** The client workload (default: on). */
  readonly workload?: boolean;
  /** The fault kinds (default: the target's; `cut`, one-way, only when asked). */
  readonly kinds?: readonly FaultKind[];
  /** The longest round (default ROUND_MS_MAX). */
  readonly roundMs?: number;
  readonly log?: (line: string) => void;
}

export interface ChaosResult {
  readonly faults: Readonly<Record<FaultKind, number>>;
  /** Of those, the faults done to the leader (in single mode, all of them). */
  readonly leaderFaults: Readonly<Record<FaultKind, number>>;
  /** Of those, the faults done to a data partition's leader (quorum mode with the workload). */
  readonly partitionLeaderFaults: Readonly<Record<FaultKind, number>>;
  /** The record checker's report; null without a workload. */
  readonly records: CheckReport | null;
  /** The quorum checks' findings; null in single mode. */
  readonly quorum: readonly QuorumViolation[] | null;
  readonly ok: boolean;
}

/** Fault timing: a quiet gap before each fault, then the fault held this long (ms, drawn from the seed). */
const GAP_MS = { min: 800, max: 2_500 };
const HOLD_MS = { min: 300, max: 2_500 };
const PARTITIONS = 3;
/**
 * The longest round: a round's history is held in memory until its check (at the workload's
 * ~1,000 events/s here, 5 min is ~300k events, far below HISTORY_EVENTS_MAX).
 */
export const ROUND_MS_MAX = 5 * 60_000;
/** Liveness bound: production must resume this soon after a fault ended (the times are printed). */
const PRODUCTION_RESUMES_MS_MAX = 30_000;
const ACK_POLL_MS = 10;
/** Liveness bound: once production stops, the group must commit up to the end this soon. */
const CONSUMER_CATCH_UP_MS_MAX = 30_000;
/** Records per send, pauses between sends and between reads of the committed offsets. */
const WORKLOAD = { recordsPerSend: 6, sendPauseMs: 5, observePauseMs: 250 } as const;
/** Log lines of each node printed when a check fails. */
const LOG_TAIL_LINES = 60;

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const log = o.log ?? ((line: string) => console.log(line));
  const withWorkload = o.workload ?? true;
  log(`chaos: mode ${o.mode}, seed ${o.seed}, duration ${o.durationMs} ms, workload ${withWorkload ? 'on' : 'off'}  (replay: bun test/chaos/run.ts --mode ${o.mode} --seed ${o.seed} --duration ${o.durationMs}ms${o.kinds === undefined ? '' : ` --faults ${o.kinds.join(',')}`}${o.roundMs === undefined ? '' : ` --round ${o.roundMs}ms`}${o.workload === undefined ? '' : ` --workload ${withWorkload ? 'on' : 'off'}`})`);
  const target = await startTarget(o.mode);
  try {
    return await runOn(target, o, withWorkload, log);
  } finally {
    await target.dispose();
  }
}

async function runOn(target: ChaosTarget, o: ChaosOptions, withWorkload: boolean, log: (line: string) => void): Promise<ChaosResult> {
  const watch = o.mode === 'quorum' ? new QuorumWatch(target, log) : null;
  try {
    return await faultRounds(target, o, withWorkload, watch, log);
  } catch (e) {
    logTails(target, log); // a run that could not go on (e.g. a full read that never ended) shows what the nodes saw
    throw e;
  } finally {
    await watch?.stop(); // also when a round threw: no observer outlives the run
  }
}

/**
 * Rounds of at most ROUND_MS_MAX, each with its own topic, group, history and check, so a long
 * run's memory stays bounded; round r's faults come from seed + r. The first failing round ends
 * the run.
 */
async function faultRounds(target: ChaosTarget, o: ChaosOptions, withWorkload: boolean, watch: QuorumWatch | null, log: (line: string) => void): Promise<ChaosResult> {
  await watch?.start();
  const kinds = o.kinds ?? target.kinds;
  const unsupported = kinds.filter((k) => !target.possibleKinds.includes(k));
  if (unsupported.length > 0 || kinds.length === 0) throw new Error(`mode ${o.mode} does ${target.possibleKinds.join(', ')}, not ${unsupported.join(', ') || 'nothing'}`);
  const none = () => ({ kill9: 0, pause: 0, isolate: 0, cut: 0 });
  const tally: Tally = { faults: none(), leaderFaults: none(), partitionLeaderFaults: none(), resumeMs: [] };
  const { faults, leaderFaults, partitionLeaderFaults, resumeMs } = tally;
  const reports: CheckReport[] = [];
  const startMs = performance.now();
  for (let round = 0, doneMs = 0; doneMs < o.durationMs; round++) {
    const roundMs = Math.min(o.roundMs ?? ROUND_MS_MAX, o.durationMs - doneMs);
    doneMs += roundMs;
    if (round > 0) log(`chaos: round ${round} (seed ${o.seed + round}, ${roundMs} ms)`);
    const report = await runRound(target, { seed: o.seed + round, round, roundMs, kinds, withWorkload }, watch, tally, log);
    if (report === null) continue;
    reports.push(report);
    if (report.violations.length > 0) break;
  }
  const records = reports.length === 0 ? null : mergeReports(reports);
  let quorum: QuorumViolation[] | null = null;
  if (watch !== null) {
    await watch.stop();
    quorum = checkQuorum(watch.claims.claims, watch.outcomes);
    log(`chaos: quorum: ${watch.claims.claims.length} leader claims checked (node logs and ${watch.describeCalls} DescribeQuorum calls), ${watch.outcomes.length} faults with before/after; ` +
      `settled after a fault in ${figures(watch.settleMs)} ms; a new leader after kill -9 of the leader in ${figures(watch.killFailoverMs)} ms, after cutting the leader off in ${figures(watch.failoverMs)} ms; ` +
      `a data partition's new leader (Metadata) after kill -9 or isolation of its leader in ${figures(watch.partitionFailoverMs)} ms`);
    log(quorum.length === 0 ? 'chaos: quorum checks: no violations' : `chaos: quorum checks: ${quorum.length} VIOLATIONS`);
    for (const v of quorum.slice(0, VIOLATIONS_SHOWN_MAX)) log(`  ${v.kind}: ${v.detail}`);
  }
  log(`chaos: faults injected: ${faults.kill9} kill -9, ${faults.pause} SIGSTOP/SIGCONT, ${faults.isolate} isolate, ${faults.cut} one-way cut; on the (controller) leader ${describeKinds(leaderFaults)}; on a data partition's leader ${describeKinds(partitionLeaderFaults)} (${Math.round((performance.now() - startMs) / 1000)} s of faults and checks)`);
  if (withWorkload) log(`chaos: production resumed after a fault ended (first acknowledgement) in ${figures(resumeMs)} ms`);
  if (records !== null) log(describeReport(records));
  const ok = (records === null || records.violations.length === 0) && (quorum === null || quorum.length === 0);
  if (!ok) logTails(target, log);
  return { faults, leaderFaults, partitionLeaderFaults, records, quorum, ok };
}

async function startWorkload(target: ChaosTarget, round: number): Promise<{ workload: Workload; history: History; topic: string }> {
  const history = new History();
  const topic = `chaos-${round}`;
  await createChaosTopic(target.bootstrap(), topic, PARTITIONS, target.nodeIds.length);
  const workload = new Workload({ bootstrap: target.bootstrap(), topic, partitions: PARTITIONS, group: `chaos-group-${round}`, ...WORKLOAD }, history);
  await workload.start();
  return { workload, history, topic };
}

/** Stops the round's clients, reads its topic back whole and checks the history against it. */
async function checkWorkload(target: ChaosTarget, w: { workload: Workload; history: History; topic: string }, round: number, log: (line: string) => void): Promise<CheckReport> {
  await w.workload.stopProducing();
  // Read back first (the group keeps consuming meanwhile): the group must commit up to the last record read.
  const read = await readAll(target.bootstrap(), w.topic, `chaos-verify-${round}`);
  const behind = await w.workload.awaitCaughtUp(endsAfterLastRecord(read, PARTITIONS), CONSUMER_CATCH_UP_MS_MAX);
  await w.workload.stop();
  const c = w.workload.counts;
  log(`chaos: clients: ${c.producers} producers (a new one after each failed send), ${c.consumerCrashes} consumer crashes (${c.consumersReplaced} given up by kafkajs, replaced), ${c.observeErrors} failed offset reads`);
  log(`chaos: the group ${behind === null ? "committed up to every partition's last record" : `did NOT catch up: ${behind}`}`);
  const checked = checkHistory(w.history, read);
  const stalled = behind === null ? [] : [{ kind: 'stalled' as const, detail: `the consumer group did not commit up to every partition's last record within ${CONSUMER_CATCH_UP_MS_MAX} ms of the read back: ${behind}` }];
  const report = { ...checked, violations: [...checked.violations, ...stalled] };
  if (!KCAT_TOOL.met) {
    log(`chaos: no second read (missing ${KCAT_TOOL.what})`);
    return report;
  }
  // A second client we did not write reads the same log: both must see the same records.
  const differences = compareReads(read, await readAllKcat(target.bootstrap(), w.topic));
  log(`chaos: kcat read ${w.topic} back too: ${differences.length === 0 ? 'the same records' : 'DIFFERENT records'}`);
  const disagree = differences.map((d) => ({ kind: 'readers_disagree' as const, detail: `kafkajs vs kcat: ${d}` }));
  return { ...report, violations: [...report.violations, ...disagree] };
}

function mergeReports(reports: readonly CheckReport[]): CheckReport {
  const sum = (f: (r: CheckReport) => number) => reports.reduce((n, r) => n + f(r), 0);
  return {
    violations: reports.flatMap((r) => r.violations),
    sent: sum((r) => r.sent),
    acked: sum((r) => r.acked),
    failed: sum((r) => r.failed),
    recordsChecked: sum((r) => r.recordsChecked),
    commitsChecked: sum((r) => r.commitsChecked),
    consumed: sum((r) => r.consumed),
  };
}

interface Tally {
  readonly faults: Record<FaultKind, number>;
  readonly leaderFaults: Record<FaultKind, number>;
  readonly partitionLeaderFaults: Record<FaultKind, number>;
  /** Times from the end of each fault to the next acknowledgement. */
  readonly resumeMs: number[];
}

interface RoundParams {
  readonly seed: number;
  readonly round: number;
  readonly roundMs: number;
  readonly kinds: readonly FaultKind[];
  readonly withWorkload: boolean;
}

/** One round: its workload (if any), its seed's faults, then its check; the report, or null without a workload. */
async function runRound(target: ChaosTarget, r: RoundParams, watch: QuorumWatch | null, tally: Tally, log: (line: string) => void): Promise<CheckReport | null> {
  const workload = r.withWorkload ? await startWorkload(target, r.round) : null;
  try {
    // With the workload on several nodes, a data partition's leader is a victim too (issue 7).
    const victims: readonly Victim[] = target.nodeIds.length === 1 ? ['leader'] : workload === null ? ['leader', 'follower'] : ['leader', 'follower', 'partition_leader'];
    if (watch !== null) watch.dataTopic = workload === null ? null : { name: workload.topic, partitions: PARTITIONS };
    const schedule = planFaults({ seed: r.seed, durationMs: r.roundMs, victims, kinds: r.kinds, gapMs: GAP_MS, holdMs: HOLD_MS });
    const stalls: Violation[] = [];
    const roundStartMs = performance.now();
    for (const f of schedule) {
      // Every planned fault is done, also when recoveries ran late (it then starts at once): what
      // a seed does does not depend on the machine's speed. Each recovery wait is bounded, so the
      // run still stops by itself.
      await Bun.sleep(Math.max(0, roundStartMs + f.atMs - performance.now()));
      log(`chaos: ${describeFault(f)}`);
      if (watch !== null) await watch.faultStep(f);
      else await singleStep(target, f.kind, target.nodeIds[0], f.holdMs);
      tally.faults[f.kind]++;
      if (f.victim === 'leader') tally.leaderFaults[f.kind]++;
      if (f.victim === 'partition_leader') tally.partitionLeaderFaults[f.kind]++;
      if (workload !== null) await awaitProduction(workload.history, tally.resumeMs, stalls, describeFault(f));
    }
    await Bun.sleep(Math.max(0, roundStartMs + r.roundMs - performance.now()));
    target.proxy?.heal();
    if (workload === null) return null;
    const checked = await checkWorkload(target, workload, r.round, log);
    return { ...checked, violations: [...checked.violations, ...stalls] };
  } finally {
    await workload?.workload.stop(); // also when the round threw: no client outlives it
  }
}

/**
 * Waits for the producer's next acknowledgement after a fault ended (issue 7: production
 * continues), recording how long it took; none within PRODUCTION_RESUMES_MS_MAX is a violation.
 */
async function awaitProduction(history: History, resumeMs: number[], stalls: Violation[], fault: string): Promise<void> {
  const fromMs = performance.now();
  let at = history.now();
  while (performance.now() - fromMs < PRODUCTION_RESUMES_MS_MAX) {
    for (; at < history.events.length; at++) {
      if (history.events[at].kind !== 'ack') continue;
      resumeMs.push(Math.round(performance.now() - fromMs));
      return;
    }
    await Bun.sleep(ACK_POLL_MS);
  }
  stalls.push({ kind: 'stalled', detail: `no acknowledgement within ${PRODUCTION_RESUMES_MS_MAX} ms after ${fault}` });
}

async function singleStep(target: ChaosTarget, kind: FaultKind, nodeId: number, holdMs: number): Promise<void> {
  await target.inject(kind, nodeId);
  await Bun.sleep(holdMs);
  await target.end(kind, nodeId);
}

/** What each node logged last: a failed run shows what the nodes saw. */
function logTails(target: ChaosTarget, log: (line: string) => void): void {
  for (const id of target.nodeIds) {
    const lines = target.broker(id).logs().trimEnd().split('\n');
    log(`--- node ${id}: the last ${Math.min(lines.length, LOG_TAIL_LINES)} lines of its log ---\n${lines.slice(-LOG_TAIL_LINES).join('\n')}`);
  }
}

function describeKinds(n: Readonly<Record<FaultKind, number>>): string {
  return `${n.kill9 + n.pause + n.isolate + n.cut} (${n.kill9} kill -9, ${n.pause} SIGSTOP, ${n.isolate} isolate, ${n.cut} cut)`;
}

function figures(ms: readonly number[]): string {
  if (ms.length === 0) return '-';
  const sorted = [...ms].sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)]}, max ${sorted[sorted.length - 1]} (${ms.length})`;
}

/** `90s`, `10m`, `2h`, `1500ms` or a bare number of seconds, in ms. */
export function parseDurationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (m === null) throw new Error(`--duration: expected e.g. 30s, 10m, 2h or 1500ms, got '${text}'`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

function parseArgs(argv: readonly string[]): ChaosOptions {
  const opts: { mode: ChaosMode; seed: number; durationMs: number; workload?: boolean; roundMs?: number; kinds?: FaultKind[] } = {
    mode: 'single',
    // A fresh seed per run unless given; printed first, so any run can be replayed.
    seed: Number(BigInt.asUintN(31, process.hrtime.bigint())),
    durationMs: 30_000,
  };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--mode':
        if (value !== 'single' && value !== 'quorum') throw new Error(`--mode: single or quorum, got '${value}'`);
        opts.mode = value;
        break;
      case '--seed':
        opts.seed = Number(value);
        if (!Number.isInteger(opts.seed) || opts.seed < 0) throw new Error(`--seed: a non-negative integer, got '${value}'`);
        break;
      case '--duration':
        opts.durationMs = parseDurationMs(value ?? '');
        break;
      case '--faults': {
        const kinds = (value ?? '').split(',').filter((k) => k !== '');
        const bad = kinds.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
        if (kinds.length === 0 || bad.length > 0) throw new Error(`--faults: a list of ${FAULT_KINDS.join(', ')}, got '${value}'`);
        opts.kinds = kinds as FaultKind[];
        break;
      }
      case '--round':
        opts.roundMs = parseDurationMs(value ?? '');
        break;
      case '--workload':
        if (value !== 'on' && value !== 'off') throw new Error(`--workload: on or off, got '${value}'`);
        opts.workload = value === 'on';
        break;
      default:
        throw new Error(`unknown argument '${argv[i]}' (--mode single|quorum, --seed N, --duration 30s|10m|2h, --faults kill9,pause,isolate,cut, --round 5m, --workload on|off)`);
    }
    i++;
  }
  return opts;
}

if (import.meta.main) {
  try {
    const result = await runChaos(parseArgs(process.argv.slice(2)));
    process.exit(result.ok ? 0 : 1);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  }
}
