// TopicRegistryBackend: the registry's state kept in the `_schemas` topic (DESIGN.md section 6).
// Every node replays the topic from offset 0 on start, then tails it, applying each record to
// its RegistryState in log order; a write appends records and answers once this node's tail has
// applied them. This follows Confluent's KafkaStore (core/.../storage/KafkaStore.java,
// KafkaStoreReaderThread): init waits until the reader reached the end offset seen at start,
// a put() produces and then waits until the reader reaches the record's offset, and the leader
// catches up before it computes a write (getLatestOffset writes a NOOP and reads to it; we ask
// ListOffsets for the end offset, which the tail then reaches).
//
// Unlike Confluent, every node writes (there is no leader election among registries). Two nodes
// may then append conflicting SCHEMA records (the same new id, or the same subject-version, for
// different schemas); every node applies the log in the same order and RegistryState.apply
// refuses the later one (registry-state.ts putVersion), so all nodes agree. A writer whose
// records were refused computes its write again on the state that now holds the winner, a
// bounded number of times. Ids therefore stay unique, and each caller is told the id and
// version the log really holds.
//
// Failures are error values with Confluent's 500 codes: 50002 when the store did not answer or
// catch up in time (StoreTimeoutException), 50001 for a store error, 50003 when our writes kept
// losing to other nodes' (Confluent's code for a write it could not get done through the leader).

import { logger } from '../../base/log.ts';
import { type Scheduler, sleep } from '../../base/scheduler.ts';
import type { RegistryBackend, WritePlan } from '../registry-backend.ts';
import { registryErrors, type RegistryError } from '../registry-errors.ts';
import { fail, ok, type Outcome, RegistryState, type SkipReason } from '../registry-state.ts';
import { encodeKeyJson, encodeRecord, encodeValueJson, type SchemasRecord, type SchemaValue } from '../schemas-records.ts';
import type { LogFailure, SchemasLog } from './schemas-log.ts';

const log = logger('registry');

export interface StoreLimits {
  /** How long a write (or a request, through whenReady) waits for the replay at start. Confluent
   *  answers requests only once initialised (kafkastore.init.timeout.ms, 60 s, bounds its start). */
  readonly readyWaitMs: number;
  /** How long a write waits for the log to answer and the tail to apply up to a given offset:
   *  Confluent's kafkastore.timeout.ms is 500 ms; a cluster electing a partition leader needs
   *  seconds, so ours is longer. */
  readonly storeWaitMs: number;
  /** The tail's fetch max wait (a long poll): how soon a record another node wrote is applied
   *  here at worst is this plus one round trip. */
  readonly tailWaitMs: number;
  /** Writes waiting behind the one running; more are refused at once (50001). */
  readonly writeQueueMax: number;
  /** Times a write is computed again after another node's conflicting records won (then 50003). */
  readonly writeAttemptsMax: number;
  /** How long a node waits before its next write after it saw another node's write refused,
   *  so that node's retry goes first (see runWrite). */
  readonly conflictYieldMs: number;
  /** Backoff between retries of a failed start step or tail read, doubling up to the max. */
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
  /** Refused offsets remembered for writers to look up (refusals are rare: conflicts only). */
  readonly refusalsKeptMax: number;
}

export const STORE_LIMITS: StoreLimits = {
  readyWaitMs: 30_000,
  storeWaitMs: 10_000,
  tailWaitMs: 500,
  writeQueueMax: 1_000,
  writeAttemptsMax: 16,
  conflictYieldMs: 20,
  retryBackoffMs: 50,
  retryBackoffMaxMs: 2_000,
  refusalsKeptMax: 10_000,
};

export interface TopicBackendOptions {
  readonly scheduler: Scheduler;
  readonly limits?: Partial<StoreLimits>;
  /** Tells who is writing in log lines ("node 2"). */
  readonly name?: string;
}

