// A leader's proposed-but-uncommitted bytes (etcd's uncommittedSize): when followers cannot keep
// up, proposals are refused instead of piling up in the leader's memory and log.

import type { Index } from './types.ts';

export class UncommittedBytes {
  private lastIndexes: Index[] = [];
  private sizes: number[] = [];
  total = 0;

  add(lastIndex: Index, bytes: number): void {
    this.lastIndexes.push(lastIndex);
    this.sizes.push(bytes);
    this.total += bytes;
  }

  /** Everything up to `commit` is committed: its bytes no longer count. */
  releaseTo(commit: Index): void {
    let n = 0;
    while (n < this.lastIndexes.length && this.lastIndexes[n] <= commit) this.total -= this.sizes[n++];
    if (n > 0) {
      this.lastIndexes.splice(0, n);
      this.sizes.splice(0, n);
    }
  }

  reset(): void {
    this.lastIndexes = [];
    this.sizes = [];
    this.total = 0;
  }
}
