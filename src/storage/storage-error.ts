// Disk errors under a log operation (ENOSPC, EDQUOT, EIO, ...), told apart from bugs: a caller
// answers a StorageError with KAFKA_STORAGE_ERROR for that partition, while anything else
// (an assertion) is a programming error.
//
// When one is thrown the log's state is known: a failed append was rolled back to the last good
// position before the error left the log; after a failed fsync the log refuses writes until
// repair() succeeds (fsyncgate: the page cache can no longer be trusted to reach the disk).

export class StorageError extends Error {
  override name = 'StorageError';
  /** The errno code of the cause (ENOSPC, EIO, ...), when it had one. */
  readonly code: string | undefined;

  constructor(message: string, override readonly cause: unknown) {
    const code = errnoCode(cause);
    super(`${message}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.code = code;
  }

  /** The disk (or the user's quota) is full: it clears when space is freed. */
  get diskFull(): boolean {
    return this.code === 'ENOSPC' || this.code === 'EDQUOT';
  }
}

export function errnoCode(e: unknown): string | undefined {
  if (e instanceof StorageError) return e.code;
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
