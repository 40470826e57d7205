// A yardstick for the simulated hosts' CPU (issue 16's "<= 50 ms CPU per host"), measured in the
// same run: what this machine charges for starting a bare bash (`bash -c :`, fork, exec, the
// dynamic loader, locale files) and for one fork of it (a `$(...)` or `( )`). The figure per host
// is only as comparable across machines as these are: a small VM whose page-table work is
// paravirtualised can charge several times what bare metal does for both.
import { spawnSync } from 'node:child_process';
import { selfCpuSeconds } from './self-cpu-seconds.mjs';

const STARTS = 100;

/** CPU ms per `bash -c :`, and per fork of a running bash: reaped children, 100 of each. */
export function bashStartCpu() {
  const started = reapedCpuMs(() => {
    for (let i = 0; i < STARTS; i++) spawnSync('bash', ['-c', ':'], { stdio: 'ignore', env: { LANG: 'C.UTF-8' } });
  });
  // One bash that forks 100 times, less that bash's own start.
  const forking = reapedCpuMs(() => {
    spawnSync('bash', ['-c', `for ((i = 0; i < ${STARTS}; i++)); do (:); done`], { stdio: 'ignore' });
  });
  return { startMs: started / STARTS, forkMs: Math.max(0, forking - started / STARTS) / STARTS };
}

function reapedCpuMs(work) {
  const before = selfCpuSeconds().reaped;
  work();
  return (selfCpuSeconds().reaped - before) * 1000;
}
