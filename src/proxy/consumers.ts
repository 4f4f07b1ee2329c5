// The proxy's consumer instances (Confluent REST Proxy v2's /consumers API): each a GroupMember
// of the internal client, kept by (group, name) until deleted or idle past the instance
// timeout. Mirrors kafka-rest's v2/KafkaConsumerManager: createConsumer (a taken name is 40902;
// no name: "rest-consumer-..."), getConsumerInstance (an unknown one is 40403, a found one has
// its expiry pushed back), and the ExpirationThread (every second, instances idle past
// consumer.instance.timeout.ms are removed and closed, which leaves their group).
//
// Time is read only through the Clock and waited only through the Scheduler (the layering's
// rule); the member is made by a factory, so a test passes a fake.

import type { Clock } from '../base/clock.ts';
import { type Cancel, every, type Scheduler } from '../base/scheduler.ts';
import type { GroupMember, GroupMemberOptions } from '../client/group-member.ts';
import type { EmbeddedFormat, Problem } from './wire.ts';

/** Kafka's auto.commit.interval.ms default (ConsumerConfig): 5 seconds. */
export const AUTO_COMMIT_INTERVAL_MS = 5_000;

/** Confluent's consumer.instance.timeout.ms default (KafkaRestConfig): 5 minutes idle. */
export const CONSUMER_INSTANCE_TIMEOUT_MS_DEFAULT = 300_000;
/** How often idle instances are looked for (the ExpirationThread sleeps 1 s between passes). */
export const CONSUMER_EXPIRY_SWEEP_MS = 1_000;
/** Instances one node keeps at most: each holds a group membership with its heartbeat. */
export const CONSUMER_INSTANCES_MAX = 1_000;

/** What the proxy uses of a GroupMember (a test passes a fake). */
export type ProxyMember = Pick<
  GroupMember,
  'subscribe' | 'unsubscribe' | 'subscribedTopics' | 'assign' | 'assignment' | 'poll' | 'commit' | 'committed' | 'seek' | 'seekTo' | 'close'
>;

/** The format an instance's records are answered in (the schema formats need the registry). */
export type ConsumerFormat = EmbeddedFormat;

export interface ConsumerInstance {
  readonly group: string;
  readonly name: string;
  readonly format: ConsumerFormat;
  readonly member: ProxyMember;
  /** consumer.request.timeout.ms: how long a records read waits for data at most. */
  readonly requestTimeoutMs: number;
  /** fetch.min.bytes: a records read answers once this much is there, or at its timeout. */
  readonly fetchMinBytes: number;
  /** enable.auto.commit: positions are committed before a read once AUTO_COMMIT_INTERVAL_MS
   *  has passed since the last, and when the instance is deleted or expires. */
  readonly autoCommit: boolean;
  /** Monotonic time of the last auto-commit (creation at first). */
  lastAutoCommitMs: number;
  /** Monotonic time of the last request naming it (the idle timeout counts from here). */
  lastUsedMs: number;
  /** The end of the last request queued on it: one request at a time, as KafkaConsumerState's
   *  methods are synchronized (a commit never runs inside a poll's position updates). */
  tail: Promise<unknown>;
}

/** An instance's settings from its CreateConsumerInstanceRequest. */
export interface InstanceSettings {
  readonly requestTimeoutMs: number;
  /** Default false here; the route applies Kafka's default (true). */
  readonly autoCommit?: boolean;
  readonly fetchMinBytes?: number;
}

/** Runs `f` after every request queued before it on this instance, then restarts its idle time
 *  (a long poll does not count as idle). */
export function serially<T>(manager: ConsumerManager, instance: ConsumerInstance, f: () => Promise<T>): Promise<T> {
  const run = instance.tail.then(f, f);
  instance.tail = run.catch(() => {}).finally(() => manager.touch(instance));
  return run;
}

export interface ConsumerManagerOptions {
  /** consumer.instance.timeout.ms. */
  readonly instanceTimeoutMs?: number;
  readonly instancesMax?: number;
}

export interface ConsumerManagerDeps {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly newMember: (options: GroupMemberOptions) => ProxyMember;
}

export const consumerProblems = {
  notFound: (): Problem => ({ status: 404, code: 40403, message: 'Consumer instance not found.' }),
  alreadyExists: (): Problem => ({
    status: 409,
    code: 40902,
    message: 'Consumer with specified consumer ID already exists in the specified consumer group.',
  }),
  // Errors.illegalStateException: "Illegal state: " + the consumer's message.
  illegalState: (detail: string): Problem => ({ status: 409, code: 40903, message: `Illegal state: ${detail}` }),
  formatMismatch: (): Problem => ({
    status: 406,
    code: 40601,
    message: 'The requested embedded data format does not match the deserializer for this consumer instance',
  }),
  // Errors.invalidConsumerConfigException.
  invalidConfig: (detail: string): Problem => ({ status: 422, code: 42204, message: `Invalid consumer configuration: ${detail}` }),
  // Not Confluent's (it has no cap): ours bounds what the node holds.
  tooMany: (max: number): Problem => ({
    status: 429,
    code: 42901,
    message: `This proxy already holds ${max} consumer instances (the limit); delete one or let one expire`,
  }),
};

