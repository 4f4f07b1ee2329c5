// Progress of a long client command (produce of many lines, consume -n N) as one stderr line that
// rewrites itself, only when stderr is a terminal: piped or redirected, nothing is written, so
// scripts and logs see only what they asked for (as curl and rsync decide, on isatty).
// `progressDecision` and `progressText` are pure; `Progress` is the thin shell over a stream.

/** Redraws at most this often: a terminal needs no more than ~5 updates a second to look live. */
export const PROGRESS_REDRAW_MS = 200;

/**
 * Whether to draw progress: on a terminal only (never when stderr is a pipe or a file), and not
 * when the command's output goes to that terminal too (consume printing records there: the
 * records themselves show the progress, and a rewritten line would garble them).
 */
export function progressDecision(stderrIsTty: boolean | undefined, outputOnTerminal = false): boolean {
  return stderrIsTty === true && !outputOnTerminal;
}

/** "produced 1200 records (600/s)", "consumed 40/100 records". Pure. */
export function progressText(verb: string, done: number, total: number | null, elapsedMs: number): string {
  const rate = elapsedMs >= 1000 ? ` (${Math.round((done * 1000) / elapsedMs)}/s)` : '';
  return `${verb} ${done}${total === null ? '' : `/${total}`} records${rate}`;
}

/** Carriage return, the text, then "erase to end of line" (ECMA-48 EL, CSI K): the line rewrites itself. */
const redraw = (text: string): string => `\r${text}\x1b[K`;

export interface ProgressSink {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export class Progress {
  private readonly on: boolean;
  private readonly startMs: number;
  private lastDrawMs = -Infinity;
  private drawn = false;

  constructor(
    private readonly sink: ProgressSink,
    private readonly verb: string,
    private readonly total: number | null,
    private readonly nowMs: () => number,
    outputOnTerminal = false,
  ) {
    this.on = progressDecision(sink.isTTY, outputOnTerminal);
    this.startMs = nowMs();
  }

  /** Records done so far; redraws when PROGRESS_REDRAW_MS has passed since the last draw. */
  update(done: number): void {
    if (!this.on) return;
    const now = this.nowMs();
    if (now - this.lastDrawMs < PROGRESS_REDRAW_MS) return;
    this.lastDrawMs = now;
    this.drawn = true;
    this.sink.write(redraw(progressText(this.verb, done, this.total, now - this.startMs)));
  }

  /** Clears the line (so what follows on the terminal starts clean). */
  finish(): void {
    if (this.on && this.drawn) this.sink.write('\r\x1b[K');
  }
}