/** Where the store stands, for logs and tests. */
export interface StoreStatus {
  readonly ready: boolean;
  /** The offset the tail reads next: every record below it is applied. */
  readonly appliedTo: number;
  /** The end offset seen at start, which the replay must reach. */
  readonly replayTarget: number | null;
  readonly lastError: string | null;
  /** Writes computed again because another node's records won. */
  readonly writeRetries: number;
}

interface OffsetWaiter {
  readonly offset: number;
  readonly resolve: (reached: boolean) => void;
}

export class TopicRegistryBackend implements RegistryBackend {
  readonly state = new RegistryState();
  private readonly limits: StoreLimits;
  private nextOffset = 0;
  private replayTarget: number | null = null;
  private ready = false;
  private closed = false;
  private lastError: string | null = null;
  private writeRetries = 0;
  private readonly waiters = new Set<OffsetWaiter>();
  private readonly readyWaiters = new Set<() => void>();
  /** Offset -> why apply() refused the record there; oldest first (a Map keeps insertion order). */
  private readonly refusals = new Map<number, SkipReason>();
  /** The highest offset of a refused record the tail applied, and the one we last yielded for. */
  private latestRefusal = -1;
  private yieldedFor = -1;
  /** Offsets of this node's own refused records above yieldedFor (bounded by refusalsKeptMax). */
  private readonly ownRefused = new Set<number>();
  /** Why the last refused write of this node was refused (for refusalError). */
  private refusedReason: SkipReason = 'version_taken';
  private queue: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private running: Promise<void> | null = null;

  constructor(
    private readonly log: SchemasLog,
    private readonly options: TopicBackendOptions,
  ) {
    this.limits = { ...STORE_LIMITS, ...options.limits };
  }

  /** Starts the replay and the tail in the background; whenReady() tells when it is done. */
  start(): void {
    if (this.running === null) this.running = this.run();
  }

