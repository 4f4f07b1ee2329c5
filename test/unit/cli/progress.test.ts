// The progress line: drawn only when stderr is a terminal (isatty), redrawn at most every
// PROGRESS_REDRAW_MS with a carriage return and ECMA-48's "erase in line" (CSI K), cleared at
// the end; on a pipe nothing at all is written.

import { describe, expect, test } from 'bun:test';
import { Progress, PROGRESS_REDRAW_MS, progressDecision, progressText } from '../../../src/cli/progress.ts';

function sink(isTTY: boolean | undefined) {
  const written: string[] = [];
  return { isTTY, written, write: (t: string) => written.push(t) };
}

describe('progress', () => {
  test('only on a terminal: a pipe or a file (isTTY false or undefined) gets nothing', () => {
    expect(progressDecision(true)).toBe(true);
    expect(progressDecision(false)).toBe(false);
    expect(progressDecision(undefined)).toBe(false);
    // Records printed on the same terminal: no line rewritten between them.
    expect(progressDecision(true, true)).toBe(false);
    let now = 0;
    for (const tty of [false, undefined]) {
      const s = sink(tty);
      const p = new Progress(s, 'produced', null, () => now);
      for (let i = 0; i < 10; i++) {
        now += 1000;
        p.update(i * 100);
      }
      p.finish();
      expect(s.written).toEqual([]);
    }
  });

  test('on a terminal: one line rewritten in place, at most every PROGRESS_REDRAW_MS, then cleared', () => {
    let now = 0;
    const s = sink(true);
    const p = new Progress(s, 'consumed', 100, () => now);
    p.update(1);
    now += PROGRESS_REDRAW_MS - 1;
    p.update(2);
    now += 1;
    p.update(3);
    p.finish();
    expect(s.written).toEqual(['\rconsumed 1/100 records\x1b[K', '\rconsumed 3/100 records\x1b[K', '\r\x1b[K']);
    expect(s.written.join('')).not.toContain('\n');
  });

  test('the text: count, total when known, a rate once a second has passed', () => {
    expect(progressText('produced', 10, null, 500)).toBe('produced 10 records');
    expect(progressText('produced', 3000, null, 2000)).toBe('produced 3000 records (1500/s)');
    expect(progressText('consumed', 4, 10, 0)).toBe('consumed 4/10 records');
  });

  test('nothing drawn, nothing cleared', () => {
    const s = sink(true);
    new Progress(s, 'produced', null, () => 0).finish();
    expect(s.written).toEqual([]);
  });
});
