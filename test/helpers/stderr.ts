// What the code under test writes to stderr (the logger's output), captured per test.

import { afterEach, beforeEach } from 'bun:test';

/** Replaces process.stderr.write for each test of the calling file; `captured.lines` holds that
 *  test's writes, in order. */
export function captureStderr(): { lines: string[] } {
  const captured = { lines: [] as string[] };
  const realWrite = process.stderr.write.bind(process.stderr);
  beforeEach(() => {
    captured.lines = [];
    process.stderr.write = ((chunk: string) => {
      captured.lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
  });
  afterEach(() => {
    process.stderr.write = realWrite;
  });
  return captured;
}
