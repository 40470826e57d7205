import { defaultFaults, type SandboxState } from './state.js';

/**
 * A fresh, empty sandbox state: the one place its shape is spelled out, for startSandbox and for
 * tests that drive a single simulated API without the whole sandbox. Secrets and ids are the
 * caller's: startSandbox draws random ones, tests pass fixed ones.
 */
export function createSandboxState(
  init: Pick<SandboxState, 'provisionSharedSecret' | 'cpAdminToken' | 'accountId'> & Partial<SandboxState>,
): SandboxState {
  return {
    seed: 1,
    url: '',
    root: '',
    region: 'us-east-2',
    cpSharedSecretId: 'molecule/cp/provision-shared-secret',
    speed: 'fast',
    hostMode: 'real',
    orgs: new Map(),
    instances: new Map(),
    secrets: new Map(),
    parameters: new Map(),
    commands: new Map(),
    requests: [],
    connectionsReset: 0,
    faults: defaultFaults(),
    ...init,
  };
}