const keyOf = (group: string, name: string): string => `${group}\u0000${name}`;

export class ConsumerManager {
  private readonly instances = new Map<string, ConsumerInstance>();
  private readonly timeoutMs: number;
  private readonly max: number;
  private readonly stopSweep: Cancel;
  private created = 0;

  constructor(
    private readonly deps: ConsumerManagerDeps,
    options: ConsumerManagerOptions = {},
  ) {
    this.timeoutMs = options.instanceTimeoutMs ?? CONSUMER_INSTANCE_TIMEOUT_MS_DEFAULT;
    this.max = options.instancesMax ?? CONSUMER_INSTANCES_MAX;
    this.stopSweep = every(deps.scheduler, Math.min(CONSUMER_EXPIRY_SWEEP_MS, Math.max(1, this.timeoutMs)), () => this.expire());
  }

  get size(): number {
    return this.instances.size;
  }

  /** A new instance, or the problem: a taken name (40902), the cap reached. */
  create(
    group: string,
    name: string | null,
    format: ConsumerFormat,
    member: Omit<GroupMemberOptions, 'groupId'>,
    settings: InstanceSettings,
  ): { ok: true; instance: ConsumerInstance } | { ok: false; problem: Problem } {
    // No name: Confluent's "rest-consumer-<uuid>"; ours counts, with the clock to keep names
    // apart across restarts (no randomness below the shell).
    const chosen = name ?? `rest-consumer-${this.deps.clock.nowMs().toString(36)}-${++this.created}`;
    const key = keyOf(group, chosen);
    if (this.instances.has(key)) return { ok: false, problem: consumerProblems.alreadyExists() };
    if (this.instances.size >= this.max) return { ok: false, problem: consumerProblems.tooMany(this.max) };
    const instance: ConsumerInstance = {
      group,
      name: chosen,
      format,
      member: this.deps.newMember({ ...member, groupId: group }),
      requestTimeoutMs: settings.requestTimeoutMs,
      fetchMinBytes: settings.fetchMinBytes ?? 1,
      autoCommit: settings.autoCommit ?? false,
      lastAutoCommitMs: this.deps.clock.monotonicMs(),
      lastUsedMs: this.deps.clock.monotonicMs(),
      tail: Promise.resolve(),
    };
    this.instances.set(key, instance);
    return { ok: true, instance };
  }

  /** The instance, its idle time restarted (getConsumerInstance's updateExpiration); null: 40403. */
  get(group: string, name: string): ConsumerInstance | null {
    const instance = this.instances.get(keyOf(group, name)) ?? null;
    if (instance !== null) instance.lastUsedMs = this.deps.clock.monotonicMs();
    return instance;
  }

  touch(instance: ConsumerInstance): void {
    instance.lastUsedMs = this.deps.clock.monotonicMs();
  }

  /** Removes and closes the instance (leaves its group); false when there was none. */
  async delete(group: string, name: string): Promise<boolean> {
    const key = keyOf(group, name);
    const instance = this.instances.get(key);
    if (instance === undefined) return false;
    this.instances.delete(key);
    await this.closeMember(instance); // gone from here whatever the group answers
    return true;
  }

  /**
   * Before a read: commits the positions (the records read so far) when auto-commit is on and
   * the interval has passed, as KafkaConsumer.poll does (ConsumerCoordinator.
   * maybeAutoCommitOffsetsAsync). A failed commit is retried at the next read, not reported:
   * the read itself goes on.
   */
  async autoCommitIfDue(instance: ConsumerInstance): Promise<void> {
    if (!instance.autoCommit) return;
    const now = this.deps.clock.monotonicMs();
    if (now - instance.lastAutoCommitMs < AUTO_COMMIT_INTERVAL_MS) return;
    const result = await instance.member.commit().catch(() => null);
    if (result !== null && result.error === null) instance.lastAutoCommitMs = now;
  }

  /** Leaves the group, committing the positions first with auto-commit on (KafkaConsumer.close:
   *  maybeAutoCommitOffsetsSync). */
  private async closeMember(instance: ConsumerInstance): Promise<void> {
    if (instance.autoCommit) await instance.member.commit().catch(() => null);
    await instance.member.close().catch(() => null);
  }

  /** Closes every instance and stops the sweep (the node stops). */
  async close(): Promise<void> {
    this.stopSweep();
    const all = [...this.instances.values()];
    this.instances.clear();
    await Promise.all(all.map((i) => this.closeMember(i)));
  }

  /** One pass of the ExpirationThread: idle past the timeout is removed, then closed. */
  expire(): void {
    const now = this.deps.clock.monotonicMs();
    for (const [key, instance] of [...this.instances]) {
      if (now - instance.lastUsedMs <= this.timeoutMs) continue;
      this.instances.delete(key);
      void this.closeMember(instance);
    }
  }
}
