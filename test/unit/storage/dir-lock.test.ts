// The data-directory lock in-process; test/integration/storage-lock.test.ts checks it between
// real processes (a second freshet refused, a kill -9'd holder releasing it).

import { expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from '../../../src/storage/dir-lock.ts';

test('a second lock on the same directory is refused with the holder pid; release frees it', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'freshet-lock-')), 'data');
  try {
    const lock = lockDataDir(dir); // creates the directory
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    let refused: unknown = null;
    try {
      lockDataDir(dir);
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as DataDirLockedError).holderPid).toBe(process.pid);
    expect((refused as Error).message).toContain(dir);
    expect((refused as Error).message).toContain(`pid ${process.pid}`);
    lock.release();
    lockDataDir(dir).release();
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
});
