// The consumer-group phase: rebalance times of a 3-member classic group on a 6-partition topic
// and OffsetCommit throughput, driven by librdkafka (rdkafka-bench.c `group` mode: one process
// per member, commands on stdin, one JSON event per line on stdout, timestamps from
// CLOCK_MONOTONIC so events of different members compare directly).
//
// Every step runs the real broker (no --dev: __consumer_offsets is fsynced before a commit or a
// SyncGroup is answered) on a fresh data dir with group.initial.rebalance.delay.ms=0, so the
// join figures measure the protocol, not the configured wait (Kafka's default 3000 would add
// ~3 s to the first rebalance of an empty group).
//
//   join        3 members subscribe at once to a new group (new group id per repeat): from the
//               last subscribe() to the last assign callback of the rebalance in which the 3
//               members' assignments cover all 6 partitions (eager protocol: every rebalance
//               revokes everything and assigns afresh, so "final" = no later event within a
//               quiet period). With no initial delay the result is bimodal: ~10 ms when the 3
//               JoinGroups land in one generation; ~2 s when the first member's generation
//               completes alone, its SyncGroup gets REBALANCE_IN_PROGRESS and librdkafka waits
//               for its next join interval before rejoining (seen with debug=cgrp)
//   join (default delay)  the same on a broker left at group.initial.rebalance.delay.ms=3000:
//               ~6 s, as in Kafka, because the 2nd and 3rd members arriving during the first
//               delay extend it by another one
//   leave       one member's consumer_close() (LeaveGroup): from its start to the 2 survivors
//               holding all 6 partitions
//   join3rd     a new third member subscribes to the stable group of 2: to all 3 assigned again
//   kill        one member SIGKILLs itself (no LeaveGroup): to the 2 survivors holding all 6;
//               bounded below by session.timeout.ms, which the broker's session timer enforces
//   commits     one member holding all 6 partitions: rd_kafka_commit(async=0) of one offset per
//               partition in a loop (commits/s, latency), then async with a window in flight;
//               the broker under strace counts its fdatasyncs; the machine's append+fdatasync
//               rate at the broker's bytes per commit is measured right after, for comparison
//
// Members heartbeat every heartbeat.interval.ms: in the classic protocol the surviving members
// learn of a rebalance from a heartbeat answer (REBALANCE_IN_PROGRESS), so leave, join3rd and
// kill include up to one heartbeat interval of waiting.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Subprocess } from 'bun';
import { countFdatasyncs, freshDir, startBroker, type RunningBroker } from './broker.ts';
import { measureAppendFsync, type DiskResult } from './disk.ts';
import { runJson } from './native.ts';
import { cpuSeconds, machineBusySeconds } from './proc.ts';
import { median, type Percentiles } from './stats.ts';

export type GroupsSizes = { repeats: number; killRepeats: number; defaultDelayRepeats: number; commitSeconds: number; diskSeconds: number };

type GroupsContext = {
  bin: string;
  driver: string;
  dataRoot: string;
  strace: boolean;
  sizes: GroupsSizes;
  log: (msg: string) => void;
};

const TOPIC = 'bench-groups';
const PARTITIONS = 6;
const MEMBERS = 3;
const SESSION_TIMEOUT_MS = 6000; // the broker's group.min.session.timeout.ms
const HEARTBEAT_MS = 1000;
const INITIAL_REBALANCE_DELAY_MS = 0;
/** What the broker uses without --dev and without a setting (Kafka's default). */
const KAFKA_DEFAULT_INITIAL_DELAY_MS = 3000;
const ASYNC_WINDOW = 64;
/** No member event for this long after the partitions are covered: the rebalance was the last. */
const QUIET_MS = 2 * HEARTBEAT_MS + 500;

const liveMembers = new Set<Subprocess>();
process.on('exit', () => {
  for (const p of liveMembers) p.kill('SIGKILL');
});

type Event = { ev: string; t: number; p?: number[] } & Record<string, unknown>;

/** A rdkafka-bench `group` process: one consumer-group member. */
class Member {
  readonly events: Event[] = [];
  private readonly proc: Subprocess<'pipe', 'pipe', 'pipe'>;
  private stderr = '';