  /** Stops the tail and closes the log (a long poll in flight ends at once); writes in flight
   *  end with error values. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of [...this.waiters]) w.resolve(false);
    for (const r of [...this.readyWaiters]) r();
    await this.log.close();
    await this.running;
  }

  get status(): StoreStatus {
    return { ready: this.ready, appliedTo: this.nextOffset, replayTarget: this.replayTarget, lastError: this.lastError, writeRetries: this.writeRetries };
  }

  /** Resolves ok once the replay reached the end offset seen at start; 50002 after `waitMs`. */
  async whenReady(waitMs = this.limits.readyWaitMs): Promise<Outcome<void>> {
    if (this.ready) return ok(undefined);
    if (!this.closed) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.readyWaiters.delete(done);
          cancel();
          resolve();
        };
        const cancel = this.options.scheduler.after(waitMs, done);
        this.readyWaiters.add(done);
      });
    }
    if (this.ready) return ok(undefined);
    const why = this.lastError === null ? '' : ` (last error: ${this.lastError})`;
    return fail(registryErrors.operationTimeout(`The schema registry is not ready: the _schemas topic is still being read${why}`));
  }

  write<T>(compute: (state: RegistryState) => Outcome<WritePlan<T>>): Promise<Outcome<T>> {
    if (this.queued >= this.limits.writeQueueMax) {
      return Promise.resolve(fail(registryErrors.storeError(`Too many schema registry writes waiting (${this.limits.writeQueueMax})`)));
    }
    this.queued++;
    const run = this.queue.then(() => this.runWrite(compute)).catch((e): Outcome<T> => fail(registryErrors.storeError(`Store error: ${e instanceof Error ? e.message : String(e)}`)));
    this.queue = run.finally(() => this.queued--);
    return run;
  }

  private async runWrite<T>(compute: (state: RegistryState) => Outcome<WritePlan<T>>): Promise<Outcome<T>> {
    const ready = await this.whenReady();
    if (!ready.ok) return ready;
    // A node that saw another node's write refused since its last write lets that node go
    // first: without this, the node that just won computes the next id again at the same time
    // as the loser, and wins again (its tail reaches the end first), starving the loser.
    if (this.othersRefusedSinceYield()) {
      this.yieldedFor = this.latestRefusal;
      for (const o of this.ownRefused) if (o <= this.yieldedFor) this.ownRefused.delete(o);
      await sleep(this.options.scheduler, this.limits.conflictYieldMs);
    }
    let caughtUp = false;
    let lastRefused: string | null = null;
    for (let attempt = 1; attempt <= this.limits.writeAttemptsMax; attempt++) {
      if (this.closed) return fail(registryErrors.storeError('The schema registry is stopping'));
      // Catch up first: another node's records below the end offset must be applied before we
      // compute (Confluent's leader reads to its NOOP's offset for the same reason). After a lost
      // race the tail is already past the winner's records: compute again at once.
      if (!caughtUp) {
        const end = await this.log.endOffset();
        if (!end.ok) return fail(storeFailure(end.error, 'reading the end of the _schemas topic'));
        if (!(await this.waitApplied(end.value - 1))) return fail(this.applyTimeout());
      }
      const plan = compute(this.state);
      if (!plan.ok) return plan;
      const records = plan.value.records;
      if (records.length === 0) return ok(plan.value.result);
      // The same records as the ones just refused would be refused again: the conflict is with
      // what the state holds, not with a racing writer (an IMPORT of another schema at a live
      // version). Say so instead of appending them again.
      const signature = records.map((r) => `${encodeKeyJson(r.key)}\n${encodeValueJson(r) ?? ''}`).join('\n');
      if (signature === lastRefused) return fail(refusalError(records, this.refusedReason));
      const appended = await this.log.append(records.map((r) => encodeRecord(r)));
      if (!appended.ok) return fail(storeFailure(appended.error, 'writing to the _schemas topic'));
      const first = appended.value;
      const last = first + records.length - 1;
      if (!(await this.waitApplied(last))) return fail(this.applyTimeout());
      const refused = this.refusedBetween(first, last);
      if (refused === null) return ok(plan.value.result);
      // Our own refusals are no reason to yield before our next write.
      for (let o = first; o <= last && this.ownRefused.size < this.limits.refusalsKeptMax; o++) this.ownRefused.add(o);
      // Another node's conflicting records came first in the log: compute again on the state
      // that holds them.
      lastRefused = signature;
      this.refusedReason = refused;
      this.writeRetries++;
      caughtUp = true;
      log.info(`registry${this.label()}: a write lost to another node's (${refused} at offset ${first}..${last}); computing it again (attempt ${attempt + 1})`);
    }
    return fail(registryErrors.requestForwardingFailed(`Error while writing to the schema registry: other nodes' writes conflicted ${this.limits.writeAttemptsMax} times`));
  }

  private label(): string {
    return this.options.name === undefined ? '' : ` (${this.options.name})`;
  }

  private applyTimeout(): RegistryError {
    return registryErrors.operationTimeout(`Write to the _schemas topic timed out: this node did not read it back within ${this.limits.storeWaitMs} ms`);
  }

  /** Whether the tail applied another node's refused record since this node last yielded. */
  private othersRefusedSinceYield(): boolean {
    if (this.latestRefusal <= this.yieldedFor) return false;
    for (const o of this.refusals.keys()) if (o > this.yieldedFor && !this.ownRefused.has(o)) return true;
    return false;
  }

  private refusedBetween(first: number, last: number): SkipReason | null {
    for (let o = first; o <= last; o++) {
      const r = this.refusals.get(o);
      if (r !== undefined) return r;
    }
    return null;
  }

  /** True once every record up to `offset` is applied; false after storeWaitMs or on close. */
  private waitApplied(offset: number): Promise<boolean> {
    if (this.nextOffset > offset) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const waiter: OffsetWaiter = {
        offset,
        resolve: (reached) => {
          this.waiters.delete(waiter);
          cancel();
          resolve(reached);
        },
      };
      const cancel = this.options.scheduler.after(this.limits.storeWaitMs, () => waiter.resolve(false));
      this.waiters.add(waiter);
    });
  }

  // ---- the replay and the tail ----

  private async run(): Promise<void> {
    await this.retrying('creating the _schemas topic', () => this.log.ensureTopic());
    const end = await this.retrying('reading the end of the _schemas topic', () => this.log.endOffset());
    if (end === null) return;
    this.replayTarget = end;
    this.markReadyIfReplayed();
    let backoff = this.limits.retryBackoffMs;
    while (!this.closed) {
      const read = await this.log.read(this.nextOffset, this.limits.tailWaitMs);
      if (this.closed) return;
      if (!read.ok) {
        this.noteError(`reading the _schemas topic: ${read.error.message}`);
        await sleep(this.options.scheduler, backoff);
        backoff = Math.min(backoff * 2, this.limits.retryBackoffMaxMs);
        continue;
      }
      backoff = this.limits.retryBackoffMs;
      this.lastError = null;
      for (const r of read.value.records) {
        // Confluent's reader skips a record without a key; so do we (it is not ours).
        const refused = r.key === null ? 'undecodable' : this.state.applyBytes(r.key, r.value);
        if (refused !== null) this.remember(r.offset, refused);
      }
      this.nextOffset = Math.max(this.nextOffset, read.value.nextOffset);
      for (const w of [...this.waiters]) if (this.nextOffset > w.offset) w.resolve(true);
      this.markReadyIfReplayed();
    }
  }

  private markReadyIfReplayed(): void {
    if (this.ready || this.replayTarget === null || this.nextOffset < this.replayTarget) return;
    this.ready = true;
    log.info(`registry${this.label()}: _schemas replayed to offset ${this.nextOffset}: ready`);
    for (const r of [...this.readyWaiters]) r();
  }

  private remember(offset: number, reason: SkipReason): void {
    this.refusals.set(offset, reason);
    this.latestRefusal = Math.max(this.latestRefusal, offset);
    if (this.refusals.size > this.limits.refusalsKeptMax) this.refusals.delete(this.refusals.keys().next().value as number);
  }

  private noteError(message: string): void {
    if (message !== this.lastError) log.warn(`registry${this.label()}: ${message} (retrying)`);
    this.lastError = message;
  }

  /** Runs a start step until it succeeds or the store closes (null then), backing off. */
  private async retrying<T>(what: string, step: () => Promise<{ ok: true; value: T } | { ok: false; error: LogFailure }>): Promise<T | null> {
    let backoff = this.limits.retryBackoffMs;
    while (!this.closed) {
      const r = await step();
      if (r.ok) {
        this.lastError = null;
        return r.value;
      }
      this.noteError(`${what}: ${r.error.message}`);
      await sleep(this.options.scheduler, backoff);
      backoff = Math.min(backoff * 2, this.limits.retryBackoffMaxMs);
    }
    return null;
  }
}

