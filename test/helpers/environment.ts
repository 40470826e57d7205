import type { Environment } from '../../src/lib/config/run-environment.js';

/** An Environment for tests: what is not given is unknown, as a ledger that omitted it reads back. */
export function testEnvironment({ name, ...given }: Partial<Environment> & Pick<Environment, 'name'>): Environment {
  return { name, cpUrl: '', tenantCpUrl: '', awsAccount: null, awsRegion: null, ...given };
}
