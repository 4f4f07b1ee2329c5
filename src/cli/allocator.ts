// The allocator setting a serving node runs with, and the re-exec that applies it.
//
// Bun allocates with mimalloc, which gives freed memory back to the OS 10 ms after it is freed
// (its purge delay). A broker under produce load frees large buffers all the time (each socket
// read arrives in a fresh buffer, each request frame is assembled in one): with the default,
// nearly every new buffer lands on pages the kernel must fault in and zero again. On a VM that
// hands freed guest memory back to its host (virtio free page reporting) each such page also
// costs the host's first touch. Measured on this project's 2-core VMs (produce acks=1, 1 KiB
// records, ~1 MiB requests, librdkafka): with a purge delay of 1 s the broker's CPU per GiB
// produced fell from 2.2-4.1 to 1.2-1.3 CPU-s on 16 partitions and its minor faults 2.4x
// (bench/README.md, "Produce CPU"). A second of delay keeps a busy node's freed memory for its
// next requests and still returns an idle node's within a second.
//
// mimalloc reads its options from the environment once, when the process starts, before any of
// our code runs: so `freshet start` re-executes itself, same pid, with the variable set, unless
// it is set already (by us, or by an operator who chose another value).

/** mimalloc's option: ms between freeing memory and returning it to the OS (mimalloc 2.x). */
export const PURGE_DELAY_VAR = 'MIMALLOC_PURGE_DELAY';
/** Our value for it; see above. */
export const PURGE_DELAY_MS = 1000;

export interface ProcessImage {
  platform: string;
  execPath: string;
  /** process.argv: [runtime, script, ...args]; a compiled executable's script is in /$bunfs/. */
  argv: readonly string[];
  execArgv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
}

export interface Reexec {
  file: string;
  args: string[];
  env: Record<string, string>;
}

/** The exec that gives this process the allocator setting, or null when it has it already
 *  (or the platform has no exec that keeps the pid). Pure. */
export function allocatorReexec(p: ProcessImage): Reexec | null {
  if (p.env[PURGE_DELAY_VAR] !== undefined) return null;
  if (p.platform === 'win32') return null;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.env)) if (v !== undefined) env[k] = v;
  env[PURGE_DELAY_VAR] = String(PURGE_DELAY_MS);
  const script = p.argv[1] ?? '';
  const user = p.argv.slice(2);
  // A compiled executable finds its code in itself: only the user's arguments follow argv[0].
  // `bun src/main.ts` needs the runtime's own flags and the script again.
  const args = script.startsWith('/$bunfs/') ? [p.execPath, ...user] : [p.execPath, ...p.execArgv, script, ...user];
  return { file: p.execPath, args, env };
}

/** Replaces this process with itself under the allocator setting; returns if it need not or
 *  cannot (the node then runs with mimalloc's default, only slower). */
export function applyAllocatorSetting(): void {
  const execve = (process as { execve?: (file: string, args: string[], env: Record<string, string>) => never }).execve;
  if (typeof execve !== 'function') return;
  const r = allocatorReexec({ platform: process.platform, execPath: process.execPath, argv: process.argv, execArgv: process.execArgv, env: process.env });
  if (r === null) return;
  try {
    execve.call(process, r.file, r.args, r.env);
  } catch {
    // Not fatal: the default allocator setting works, at more CPU per GiB.
  }
}
