// A reserve of free space on the data directory's file system: below it, Produce is refused
// (KAFKA_STORAGE_ERROR) before the disk is completely full, so that what must still be written
// can be: committed offsets, topic metadata, checkpoints, and the small writes retention needs
// to free space (Redpanda's storage_min_free_bytes does the same).
//
// The reserve is the smaller of storage.min.free.bytes (default 5 GiB, Redpanda's) and
// storage.min.free.percent of the file system (default 5%): 5 GiB protects large disks, and
// the percentage keeps small volumes (CI machines, containers, laptops) usable.
//
// statfs is read every FREE_SPACE_CHECK_INTERVAL_MS, not per write; between readings the bytes
// produced since are subtracted from the last reading, so a burst cannot run far past it.

import { logger } from '../base/log.ts';

const log = logger('storage');

/** How often the file system's free space is read. */
export const FREE_SPACE_CHECK_INTERVAL_MS = 1000;

export interface SpaceReading {
  totalBytes: number;
  /** Bytes an unprivileged writer may still use (statfs f_bavail * f_bsize). */
  availableBytes: number;
}

export interface FreeSpaceReserve {
  /** storage.min.free.bytes */
  minFreeBytes: number;
  /** storage.min.free.percent */
  minFreePercent: number;
}

/** The reserve in bytes for a file system of `totalBytes`. */
export function reserveBytes(totalBytes: number, reserve: FreeSpaceReserve): number {
  return Math.min(reserve.minFreeBytes, Math.floor((totalBytes * reserve.minFreePercent) / 100));
}

export class FreeSpaceGuard {
  private reading: SpaceReading | null = null;
  private producedSince = 0;
  /** Set while writes are refused: since when, and how many were. */
  private low: { refused: number } | null = null;

  constructor(
    private readonly statfs: () => SpaceReading,
    private readonly reserve: FreeSpaceReserve,
  ) {}

  /** Reads the file system again; a reading that fails keeps the last one. */
  refresh(): void {
    try {
      this.reading = this.statfs();
      this.producedSince = 0;
    } catch (e) {
      log.debug(`free space: statfs failed: ${e}`);
      return;
    }
    if (this.low !== null && this.freeBytes() >= this.reserveBytes()) {
      log.info(`free space back above the reserve: ${this.describe()}; produce is accepted again (${this.low.refused} produce writes were refused)`);
      this.low = null;
    }
  }

  /** Why `bytes` more must be refused now (a message for the client), or null to go ahead. */
  refusal(bytes: number): string | null {
    if (this.reading === null || this.freeBytes() - bytes >= this.reserveBytes()) {
      this.producedSince += bytes;
      return null;
    }
    if (this.low === null) {
      this.low = { refused: 0 };
      log.warn(`disk nearly full: ${this.describe()}; produce is refused with KAFKA_STORAGE_ERROR until space is freed`);
    }
    this.low.refused++;
    return `disk nearly full: ${this.describe()}`;
  }

  private freeBytes(): number {
    return (this.reading?.availableBytes ?? Infinity) - this.producedSince;
  }

  private reserveBytes(): number {
    return reserveBytes(this.reading?.totalBytes ?? 0, this.reserve);
  }

  private describe(): string {
    return `${this.freeBytes()} bytes free on the data directory's file system, reserve ${this.reserveBytes()} bytes ` +
      '(storage.min.free.bytes, storage.min.free.percent)';
  }
}
