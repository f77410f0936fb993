// CPU time a process has used (user + system), read from /proc: how much work
// a server does per request, a figure that other load on the machine barely
// moves, unlike requests per second.
import fs from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** Milliseconds of CPU the process has used so far, or null where /proc is not available. */
export function cpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Runs `fn` and adds the CPU microseconds per request the process `pid` spent meanwhile (`cpuUsPerRequest`) to its result. */
export async function withCpu(pid, fn) {
  const before = cpuMs(pid);
  const result = await fn();
  const after = cpuMs(pid);
  const cpuUsPerRequest = before === null || after === null || !result.requests ? null : ((after - before) * 1000) / result.requests;
  return { ...result, cpuUsPerRequest };
}
