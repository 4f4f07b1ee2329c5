// The asking side of registration (registration.ts): every node tells the controller leader its
// addresses when it starts and then every registerIntervalMs, as a KRaft broker heartbeats its
// controller (broker.heartbeat.interval.ms, 2 s), and learns every other node's from the
// answer. A node the leader does not count as a member is added as a learner by that leader:
// the registrar keeps asking (every registerRetryMs) until the answer says `registered`.
//
// Whom to ask: the leader, as this node's controller group knows it or the last answer named it;
// when none is known, the seeds and the other known nodes in turn (a joining node knows only
// the seeds). The leader asks no one: it holds its own registration and membership.

import type { Cancel, Scheduler } from '../../base/scheduler.ts';
import type { RpcEndpoint } from '../../rpc/index.ts';
import { type BrokerRegistration, decodeRegisterAnswer, encodeRegisterRequest, REGISTER, type RegisterAnswer } from './registration.ts';

export interface RegistrarTiming {
  /** Between registrations once registered (Kafka's broker.heartbeat.interval.ms). */
  readonly registerIntervalMs: number;
  /** Between attempts while not registered, or after a failed one. */
  readonly registerRetryMs: number;
  /** One registration request waits this long for its answer (connection included). */
  readonly requestTimeoutMs: number;
}

/** What the registrar needs of its node. */
export interface RegistrarHost {
  readonly self: BrokerRegistration;
  /** The controller leader as this node's controller group knows it, or null. */
  knownLeader(): number | null;
  /** The nodes to try when no leader is known, in order (seeds first), this node excluded. */
  candidates(): readonly number[];
  /** Every registration an answer lists. */
  learn(b: BrokerRegistration): void;
  /** The first `registered` answer, and each later change of outcome (for the log). */
  outcome(a: RegisterAnswer, from: number): void;
}

export class Registrar {
  /** Whether the last answer from a leader said this node is a member. */
  registered = false;
  /** The leader the last answer named (-1: none). */
  private hint = -1;
  /** A node that answered it does not lead: not asked again as the leader until it is named again by a fresher source. */
  private notLeader = -1;
  private cursor = 0;
  private timer: Cancel | null = null;
  private stopped = false;
  readonly stats = { requests: 0, failures: 0 };

  constructor(
    private readonly rpc: RpcEndpoint,
    private readonly scheduler: Scheduler,
    private readonly timing: RegistrarTiming,
    private readonly host: RegistrarHost,
  ) {}

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.();
    this.timer = null;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = this.scheduler.after(delayMs, () => void this.attempt());
  }

  /**
   * Whom to ask: 'self' when this node leads (nothing to ask); else the leader this node's
   * controller group knows, unless that node answered it does not lead (a node cut off keeps
   * believing in an old leader until it hears the new one, which cannot reach it before it
   * registers); else the leader the last answer named (never this node: a stale answer); else
   * the next candidate in turn, which also reaches a leader that said no before and leads now.
   */
  private target(): number | 'self' | null {
    const self = this.host.self.nodeId;
    const known = this.host.knownLeader();
    if (known === self) return 'self';
    if (known !== null && known !== this.notLeader) return known;
    if (this.hint >= 0 && this.hint !== self && this.hint !== this.notLeader) return this.hint;
    const all = this.host.candidates();
    if (all.length === 0) return null;
    return all[this.cursor++ % all.length];
  }

  private async attempt(): Promise<void> {
    this.timer = null;
    const to = this.target();
    if (to === 'self' || to === null) {
      // This node leads (it holds its own registration and membership), or knows no one else
      // (a lone seed before its election): nothing to ask; look again later.
      this.registered = to === 'self';
      this.schedule(this.registered ? this.timing.registerIntervalMs : this.timing.registerRetryMs);
      return;
    }
    this.stats.requests++;
    const res = await this.rpc.request(to, REGISTER, (w) => encodeRegisterRequest(w, this.host.self), this.timing.requestTimeoutMs);
    if (this.stopped) return;
    let answer: RegisterAnswer | null = null;
    if (res.ok) {
      try {
        answer = decodeRegisterAnswer(res.body);
      } catch {
        answer = null; // a peer's bad bytes: as if it had not answered
      }
    }
    if (answer === null) {
      this.stats.failures++;
      this.hint = -1;
      this.notLeader = to; // unreachable or broken: try another
      this.schedule(this.timing.registerRetryMs);
      return;
    }
    for (const b of answer.brokers) this.host.learn(b);
    if (answer.outcome === 'not_leader') {
      this.notLeader = to;
      this.hint = answer.leaderId === to ? -1 : answer.leaderId;
    } else {
      this.notLeader = -1;
      this.hint = to;
    }
    const wasRegistered = this.registered;
    this.registered = answer.outcome === 'registered';
    if (this.registered !== wasRegistered || answer.outcome === 'refused') this.host.outcome(answer, to);
    const settled = answer.outcome === 'registered' || answer.outcome === 'refused';
    this.schedule(settled ? this.timing.registerIntervalMs : this.timing.registerRetryMs);
  }
}