  constructor(driver: string, bootstrap: string, group: string, readonly name: string) {
    this.proc = Bun.spawn(
      [driver, 'group', '--brokers', bootstrap, '--topic', TOPIC, '--group', group, '--partitions', String(PARTITIONS), '--session-timeout-ms', String(SESSION_TIMEOUT_MS), '--heartbeat-ms', String(HEARTBEAT_MS)],
      { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' },
    );
    liveMembers.add(this.proc);
    void this.proc.exited.then(() => liveMembers.delete(this.proc));
    void this.readLines();
    void new Response(this.proc.stderr).text().then((t) => (this.stderr = t));
  }

  private async readLines(): Promise<void> {
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of this.proc.stdout) {
      buf += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line.startsWith('{')) this.events.push(JSON.parse(line) as Event);
      }
    }
  }

  send(cmd: string): void {
    this.proc.stdin.write(cmd + '\n');
    this.proc.stdin.flush();
  }

  get exited(): boolean {
    return this.proc.exitCode !== null || this.proc.signalCode !== null;
  }

  /** The first event named `ev` at or after index `from`, waiting up to timeoutMs. */
  async waitFor(ev: string, timeoutMs: number, from = 0): Promise<Event> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const e = this.events.slice(from).find((x) => x.ev === ev);
      if (e) return e;
      if (this.exited && !this.events.slice(from).some((x) => x.ev === ev)) {
        await Bun.sleep(50);
        const late = this.events.slice(from).find((x) => x.ev === ev);
        if (late) return late;
        throw new Error(`member ${this.name} exited (${this.proc.exitCode ?? this.proc.signalCode}) before '${ev}': ${this.stderr.slice(-2000)}`);
      }
      if (performance.now() > deadline) throw new Error(`member ${this.name}: no '${ev}' within ${timeoutMs} ms`);
      await Bun.sleep(5);
    }
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      try {
        this.send('quit');
      } catch {}
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
      await this.proc.exited;
      clearTimeout(timer);
    }
  }
}

/** The latest assign/revoke of a member after t0 (ns), or null. */
function lastRebalanceEvent(m: Member, t0: number): Event | null {
  const evs = m.events.filter((e) => (e.ev === 'assign' || e.ev === 'revoke') && e.t >= t0);
  return evs.length ? evs[evs.length - 1]! : null;
}

export type Settled = {
  /** ms from t0 to the last assign callback of the final rebalance */
  ms: number;
  /** the most assign callbacks one member got after t0: rebalances it took part in */
  rebalances: number;
  /** partitions per member in the final assignment */
  split: number[];
};

/** Waits until every member in `members` holds an assignment given after t0, together all
 *  PARTITIONS partitions exactly once, and no member has had an event for QUIET_MS. */
async function settle(members: Member[], t0: number, timeoutMs: number): Promise<Settled> {
  const deadline = performance.now() + timeoutMs;
  let lastCount = -1;
  let quietSince = performance.now();
  for (;;) {
    const count = members.reduce((n, m) => n + m.events.length, 0);
    if (count !== lastCount) {
      lastCount = count;
      quietSince = performance.now();
    }
    const last = members.map((m) => lastRebalanceEvent(m, t0));
    const covered = last.every((e) => e?.ev === 'assign') && (() => {
      const all = last.flatMap((e) => e!.p ?? []);
      return all.length === PARTITIONS && new Set(all).size === PARTITIONS;
    })();
    if (covered && performance.now() - quietSince >= QUIET_MS) {
      const tEnd = Math.max(...last.map((e) => e!.t));
      const rebalances = Math.max(...members.map((m) => m.events.filter((e) => e.ev === 'assign' && e.t >= t0).length));
      return { ms: (tEnd - t0) / 1e6, rebalances, split: last.map((e) => e!.p!.length) };
    }
    if (members.some((m) => m.exited)) throw new Error(`a member exited while waiting for the group to settle`);
    if (performance.now() > deadline) {
      const state = members.map((m, i) => `${m.name}: ${JSON.stringify(last[i])}`).join('; ');
      throw new Error(`group did not settle within ${timeoutMs} ms (${state})`);
    }
    await Bun.sleep(10);
  }
}

export type RebalanceFigure = { samplesMs: number[]; medianMs: number; maxMs: number; rebalances: number[] };

function figure(samples: Settled[]): RebalanceFigure {
  const ms = samples.map((s) => s.ms);
  return { samplesMs: ms.map((x) => Math.round(x * 10) / 10), medianMs: ms.length ? median(ms) : 0, maxMs: ms.length ? Math.max(...ms) : 0, rebalances: samples.map((s) => s.rebalances) };
}

export type CommitSyncOut = {
  partitions: number;
  commits: number;
  failed: number;
  first_error: string;
  seconds: number;
  commits_per_s: number;
  client_cpu_s: number;
  latency_ms: Percentiles;
};

export type CommitAsyncOut = {
  partitions: number;
  window: number;
  issued: number;
  commits: number;
  failed: number;
  first_error: string;
  seconds: number;
  commits_per_s: number;
  client_cpu_s: number;
};

