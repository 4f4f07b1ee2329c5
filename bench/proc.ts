// Reading a process's own accounting from /proc: CPU time and memory. Linux only.

import * as fs from 'node:fs';
import type { Subprocess } from 'bun';

/** Clock ticks per second for /proc/<pid>/stat times (sysconf(_SC_CLK_TCK), 100 on Linux). */
const CLK_TCK = 100;

/** utime, stime (s) and minflt from the text of a /proc/<pid>/stat (or .../task/<tid>/stat)
 *  line. The command name is in parentheses and may contain spaces, so fields are counted from
 *  the last ')': utime, stime and minflt are fields 14, 15 and 10 of the whole line. */
export function parseStat(text: string): { userS: number; sysS: number; minflt: number } {
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { userS: Number(f[11]) / CLK_TCK, sysS: Number(f[12]) / CLK_TCK, minflt: Number(f[7]) };
}

/** utime, stime (s) and minflt of `pid`, or of its thread `tid` alone (the main thread's tid is
 *  the pid), or null when it is gone. minflt counts page faults served without I/O: on this VM,
 *  each first touch of memory the host took back costs the kernel CPU. */
export function cpuAndFaults(pid: number, tid?: number): { userS: number; sysS: number; minflt: number } | null {
  try {
    return parseStat(fs.readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** The row a thread's CPU is counted in: `main` for the thread whose tid is the pid, else its
 *  name without trailing digits and spaces, so a pool's threads share one row. */
export function threadRow(pid: number, tid: number, comm: string): string {
  return tid === pid ? 'main' : comm.trim().replace(/[\s\d]+$/, '') || 'unnamed';
}

/** utime + stime (s) of every thread of `pid` by threadRow, or an empty map when it is gone.
 *  A thread that ends between two readings takes its time with it (the process total keeps it). */
export function cpuByThread(pid: number): Map<string, number> {
  const rows = new Map<string, number>();
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return rows;
  }
  for (const tid of tids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const u = parseStat(stat);
      const row = threadRow(pid, Number(tid), comm);
      rows.set(row, (rows.get(row) ?? 0) + u.userS + u.sysS);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return rows;
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
