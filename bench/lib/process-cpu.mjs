// CPU time a server process has used (user + system, all its threads), from
// /proc/<pid>/stat. CPU per request is far steadier than throughput on a
// machine that others load at the same time: it says what a request costs the
// server, not how much of the machine the server got. Linux only; elsewhere
// every reading is null.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let ticksPerSecond;

/** Command name, CPU seconds (user + system) and nice value from a /proc/.../stat file, or null when it is gone. */
export function readStat(file) {
  try {
    const stat = fs.readFileSync(file, 'utf8');
    // The command name may hold spaces; the fields after it are space-separated: utime and stime are the 12th and 13th, nice the 17th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    return {
      comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
      cpu: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond,
      nice: Number(fields[16]),
    };
  } catch {
    return null;
  }
}

/** Seconds of CPU used so far by process `pid`, or null when /proc cannot tell. */
export function cpuSeconds(pid) {
  return readStat(`/proc/${pid}/stat`)?.cpu ?? null;
}

/**
 * CPU seconds used so far by each process named `name` (e.g. `postgres`: its
 * backends, which the benchmark's servers share, and its helpers), by pid, or
 * null without /proc.
 */
export function namedProcessesCpu(name) {
  let pids;
  try {
    pids = fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return null;
  }
  const cpu = new Map();
  for (const pid of pids) {
    const stat = readStat(`/proc/${pid}/stat`);
    if (stat?.comm === name) cpu.set(pid, stat.cpu);
  }
  return cpu;
}

/**
 * CPU seconds those processes used between two readings of namedProcessesCpu:
 * a process started since counts in full, one that exited since is left out
 * (a sum over all of them would drop by its whole CPU). Over a rotation slice
 * only one server is loaded, so this is that server's database work.
 */
export function namedProcessesCpuSince(before, after) {
  if (!before || !after) return null;
  let total = 0;
  for (const [pid, cpu] of after) total += cpu - (before.get(pid) ?? 0);
  return total;
}
/** Runs `work` and returns its result with `cpuMsPerRequest`: the server's CPU over the run divided by `result.requests`. */
export async function withServerCpu(pid, work) {
  const before = cpuSeconds(pid);
  const result = await work();
  const after = cpuSeconds(pid);
  const cpuMsPerRequest = before === null || after === null || !result.requests ? null : ((after - before) * 1000) / result.requests;
  return { ...result, cpuMsPerRequest };
}
