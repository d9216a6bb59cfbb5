/**
 * CPU time and peak memory of a server process, read from outside it (Linux /proc, proc(5)), so
 * both servers are measured the same way and neither runs any code for it.
 * - CPU: utime + stime of /proc/<pid>/stat, every thread of the process included (libuv's pool,
 *   where argon2id runs), also threads that have ended; in clock ticks (USER_HZ, 100 a second).
 * - Event-loop CPU: the same of /proc/<pid>/task/<pid>/stat, the main thread alone (JavaScript,
 *   our code and the engine's; not libuv's pool, where argon2id and WebCrypto's signing run, nor
 *   V8's helper threads), so a sign-in's flow can be told from its password hash.
 * - The machine's idle share: idle + iowait over all of /proc/stat's aggregate "cpu" line, every
 *   core, so what neither server, the harness nor anything else used. A closed loop that leaves a
 *   core waiting shows here, not in a server's own CPU (issue 10: ours left ~5% of the machine
 *   idle under sign-ins, the baseline under 1%).
 * - Peak RSS: VmHWM of /proc/<pid>/status. Writing "5" to /proc/<pid>/clear_refs (Linux 4.0+)
 *   resets it to the current RSS, so each measurement window reports its own peak.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU milliseconds (user + system) the process has used so far; undefined without /proc. */
export const cpuMs = (pid: number) => statCpuMs(`/proc/${pid}/stat`);
/** CPU milliseconds the process's main thread (the event loop) has used so far. */
export const eventLoopCpuMs = (pid: number) => statCpuMs(`/proc/${pid}/task/${pid}/stat`);

/**
 * The fields of a /proc stat file after "pid (comm) ", from the state on: index 0 is proc(5)'s
 * field 3, so field N is at N - 3. Split after the last ")", since a command name may hold spaces
 * and parentheses. Throws when the file can't be read (the process or thread has ended).
 */
export function statFields(file: string): string[] {
  const stat = readFileSync(file, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function statCpuMs(file: string): number | undefined {
  try {
    // utime (field 14) and stime (field 15).
    const fields = statFields(file);
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return undefined;
  }
}

/** Cumulative ticks of all cores: idle (idle + iowait) and the total; undefined without /proc. */
export interface MachineTicks {
  idle: number;
  total: number;
}

export function machineTicks(): MachineTicks | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    if (!line.startsWith('cpu ')) return undefined;
    // user nice system idle iowait irq softirq steal (guest time is already in user and nice).
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    if (ticks.length < 5 || ticks.some((n) => !Number.isFinite(n))) return undefined;
    return { idle: ticks[3]! + ticks[4]!, total: ticks.reduce((sum, n) => sum + n, 0) };
  } catch {
    return undefined;
  }
}

/** The share of the machine's CPU time left idle between two readings; undefined when no time passed. */
export function idleShare(from: MachineTicks | undefined, to: MachineTicks | undefined): number | undefined {
  if (!from || !to || to.total <= from.total) return undefined;
  return (to.idle - from.idle) / (to.total - from.total);
}

function statusKiB(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Highest resident set size (MiB) since the process started or since the last resetPeakRss. */
export const peakRssMiB = (pid: number) => mib(statusKiB(pid, 'VmHWM'));
export const rssMiB = (pid: number) => mib(statusKiB(pid, 'VmRSS'));
const mib = (kib: number | undefined) => (kib === undefined ? undefined : kib / 1024);

/** Starts a new peak; false where the kernel doesn't allow it (the peak then runs from the start). */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** The CPU model as /proc/cpuinfo names it. */
export function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
