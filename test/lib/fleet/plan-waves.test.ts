import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/lib/errors.js';
import { parseWaveSpec, planWaves, readWaveSteps } from '../../../src/lib/fleet/plan-waves.js';

const fleet = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
// The planner as a resumed run's ledger drives it: steps read with their syntax only (a spec an
// older molectl accepted, such as 100%,1, still plans).
const sizes = (n: number, spec: string): number[] => planWaves(fleet(n), readWaveSteps(spec)).map((w) => w.length);

describe('parseWaveSpec', () => {
  it.each([
    [
      '1,5,25%,100%',
      [
        { kind: 'count', value: 1 },
        { kind: 'count', value: 5 },
        { kind: 'percent', value: 25 },
        { kind: 'percent', value: 100 },
      ],
    ],
    [
      ' 10 , 50% ',
      [
        { kind: 'count', value: 10 },
        { kind: 'percent', value: 50 },
      ],
    ],
    ['12.5%', [{ kind: 'percent', value: 12.5 }]],
    ['100%', [{ kind: 'percent', value: 100 }]],
    ['1000', [{ kind: 'count', value: 1000 }]],
  ])('%s', (spec, steps) => {
    expect(parseWaveSpec(spec)).toEqual(steps);
  });

  it.each([
    ['', '--waves: "" is not a count or a percentage'],
    ['0', '--waves: "0" is not a count or a percentage'],
    ['-1', '--waves: "-1" is not a count or a percentage'],
    ['1.5', '--waves: "1.5" is not a count or a percentage'],
    ['ten', '--waves: "ten" is not a count or a percentage'],
    ['5,', '--waves: "" is not a count or a percentage'],
    ['1;5', '--waves: "1;5" is not a count or a percentage'],
    ['0%', '--waves: "0%" must be between 0% and 100%'],
    ['101%', '--waves: "101%" must be between 0% and 100%'],
    ['100.5%', '--waves: "100.5%" must be between 0% and 100%'],
    ['1000%', '--waves: "1000%" is not a count or a percentage'],
    [
      '50%,10%',
      '--waves: "10%" is not above the earlier "50%": percentages are cumulative (the share of tenants done after that wave), so that wave would always be empty',
    ],
    [
      '25%,5,25%',
      '--waves: "25%" is not above the earlier "25%": percentages are cumulative (the share of tenants done after that wave), so that wave would always be empty',
    ],
    ['100%,1', '--waves: "1" comes after "100%", which already takes every tenant, so that wave would always be empty'],
  ])('refuses %j as a usage error naming --waves', (spec, message) => {
    let error: unknown;
    try {
      parseWaveSpec(spec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(message);
    expect((error as UsageError).hint).toContain('--waves 1,5,25%,100%');
  });
});

describe('planWaves', () => {
  it.each([
    // [fleet size, spec, wave sizes]
    [20, '1,5,25%,100%', [1, 5, 14]], // 25% (5) is already behind after 1+5: no wave for it
    [100, '1,5,25%,100%', [1, 5, 19, 75]],
    [1000, '1,5,25%,100%', [1, 5, 244, 750]],
    [10, '10%,50%,100%', [1, 4, 5]],
    [3, '33%,100%', [1, 2]], // ceil: a percentage of a small fleet still makes progress
    [10, '2,3', [2, 3, 5]], // the last wave takes whatever is left
    [10, '50%', [5, 5]],
    [10, '50%,2', [5, 2, 3]], // a count after a percentage adds to what is done
    [5, '10', [5]], // a count larger than the fleet takes all of it
    [5, '100%,1', [5]],
    [1, '1,5,25%,100%', [1]],
    [7, '1,1,1,1,1,1,1,1,1', [1, 1, 1, 1, 1, 1, 1]],
  ])('%i targets with %s → %j', (n, spec, expected) => {
    expect(sizes(n, spec)).toEqual(expected);
  });

  it('makes no waves for an empty fleet', () => {
    expect(planWaves([], parseWaveSpec('1,100%'))).toEqual([]);
  });

  it('never reorders, repeats or drops a target', () => {
    for (const spec of ['1,5,25%,100%', '3,10%,2,90%', '50%,10%,1']) {
      for (const n of [0, 1, 2, 9, 37, 250]) {
        expect(planWaves(fleet(n), readWaveSteps(spec)).flat()).toEqual(fleet(n));
      }
    }
  });
});
