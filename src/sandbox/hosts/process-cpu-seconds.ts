import { readFileSync } from 'node:fs';

/**
 * CPU seconds a process and the children it has reaped have used so far: utime, stime, cutime
 * and cstime, /proc/<pid>/stat fields 14-17, in clock ticks (100 per second). 0 when there is no
 * such process (never started, or gone). For the sandbox's long-lived host helpers (the python
 * helper, the script launcher), whose reaped children this process's own counters do not see
 * until the sandbox stops; the benchmarks add them to the hosts' CPU.
 */
export function processCpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    // The fields after the command name, which is in parentheses and may hold spaces.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0;
  }
}