/** The error for records the log refuses whatever the race: Confluent's 42205 for an id or a
 *  version held by another schema (AbstractSchemaRegistry.checkIfSchemaWithIdExist's message
 *  for ids), a store error for a state limit. */
function refusalError(records: readonly SchemasRecord[], reason: SkipReason): RegistryError {
  const schema = records.find((r) => r.key.keytype === 'SCHEMA' && r.value !== null)?.value as SchemaValue | undefined;
  if (schema !== undefined && reason === 'duplicate_id') return registryErrors.idInUse(schema.id);
  if (schema !== undefined && reason === 'version_taken') return registryErrors.versionInUse(schema.subject, schema.version);
  return registryErrors.storeError(`Store error: the _schemas log refused the write (${reason})`);
}

/** A log failure as Confluent's error: 42209 for records too large, 50002 for a timeout, 50001
 *  otherwise (KafkaSchemaRegistry.register's catch clauses). */
function storeFailure(e: LogFailure, doing: string): RegistryError {
  if (e.kind === 'too_large') return registryErrors.schemaTooLarge();
  if (e.kind === 'timeout') return registryErrors.operationTimeout(`Operation timed out while ${doing}: ${e.message}`);
  return registryErrors.storeError(`Store error while ${doing}: ${e.message}`);
}
