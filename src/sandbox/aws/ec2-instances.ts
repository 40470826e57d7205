import type { InstanceState, SandboxState, SimInstance } from '../state.js';
import { AwsApiError } from './aws-api-error.js';
import { compileEc2Wildcard } from '../../lib/aws/ec2-wildcard.js';

/**
 * EC2 instance operations on the sandbox state, shared by the EC2 API handler and the simulated
 * CP (whose tenant cascade terminates instances the same way a real DeleteTenant does).
 */

export const INSTANCE_STATE_CODES: Record<InstanceState, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export interface InstanceFilter {
  name: string;
  values: string[];
}

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

/**
 * Instances matching all filters (values within one filter OR together, EC2 wildcards `*`/`?`
 * allowed), in launch order. Explicit ids that do not exist fail the whole call, as in EC2.
 */
export function findInstances(state: SandboxState, instanceIds: string[], filters: InstanceFilter[]): SimInstance[] {
  requireInstances(state, instanceIds);
  const predicates = filters.map(compileFilter);
  const idSet = new Set(instanceIds);
  const out: SimInstance[] = [];
  for (const instance of state.instances.values()) {
    if (idSet.size > 0 && !idSet.has(instance.instanceId)) continue;
    if (predicates.every((p) => p(instance))) out.push(instance);
  }
  return out;
}

/** The instances, in the order given; InvalidInstanceID.Malformed / .NotFound like EC2. */
export function requireInstances(state: SandboxState, instanceIds: string[]): SimInstance[] {
  const malformed = instanceIds.filter((id) => !INSTANCE_ID.test(id));
  if (malformed.length > 0) {
    throw new AwsApiError('InvalidInstanceID.Malformed', `Invalid id: "${malformed[0]}"`);
  }
  const missing = instanceIds.filter((id) => !state.instances.has(id));
  if (missing.length === 1) {
    throw new AwsApiError('InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`);
  }
  if (missing.length > 1) {
    throw new AwsApiError('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
  }
  return instanceIds.map((id) => state.instances.get(id) as SimInstance);
}

export interface StateChange {
  instanceId: string;
  previousState: InstanceState;
  currentState: InstanceState;
}

/**
 * TerminateInstances: running (or stopped) instances go to shutting-down, then to terminated
 * after a delay (fast ~300 ms, realistic ~4 s). Terminating a terminated instance is a no-op.
 */
export function terminateInstances(state: SandboxState, instanceIds: string[]): StateChange[] {
  const instances = requireInstances(state, instanceIds);
  const delayMs = state.speed === 'fast' ? 300 : 4000;
  return instances.map((instance) => {
    const previousState = instance.state;
    if (previousState !== 'terminated' && previousState !== 'shutting-down') {
      instance.state = 'shutting-down';
      const timer = setTimeout(() => {
        if (instance.state === 'shutting-down') instance.state = 'terminated';
      }, delayMs);
      timer.unref();
    }
    return { instanceId: instance.instanceId, previousState, currentState: instance.state };
  });
}

/** Last 64 KB of the console, as bytes (EC2 cuts on bytes, then base64-encodes). */
export function readConsoleTail(instance: SimInstance, windowBytes = 65536): Buffer {
  const bytes = Buffer.from(instance.console, 'utf8');
  return bytes.length > windowBytes ? bytes.subarray(bytes.length - windowBytes) : bytes;
}

function compileFilter(filter: InstanceFilter): (instance: SimInstance) => boolean {
  const matchers = filter.values.map(compileEc2Wildcard);
  const anyValue = (value: string | undefined): boolean => value !== undefined && matchers.some((m) => m.test(value));
  if (filter.name.startsWith('tag:')) {
    const key = filter.name.slice(4);
    return (i) => anyValue(i.tags.find((t) => t.Key === key)?.Value);
  }
  switch (filter.name) {
    case 'tag-key':
      return (i) => i.tags.some((t) => anyValue(t.Key));
    case 'tag-value':
      return (i) => i.tags.some((t) => anyValue(t.Value));
    case 'instance-state-name':
      return (i) => anyValue(i.state);
    case 'instance-state-code':
      return (i) => anyValue(String(INSTANCE_STATE_CODES[i.state]));
    case 'instance-id':
      return (i) => anyValue(i.instanceId);
    case 'private-ip-address':
      return (i) => anyValue(i.privateIp);
    default:
      throw new AwsApiError('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
  }
}