type CommitStep<T> = T & {
  brokerCpuS: number;
  /** broker CPU-seconds per commit, in µs */
  brokerCpuUsPerCommit: number;
  /** CPU the rest of the machine used during the step (not the broker, not the client), in cores */
  othersCpuShare: number;
  /** broker fdatasync calls during the step (strace), or null when not counted */
  fdatasyncs: number | null;
  /** bytes the __consumer_offsets log grew by, per commit (null if the log was not found) */
  logBytesPerCommit: number | null;
};

export type GroupsFigures = {
  client: string;
  protocol: string;
  partitions: number;
  members: number;
  initialRebalanceDelayMs: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  join: RebalanceFigure;
  /** the same join on a broker left at the default group.initial.rebalance.delay.ms */
  joinDefaultDelay: RebalanceFigure;
  defaultInitialRebalanceDelayMs: number;
  leave: RebalanceFigure;
  /** round 1 ran on a fresh broker: its first group write created __consumer_offsets */
  firstJoinCreatesOffsetsTopic: boolean;
  /** the leaving member's own rd_kafka_consumer_close() duration */
  closeMs: number[];
  joinThird: RebalanceFigure;
  kill: RebalanceFigure;
  commitSync: CommitStep<CommitSyncOut>;
  commitAsync: CommitStep<CommitAsyncOut>;
  /** append + fdatasync at the broker's bytes per sync commit, measured right after */
  commitDisk: DiskResult | null;
};

/** Bytes in the broker's __consumer_offsets segment files (0 if none). */
function offsetsLogBytes(dataDir: string): number {
  let n = 0;
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.log')) n += fs.statSync(p).size;
    }
  };
  for (const top of fs.readdirSync(dataDir, { withFileTypes: true })) {
    if (!top.isDirectory()) continue;
    const p = path.join(dataDir, top.name, '__consumer_offsets');
    if (fs.existsSync(p)) walk(p);
  }
  return n;
}

function brokerSettings(initialDelayMs: number | null = INITIAL_REBALANCE_DELAY_MS): Record<string, string> {
  // createTopic produces to the topic for Metadata to create with num.partitions (auto-creation
  // is off without --dev unless set).
  const s: Record<string, string> = { 'auto.create.topics.enable': 'true', 'num.partitions': String(PARTITIONS) };
  if (initialDelayMs !== null) s['group.initial.rebalance.delay.ms'] = String(initialDelayMs);
  return s;
}

/** Only the "3 members subscribe at once" rounds, on a broker with the default initial delay. */
async function joinRounds(ctx: GroupsContext, b: RunningBroker, rounds: number): Promise<RebalanceFigure> {
  const join: Settled[] = [];
  for (let r = 0; r < rounds; r++) {
    const members: Member[] = [];
    try {
      for (let i = 0; i < MEMBERS; i++) members.push(await spawnReady(ctx, b, `bench-group-default-delay-${r}`, `m${i}`));
      for (const m of members) m.send('subscribe');
      const subs = await Promise.all(members.map((m) => m.waitFor('subscribe', 5000)));
      const j = await settle(members, Math.max(...subs.map((e) => e.t)), 30_000);
      join.push(j);
      ctx.log(`  #${r + 1}: join ${j.ms.toFixed(0)} ms (split ${j.split.join('/')})`);
    } finally {
      await Promise.all(members.map((m) => m.stop()));
    }
  }
  return figure(join);
}

async function createTopic(ctx: GroupsContext, b: RunningBroker): Promise<void> {
  await runJson([ctx.driver, 'produce', '--brokers', b.bootstrap, '--topic', TOPIC, '--records', String(PARTITIONS), '--size', '100', '--acks', 'all', '--partitions', String(PARTITIONS), '--max-seconds', '20'], 60_000);
}

async function spawnReady(ctx: GroupsContext, b: RunningBroker, group: string, name: string): Promise<Member> {
  const m = new Member(ctx.driver, b.bootstrap, group, name);
  await m.waitFor('ready', 40_000);
  return m;
}

