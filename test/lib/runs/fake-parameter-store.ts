import type { ParameterStore } from '../../../src/lib/runs/fleet-lock.js';

/**
 * SSM Parameter Store as fleet locks use it, in memory: conditional put (overwrite false)
 * resolves false when the name exists, as the AWS door translates ParameterAlreadyExists.
 * Each call yields to the event loop first, so concurrent callers really interleave.
 */
export function createFakeParameterStore(): ParameterStore & {
  values: Map<string, { value: string; version: number }>;
  calls: string[];
} {
  const values = new Map<string, { value: string; version: number }>();
  const calls: string[] = [];
  const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  return {
    values,
    calls,
    async putParameter(input) {
      await tick();
      calls.push(`put ${input.name} overwrite=${input.overwrite}`);
      const existing = values.get(input.name);
      if (existing && !input.overwrite) return false;
      values.set(input.name, { value: input.value, version: (existing?.version ?? 0) + 1 });
      return true;
    },
    async getParameter(name) {
      await tick();
      calls.push(`get ${name}`);
      const found = values.get(name);
      return found ? { value: found.value, version: found.version, lastModified: null } : null;
    },
    async deleteParameter(name) {
      await tick();
      calls.push(`delete ${name}`);
      return values.delete(name);
    },
  };
}
