// A simulated message network between nodes: loss, duplication, delay (random per message, so
// messages reorder), partitions and one-way cuts. Generic over the message type; the caller
// schedules deliveries (EventQueue) and asks deliverable() again at delivery time, so a link
// cut while a message is in flight drops it. Reusable by the broker simulation.

import type { Prng } from '../../../src/base/prng.ts';

export interface NetworkFaults {
  /** Probability that a message is lost. */
  lossProbability: number;
  /** Probability that a delivered message is delivered twice (at independent delays). */
  duplicateProbability: number;
  delayMsMin: number;
  delayMsMax: number;
}

/** What one seed decides about the network of a Raft simulation (the core's and the shell's draw it alike). */
export function networkFaultsFor(prng: Prng): NetworkFaults {
  return {
    lossProbability: prng.pick([0, 0.01, 0.05, 0.2]),
    duplicateProbability: prng.pick([0, 0.02, 0.1]),
    delayMsMin: 1,
    delayMsMax: prng.pick([3, 10, 40]),
  };
}

export const QUIET_NETWORK: NetworkFaults = { lossProbability: 0, duplicateProbability: 0, delayMsMin: 1, delayMsMax: 3 };

export interface Addressed {
  readonly from: number;
  readonly to: number;
}

export interface NetworkStats {
  sent: number;
  lost: number;
  duplicated: number;
  cut: number;
}

export class SimNetwork<M extends Addressed> {
  /** Directed links that drop everything: "from>to". */
  private readonly blocked = new Set<string>();
  readonly stats: NetworkStats = { sent: 0, lost: 0, duplicated: 0, cut: 0 };

  constructor(
    private readonly prng: Prng,
    public faults: NetworkFaults,
    /** Called with each copy of a message that will arrive, and after how long. */
    private readonly schedule: (m: M, delayMs: number) => void,
  ) {}

  send(m: M): void {
    this.stats.sent++;
    if (!this.deliverable(m)) {
      this.stats.cut++;
      return;
    }
    if (this.prng.chance(this.faults.lossProbability)) {
      this.stats.lost++;
      return;
    }
    this.schedule(m, this.delay());
    if (this.prng.chance(this.faults.duplicateProbability)) {
      this.stats.duplicated++;
      this.schedule(m, this.delay());
    }
  }

  private delay(): number {
    return this.prng.int(this.faults.delayMsMin, this.faults.delayMsMax);
  }

  /** False when the link is cut (checked again at delivery time). */
  deliverable(m: M): boolean {
    return !this.blocked.has(`${m.from}>${m.to}`);
  }

  /** One-way cut: `from` can no longer reach `to` (an asymmetric link). */
  cut(from: number, to: number): void {
    this.blocked.add(`${from}>${to}`);
  }

  /** Nodes in different groups cannot reach each other, either way. */
  partition(groups: readonly (readonly number[])[]): void {
    for (const a of groups) {
      for (const b of groups) {
        if (a === b) continue;
        for (const x of a) for (const y of b) this.cut(x, y);
      }
    }
  }

  isolate(node: number, others: readonly number[]): void {
    this.partition([[node], others.filter((n) => n !== node)]);
  }

  heal(): void {
    this.blocked.clear();
  }

  describeCuts(): string {
    return this.blocked.size === 0 ? 'none' : [...this.blocked].sort().join(' ');
  }
}
