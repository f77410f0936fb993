// CPU time a server process has used (user + system, all its threads), from
// /proc/<pid>/stat. CPU per request is far steadier than throughput on a
// machine that others load at the same time: it says what a request costs the
// server, not how much of the machine the server got. Linux only; elsewhere
// every reading is null.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let ticksPerSecond;

/** Seconds of CPU used so far by process `pid`, or null when /proc cannot tell. */
export function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces; the fields after it are space-separated: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return null;
  }
}

/** Runs `work` and returns its result with `cpuMsPerRequest`: the server's CPU over the run divided by `result.requests`. */
export async function withServerCpu(pid, work) {
  const before = cpuSeconds(pid);
  const result = await work();
  const after = cpuSeconds(pid);
  const cpuMsPerRequest = before === null || after === null || !result.requests ? null : ((after - before) * 1000) / result.requests;
  return { ...result, cpuMsPerRequest };
}