async function rebalanceRounds(ctx: GroupsContext, b: RunningBroker): Promise<Pick<GroupsFigures, 'join' | 'leave' | 'closeMs' | 'joinThird' | 'kill'>> {
  const join: Settled[] = [];
  const leave: Settled[] = [];
  const joinThird: Settled[] = [];
  const kill: Settled[] = [];
  const closeMs: number[] = [];
  const settleTimeout = 30_000;
  for (let r = 0; r < ctx.sizes.repeats; r++) {
    const group = `bench-group-${r}`;
    const members: Member[] = [];
    try {
      for (let i = 0; i < MEMBERS; i++) members.push(await spawnReady(ctx, b, group, `m${i}`));
      // 1. Three members subscribe at once.
      for (const m of members) m.send('subscribe');
      const subs = await Promise.all(members.map((m) => m.waitFor('subscribe', 5000)));
      const j = await settle(members, Math.max(...subs.map((e) => e.t)), settleTimeout);
      join.push(j);
      // 2. One leaves cleanly.
      const leaver = members.pop()!;
      leaver.send('close');
      const start = await leaver.waitFor('close_start', 5000);
      const closed = await leaver.waitFor('closed', 30_000);
      closeMs.push((closed.t - start.t) / 1e6);
      const l = await settle(members, start.t, settleTimeout);
      leave.push(l);
      await leaver.stop();
      let line = `  #${r + 1} ${group}: join ${j.ms.toFixed(0)} ms (${j.rebalances} rebalance(s), split ${j.split.join('/')}), leave ${l.ms.toFixed(0)} ms (close() ${closeMs.at(-1)!.toFixed(0)} ms)`;
      if (r < ctx.sizes.killRepeats) {
        // 3. A third member joins the stable group of two, 4. then one is SIGKILLed.
        const third = await spawnReady(ctx, b, group, `m${MEMBERS - 1}'`);
        members.push(third);
        third.send('subscribe');
        const sub = await third.waitFor('subscribe', 5000);
        const j3 = await settle(members, sub.t, settleTimeout);
        joinThird.push(j3);
        const victim = members.shift()!;
        victim.send('kill');
        const killed = await victim.waitFor('kill', 5000);
        await victim.stop();
        const k = await settle(members, killed.t, SESSION_TIMEOUT_MS + settleTimeout);
        kill.push(k);
        line += `, 3rd joins ${j3.ms.toFixed(0)} ms, SIGKILL ${k.ms.toFixed(0)} ms`;
      }
      ctx.log(line);
    } finally {
      await Promise.all(members.map((m) => m.stop()));
    }
  }
  return { join: figure(join), leave: figure(leave), closeMs: closeMs.map((x) => Math.round(x * 10) / 10), joinThird: figure(joinThird), kill: figure(kill) };
}

async function commitStep<T>(ctx: GroupsContext, b: RunningBroker, m: Member, cmd: string, ev: string, dataDir: string, traceFile: string | null, commitsOf: (o: T) => number): Promise<CommitStep<T>> {
  const bytes0 = offsetsLogBytes(dataDir);
  const cpu0 = cpuSeconds(b.pid) ?? 0;
  const busy0 = machineBusySeconds();
  const fromS = Date.now() / 1000;
  const from = m.events.length;
  m.send(cmd);
  const out = (await m.waitFor(ev, (ctx.sizes.commitSeconds + 60) * 1000, from)) as unknown as T;
  const toS = Date.now() / 1000;
  const brokerCpuS = (cpuSeconds(b.pid) ?? 0) - cpu0;
  const o = out as { seconds: number; client_cpu_s: number };
  const othersCpuS = Math.max(0, machineBusySeconds() - busy0 - brokerCpuS - o.client_cpu_s);
  let fdatasyncs: number | null = null;
  if (traceFile) {
    await Bun.sleep(50);
    fdatasyncs = countFdatasyncs(traceFile, fromS, toS);
  }
  const grown = offsetsLogBytes(dataDir) - bytes0;
  const commits = commitsOf(out);
  return { ...out, brokerCpuS, brokerCpuUsPerCommit: commits > 0 ? (brokerCpuS / commits) * 1e6 : 0, othersCpuShare: othersCpuS / Math.max(o.seconds, 1e-3), fdatasyncs, logBytesPerCommit: grown > 0 && commits > 0 ? grown / commits : null };
}

