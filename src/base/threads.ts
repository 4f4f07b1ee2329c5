// Threads for per-byte work off the event loop (Bun Workers in a process; docs/multicore.md).
// A simulation has none: what would run on a thread runs inline there, so a seeded run stays
// one deterministic thread. The real implementation is the shell's (src/cli/node-deps.ts).

/** One started thread, seen from the thread that started it. */
export interface ThreadPort {
  /** Posts a message; the ArrayBuffers in `transfer` move to the thread (detached here). */
  post(message: unknown, transfer: ArrayBuffer[]): void;
  /** Called with each message from the thread, and once with a reason if it dies or fails to load. */
  listen(onMessage: (message: unknown) => void, onFailure: (reason: string) => void): void;
  terminate(): void;
}

export interface Threads {
  /** Starts a thread running the module at `entry`; messages posted before it loads wait for it. */
  start(entry: URL): ThreadPort;
}
