// Reading a process's own accounting from /proc: CPU time and memory. Linux only.

import * as fs from 'node:fs';
import type { Subprocess } from 'bun';

/** Clock ticks per second for /proc/<pid>/stat times (sysconf(_SC_CLK_TCK), 100 on Linux). */
const CLK_TCK = 100;

/** The fields of /proc/<pid>/stat after the command name (which is in parentheses and may
 *  contain spaces), or null when the process is gone. */
function statFields(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** utime, stime (s) and minflt of `pid`, or null when the process is gone. minflt counts page
 *  faults served without I/O: on this VM, each first touch of memory the host took back costs
 *  the kernel CPU. utime, stime and minflt are fields 14, 15 and 10 of the whole line. */
export function cpuAndFaults(pid: number): { userS: number; sysS: number; minflt: number } | null {
  const f = statFields(pid);
  return f === null ? null : { userS: Number(f[11]) / CLK_TCK, sysS: Number(f[12]) / CLK_TCK, minflt: Number(f[7]) };
}

/** utime + stime of `pid` in seconds, or null when the process is gone. */
export function cpuSeconds(pid: number): number | null {
  const u = cpuAndFaults(pid);
  return u === null ? null : u.userS + u.sysS;
}

/** minflt of `pid`, or null when the process is gone. */
export function minorFaults(pid: number): number | null {
  return cpuAndFaults(pid)?.minflt ?? null;
}

/** A field of /proc/<pid>/status in KiB (VmRSS, VmHWM), or null when the process is gone. */
export function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Samples VmRSS every `everyMs` and keeps the peak, for a process whose VmHWM was reset or
 *  which lived before the phase of interest. Call stop() to get the peak in KiB. */
export function rssSampler(pid: number, everyMs = 100): { stop(): number } {
  let peak = statusKiB(pid, 'VmRSS') ?? 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, statusKiB(pid, 'VmRSS') ?? 0);
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, statusKiB(pid, 'VmRSS') ?? 0);
      return peak;
    },
  };
}

/** CPU-seconds the whole machine spent busy (all cores: /proc/stat user..steal, not idle/iowait). */
export function machineBusySeconds(): number {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / CLK_TCK;
}

/** The 1-minute load average: how many runnable tasks the machine had besides ours. */
export function loadAverage1m(): number {
  return Number(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** Stops a spawned broker: SIGTERM, then SIGKILL after `graceMs` if it has not exited. */
export async function terminate(proc: Subprocess, graceMs: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}
