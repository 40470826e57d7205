import { UsageError } from '../errors.js';

/**
 * Splits a fleet into waves: the canary alone first, then waves whose sizes the user gives as
 * counts or cumulative percentages (`1,5,25%,100%`). Pure. A count is the size of that wave; a
 * percentage is cumulative ("25%": after this wave a quarter of the fleet is done), so a spec
 * never reorders or repeats a target, and the last wave always takes whatever is left.
 */

export type WaveStep = { kind: 'count'; value: number } | { kind: 'percent'; value: number };

/**
 * A `--waves` flag: the syntax of every step, then their order. A percentage not above an earlier
 * one, or any step after 100%, is a wave that no fleet size can fill: refused with the flags.
 */
export function parseWaveSpec(spec: string): WaveStep[] {
  const steps = readWaveSteps(spec);
  let highest: { text: string; value: number } | null = null;
  for (const step of steps) {
    const text = formatStep(step);
    if (highest?.value === 100)
      throw new UsageError(
        `--waves: "${text}" comes after "100%", which already takes every tenant, so that wave would always be empty`,
        `end the list at 100%, for example --waves 1,5,25%,100%`,
      );
    if (step.kind !== 'percent') continue;
    if (highest && step.value <= highest.value)
      throw new UsageError(
        `--waves: "${text}" is not above the earlier "${highest.text}": percentages are cumulative (the share of tenants done after that wave), so that wave would always be empty`,
        `give percentages in increasing order, for example --waves 1,5,25%,100%`,
      );
    highest = { text, value: step.value };
  }
  return steps;
}

function formatStep(step: WaveStep): string {
  return step.kind === 'percent' ? `${step.value}%` : String(step.value);
}

/**
 * The steps as written, syntax only. A run's ledger is read with this: a spec an older molectl
 * accepted stays resumable, and its empty waves are simply skipped, as they were then.
 */
export function readWaveSteps(spec: string): WaveStep[] {
  const steps = spec.split(',').map((raw) => {
    const text = raw.trim();
    const pct = /^(\d{1,3}(?:\.\d+)?)%$/.exec(text);
    if (pct) {
      const value = Number(pct[1]);
      if (value <= 0 || value > 100)
        throw new UsageError(`--waves: "${text}" must be between 0% and 100%`, 'for example --waves 1,5,25%,100%');
      return { kind: 'percent', value } as const;
    }
    if (/^\d+$/.test(text) && Number(text) > 0) return { kind: 'count', value: Number(text) } as const;
    throw new UsageError(`--waves: "${text}" is not a count or a percentage`, 'for example --waves 1,5,25%,100%');
  });
  if (steps.length === 0) throw new UsageError('--waves is empty', 'for example --waves 1,5,25%,100%');
  return steps;
}

/**
 * @param targets the fleet in dispatch order, canary excluded
 * @returns the waves after the canary; the last wave always reaches the whole fleet
 */
export function planWaves<T>(targets: T[], steps: WaveStep[]): T[][] {
  const waves: T[][] = [];
  let done = 0;
  for (const step of steps) {
    const cumulative = step.kind === 'count' ? done + step.value : Math.ceil((targets.length * step.value) / 100);
    const end = Math.min(targets.length, Math.max(cumulative, done));
    if (end > done) waves.push(targets.slice(done, end));
    done = end;
    if (done >= targets.length) break;
  }
  if (done < targets.length) waves.push(targets.slice(done));
  return waves;
}
