// What the broker says about its storage: recovery at start (a WARN per torn tail cut and per
// gap, an ERROR per damaged partition with what the operator can do, one summary line), and
// which partitions are offline. Storage finds and keeps the facts (storage/damage.ts); here
// they become log lines and KAFKA_STORAGE_ERROR answers.

import type { Clock } from '../base/clock.ts';
import { logger } from '../base/log.ts';
import { describeDamage, type LogDamage, operatorActions } from '../storage/damage.ts';
import type { PartitionLog } from '../storage/partition-log.ts';

const log = logger('kafka');

/** Partitions whose log could not be opened because of damage, by `topic/index`. */
export class OfflinePartitions {
  private readonly byKey = new Map<string, LogDamage>();

  add(topic: string, index: number, damage: LogDamage): void {
    this.byKey.set(key(topic, index), damage);
  }

  has(topic: string, index: number): boolean {
    return this.byKey.has(key(topic, index));
  }

  forgetTopic(topic: string): void {
    for (const k of [...this.byKey.keys()]) if (k.startsWith(`${topic}/`)) this.byKey.delete(k);
  }

  get size(): number {
    return this.byKey.size;
  }
}

function key(topic: string, index: number): string {
  return `${topic}/${index}`; // '/' never appears in a topic name
}

/** Counts for the one summary line logged once the broker has opened every partition. */
export class RecoverySummary {
  private partitions = 0;
  private truncated = 0;
  private droppedBytes = 0;
  private scannedBytes = 0;
  private offline = 0;
  private readonly startedMs: number;

  constructor(private readonly clock: Clock) {
    this.startedMs = clock.monotonicMs();
  }

  opened(name: string, plog: PartitionLog): void {
    this.partitions++;
    const r = plog.recovery;
    this.scannedBytes += r.scannedBytes;
    for (const t of r.truncations) {
      this.truncated++;
      this.droppedBytes += t.bytesDropped;
      log.warn(
        `partition ${name}: recovery cut a torn tail above the recovery point ${r.recoveryPoint}: ${t.bytesDropped} bytes ` +
          `dropped from offset ${t.offset} on (${t.file} cut at byte ${t.position}); they had not been checkpointed as flushed`,
      );
    }
    for (const g of r.gaps) {
      log.warn(`partition ${name}: offsets ${g.from} to ${g.to - 1} are missing below the recovery point (a segment file was removed or cut, as when an operator gives up damaged data); consumers skip them and they are never handed out again`);
    }
  }

  damaged(name: string, damage: LogDamage): void {
    this.partitions++;
    this.offline++;
    log.error(
      `partition ${name} is OFFLINE (clients get KAFKA_STORAGE_ERROR): ${describeDamage(damage)} ${operatorActions(damage)}`,
    );
  }

  /** The summary line. */
  report(): void {
    const ms = Math.round(this.clock.monotonicMs() - this.startedMs);
    const offline = this.offline > 0 ? `, ${this.offline} offline with damaged segments (see the ERRORs above)` : '';
    log.info(
      `recovery: ${this.partitions} partitions scanned in ${ms} ms, ${this.scannedBytes} bytes scanned, ` +
        `${this.truncated} torn tails cut (${this.droppedBytes} bytes)${offline}`,
    );
  }
}
