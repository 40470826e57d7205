import type { SandboxState, SimInstance, Tag } from '../../src/sandbox/state.js';

let nextInstance = 0x1000;

/** Puts a running, SSM-managed instance (unless `ssm: 'none'`) into a sandbox state, for tests of one simulated API. */
export function addSimInstance(
  state: SandboxState,
  init: {
    tags?: Tag[];
    nitro?: boolean;
    console?: string;
    userData?: string;
    ssm?: SimInstance['ssm'] | 'none';
    instanceId?: string;
  } = {},
): SimInstance {
  const n = nextInstance++;
  const instance: SimInstance = {
    instanceId: init.instanceId ?? `i-0${n.toString(16).padStart(16, '0')}`,
    state: 'running',
    launchTime: new Date('2026-04-01T10:00:00Z'),
    tags: init.tags ?? [],
    userData: init.userData ?? '',
    console: init.console ?? '',
    consoleUpdatedAt: new Date('2026-04-01T10:05:00Z'),
    nitro: init.nitro ?? true,
    privateIp: `10.0.${(n >> 8) & 255}.${n & 255}`,
    ssm:
      init.ssm === 'none' ? null : (init.ssm ?? { pingStatus: 'Online', agentVersion: '3.3.987.0', platform: 'Linux' }),
    hostRoot: null,
    role: 'molecule-tenant',
  };
  state.instances.set(instance.instanceId, instance);
  return instance;
}
