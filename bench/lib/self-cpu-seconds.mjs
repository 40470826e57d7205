// The CPU this process has used, for the benches that split a run's CPU between molectl, the
// sandbox's servers and the simulated hosts: /proc/self/stat fields 14-17 (utime, stime, cutime,
// cstime), in clock ticks (100 per second). The fields are read after the command name, which
// is in parentheses and may hold spaces.
import { readFileSync } from 'node:fs';

/** { own, reaped }: this process's CPU seconds, and those of the children it has reaped. */
export function selfCpuSeconds() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return {
    own: (Number(fields[11]) + Number(fields[12])) / 100,
    reaped: (Number(fields[13]) + Number(fields[14])) / 100,
  };
}