export async function runGroupsPhase(ctx: GroupsContext, librdkafka: string | null): Promise<GroupsFigures> {
  ctx.log(`groups: ${MEMBERS} members, ${PARTITIONS} partitions, group.initial.rebalance.delay.ms=${INITIAL_REBALANCE_DELAY_MS}, session.timeout.ms=${SESSION_TIMEOUT_MS}, heartbeat.interval.ms=${HEARTBEAT_MS}; ${ctx.sizes.repeats} rounds (SIGKILL in ${ctx.sizes.killRepeats})`);
  const rebalance = await (async () => {
    const dataDir = freshDir(ctx.dataRoot, 'groups-rebalance');
    const b = await startBroker({ bin: ctx.bin, dataDir, dev: false, settings: brokerSettings(), logFile: path.join(ctx.dataRoot, 'groups-rebalance.log') });
    try {
      await createTopic(ctx, b);
      return await rebalanceRounds(ctx, b);
    } finally {
      await b.stop();
    }
  })();

  ctx.log(`groups: 3 members subscribe at once with the default group.initial.rebalance.delay.ms (${KAFKA_DEFAULT_INITIAL_DELAY_MS}), ${ctx.sizes.defaultDelayRepeats} rounds`);
  const joinDefaultDelay = await (async () => {
    const dataDir = freshDir(ctx.dataRoot, 'groups-default-delay');
    const b = await startBroker({ bin: ctx.bin, dataDir, dev: false, settings: brokerSettings(null), logFile: path.join(ctx.dataRoot, 'groups-default-delay.log') });
    try {
      await createTopic(ctx, b);
      return await joinRounds(ctx, b, ctx.sizes.defaultDelayRepeats);
    } finally {
      await b.stop();
    }
  })();

  ctx.log(`groups: OffsetCommit of ${PARTITIONS} partitions, sync for ${ctx.sizes.commitSeconds} s, then async (${ASYNC_WINDOW} in flight)${ctx.strace ? ', fdatasyncs counted with strace' : ''}`);
  const dataDir = freshDir(ctx.dataRoot, 'groups-commit');
  const traceFile = ctx.strace ? path.join(ctx.dataRoot, 'groups-commit.strace') : null;
  const b = await startBroker({ bin: ctx.bin, dataDir, dev: false, settings: brokerSettings(), traceFsyncsTo: traceFile ?? undefined, logFile: path.join(ctx.dataRoot, 'groups-commit.log') });
  let commitSync: CommitStep<CommitSyncOut>;
  let commitAsync: CommitStep<CommitAsyncOut>;
  try {
    await createTopic(ctx, b);
    const m = await spawnReady(ctx, b, 'bench-commits', 'committer');
    try {
      m.send('subscribe');
      const sub = await m.waitFor('subscribe', 5000);
      await settle([m], sub.t, 30_000);
      commitSync = await commitStep<CommitSyncOut>(ctx, b, m, `commit-sync ${ctx.sizes.commitSeconds}`, 'commit_sync', dataDir, traceFile, (o) => o.commits);
      if (commitSync.failed) ctx.log(`  ${commitSync.failed} sync commits failed: ${commitSync.first_error}`);
      ctx.log(`  sync: ${Math.round(commitSync.commits_per_s)} commits/s, p50 ${commitSync.latency_ms.p50.toFixed(2)} / p99 ${commitSync.latency_ms.p99.toFixed(2)} ms${commitSync.fdatasyncs !== null ? `, ${commitSync.fdatasyncs} fdatasyncs` : ''}`);
      commitAsync = await commitStep<CommitAsyncOut>(ctx, b, m, `commit-async ${ctx.sizes.commitSeconds} ${ASYNC_WINDOW}`, 'commit_async', dataDir, traceFile, (o) => o.commits);
      if (commitAsync.failed) ctx.log(`  ${commitAsync.failed} async commits failed: ${commitAsync.first_error}`);
      ctx.log(`  async: ${Math.round(commitAsync.commits_per_s)} commits/s${commitAsync.fdatasyncs !== null ? `, ${commitAsync.fdatasyncs} fdatasyncs` : ''}`);
    } finally {
      await m.stop();
    }
  } finally {
    await b.stop();
  }
  const size = Math.max(64, Math.round(commitSync.logBytesPerCommit ?? 512));
  ctx.log(`disk: append + fdatasync per ${size} B commit (one sync OffsetCommit's __consumer_offsets batch) for ${ctx.sizes.diskSeconds} s`);
  const commitDisk = await measureAppendFsync(ctx.dataRoot, size, ctx.sizes.diskSeconds);
  ctx.log(`  ${Math.round(commitDisk.fsyncsPerS)} fsync/s, p50 ${commitDisk.fsyncMs.p50.toFixed(2)} / p99 ${commitDisk.fsyncMs.p99.toFixed(2)} ms`);
  return {
    client: `librdkafka ${librdkafka ?? '?'} (rdkafka-bench group)`,
    protocol: 'classic, eager (partition.assignment.strategy range,roundrobin)',
    partitions: PARTITIONS,
    members: MEMBERS,
    initialRebalanceDelayMs: INITIAL_REBALANCE_DELAY_MS,
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: HEARTBEAT_MS,
    firstJoinCreatesOffsetsTopic: true,
    ...rebalance,
    joinDefaultDelay,
    defaultInitialRebalanceDelayMs: KAFKA_DEFAULT_INITIAL_DELAY_MS,
    commitSync,
    commitAsync,
    commitDisk,
  };
}
