// The process's limit on open file descriptors (RLIMIT_NOFILE). A node holds one descriptor per
// connection and per open segment file, and the usual soft limit (1024) is far below what the
// hard limit allows, so the node raises the soft limit to the hard one at start, as Node.js
// (PlatformInit, capped at 1 << 20) and Bun itself (adjustUlimit, before our code runs) do.
// The storage layer sizes its cache of open segment files from the result.
//
// Bun and Node have no setrlimit: libc's getrlimit/setrlimit are called through bun:ffi.
// struct rlimit is { rlim_t rlim_cur; rlim_t rlim_max; }, rlim_t 64-bit on 64-bit Linux and macOS.

import { dlopen, FFIType, ptr } from 'bun:ffi';
import { log } from './log.ts';

/** RLIMIT_NOFILE in <sys/resource.h>. */
const RLIMIT_NOFILE: Partial<Record<NodeJS.Platform, number>> = { linux: 7, darwin: 8 };
const LIBC: Partial<Record<NodeJS.Platform, string>> = { linux: 'libc.so.6', darwin: 'libSystem.B.dylib' };
/** The soft limit is raised at most this far (Node.js's cap: RLIM_INFINITY breaks programs that read it into an int). */
export const FD_SOFT_LIMIT_RAISE_MAX = 1 << 20;
/** Assumed when the limit cannot be read (another platform, no libc): the common default soft limit. */
export const FD_LIMIT_FALLBACK = 1024;
/** setrlimit attempts while searching for the highest soft limit macOS accepts (it refuses above OPEN_MAX). */
const RAISE_ATTEMPTS_MAX = 32;

export interface FdLimits {
  /** The soft limit when we looked (Bun may have raised it already). */
  softBefore: number;
  soft: number;
  hard: number;
}

type Rlimit = { get(): { soft: number; hard: number } | null; set(soft: number, hard: number): boolean };

let rlimit: Rlimit | null | undefined;

/** getrlimit/setrlimit(RLIMIT_NOFILE) through libc, or null where that is not available. */
function nofile(): Rlimit | null {
  if (rlimit !== undefined) return rlimit;
  const resource = RLIMIT_NOFILE[process.platform];
  const lib = LIBC[process.platform];
  rlimit = null;
  if (resource === undefined || lib === undefined) return null;
  try {
    const { symbols } = dlopen(lib, {
      getrlimit: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
      setrlimit: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
    });
    const buf = new BigUint64Array(2);
    rlimit = {
      get: () => (symbols.getrlimit(resource, ptr(buf)) === 0 ? { soft: toNumber(buf[0]), hard: toNumber(buf[1]) } : null),
      set: (soft, hard) => {
        buf[0] = BigInt(soft);
        buf[1] = hard >= Number.MAX_SAFE_INTEGER ? 0xffffffffffffffffn : BigInt(hard);
        return symbols.setrlimit(resource, ptr(buf)) === 0;
      },
    };
  } catch (e) {
    log.warn(`cannot read the fd limit (${e instanceof Error ? e.message : e}): assuming ${FD_LIMIT_FALLBACK}`);
  }
  return rlimit;
}

/** RLIM_INFINITY and other huge values become MAX_SAFE_INTEGER. */
function toNumber(v: bigint): number {
  return v >= BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

/** The current soft limit (FD_LIMIT_FALLBACK when it cannot be read). */
export function fdSoftLimit(): number {
  return nofile()?.get()?.soft ?? FD_LIMIT_FALLBACK;
}

/** Raises the soft limit as far towards the hard limit as the system allows; logs both. */
export function raiseFdLimit(): FdLimits {
  const rl = nofile();
  const now = rl?.get();
  if (!rl || !now) return { softBefore: FD_LIMIT_FALLBACK, soft: FD_LIMIT_FALLBACK, hard: FD_LIMIT_FALLBACK };
  let target = Math.min(now.hard, FD_SOFT_LIMIT_RAISE_MAX);
  let soft = now.soft;
  // macOS refuses a soft limit above kern.maxfilesperproc even under an infinite hard limit:
  // search for the highest it accepts (Node.js does the same).
  for (let i = 0; i < RAISE_ATTEMPTS_MAX && target > soft; i++) {
    if (rl.set(target, now.hard)) soft = target;
    else target = soft + Math.floor((target - soft) / 2);
  }
  const limits = { softBefore: now.soft, soft, hard: now.hard };
  log.info(`fd limit: soft ${limits.softBefore} -> ${limits.soft} (hard ${formatLimit(limits.hard)})`);
  return limits;
}

function formatLimit(n: number): string {
  return n >= Number.MAX_SAFE_INTEGER ? 'unlimited' : String(n);
}
