import { describe, expect, it } from 'vitest';
import type { InvocationSummary, SendShellCommandInput } from '../../../src/lib/aws/aws-types.js';
import type { Context } from '../../../src/lib/context.js';
import { applyMigration, type ApplySettings } from '../../../src/lib/tenant-secret-delivery/apply-migration.js';
import { Redactor } from '../../../src/lib/output/redactor.js';
import type { TargetRecord } from '../../../src/lib/runs/run-ledger-schema.js';
import type { RunLedger } from '../../../src/lib/runs/run-ledger.js';
import { createFakeClock } from '../org/fake-clock.js';
import { EXPECTED_FP, plan, record, resultLine, target } from './fixtures.js';

/**
 * applyMigration against fakes: an in-memory ledger, an SSM that answers every command at the
 * first poll (the canary's CP check rejected: the value is not the CP's), a tenant /health that
 * answers ok. What matters is which commands are sent.
 */
function setup(targets: TargetRecord[]) {
  const sent: SendShellCommandInput[] = [];
  const byCommand = new Map<string, SendShellCommandInput>();
  const mode = (input: SendShellCommandInput) => /MOLECTL_MODE='([a-z-]+)'/.exec(input.commands.join('\n'))?.[1];
  const answer = (input: SendShellCommandInput) =>
    mode(input) === 'cp-auth-check'
      ? {
          status: 'Failed',
          code: 1,
          stdout: resultLine({
            status: 'cp-auth-rejected',
            reason: "the CP answered 401 to the container's credentials",
            httpStatus: '401',
          }),
        }
      : {
          status: 'Success',
          code: 0,
          stdout: resultLine({ status: 'migrated', fingerprint: EXPECTED_FP, health: 'ok' }),
        };
  const aws = {
    async sendShellCommand(input: SendShellCommandInput) {
      sent.push(input);
      const commandId = `cmd-${sent.length}`;
      byCommand.set(commandId, input);
      return { commandId };
    },
    async listInvocations(commandId: string): Promise<InvocationSummary[]> {
      const input = byCommand.get(commandId)!;
      const a = answer(input);
      return input.instanceIds.map((instanceId) => ({
        commandId,
        instanceId,
        status: a.status,
        statusDetails: a.status,
        responseCode: a.code,
        outputPreview: a.stdout,
      }));
    },
    async getInvocationOutput(commandId: string) {
      const a = answer(byCommand.get(commandId)!);
      return { status: a.status, statusDetails: a.status, responseCode: a.code, stdout: a.stdout, stderr: '' };
    },
    async cancelCommand() {},
  };
  const state = new Map(targets.map((t) => [t.key, t]));
  const ledger = {
    id: 'R1',
    target: (key: string) => state.get(key),
    async updateTarget(key: string, patch: Partial<TargetRecord>) {
      const prev = state.get(key) ?? record(key);
      state.set(key, {
        ...prev,
        ...patch,
        detail: { ...prev.detail, ...(patch.detail ?? {}) },
        remoteIds: { ...prev.remoteIds, ...(patch.remoteIds ?? {}) },
      } as TargetRecord);
    },
    async recordEvent() {},
    async setStatus() {},
  } as unknown as RunLedger;
  const step = { update() {}, succeed() {}, fail() {}, warn() {} };
  const ctx = {
    aws,
    clock: createFakeClock(),
    signal: new AbortController().signal,
    fetch: async () => new Response('{"status":"ok"}', { status: 200 }),
    redactor: new Redactor(),
    out: { step: () => step, info() {}, warn() {}, error() {} },
    config: {
      cpUrl: { value: 'https://api.moleculesai.app' },
      environment: {
        parameterPrefix: '/molectl/production',
        containerName: 'molecule-tenant',
        tenantUrlTemplate: 'https://{slug}.moleculesai.app',
      },
    },
  } as unknown as Context;
  const applied = () => sent.filter((s) => mode(s) === 'apply').flatMap((s) => s.instanceIds);
  const authChecks = () => sent.filter((s) => mode(s) === 'cp-auth-check').length;
  return { ctx, ledger, applied, authChecks };
}

/** A run that is never interrupted and never loses its lock. */
const noStop = { stopping: false, checkpoint() {} };
const migrationPlan = plan([
  target('acme', 'needs-migration'),
  target('beta', 'needs-migration'),
  target('gamma', 'needs-migration'),
]);
const settings: ApplySettings = {
  waves: [{ kind: 'percent', value: 100 }],
  maxErrors: 0,
  soakMs: 0,
  delivery: 'secrets-manager',
  maxConcurrency: 50,
  healthTimeoutSeconds: 5,
  hostTimeoutSeconds: 245,
};

describe('the canary soak gates the waves', () => {
  it('a fresh run: the CP rejects the canary, the run aborts, no other tenant is touched', async () => {
    const { ctx, ledger, applied, authChecks } = setup([record('acme'), record('beta'), record('gamma')]);
    const result = await applyMigration(ctx, migrationPlan, settings, ledger, noStop);
    expect(result.status).toBe('aborted');
    expect(result.abortReason).toContain(
      // Issue 19, item 7: refused at the first answer, the soak never began.
      "canary acme failed before its soak (checking that the CP accepts its credentials): the CP answered 401 to the container's credentials",
    );
    expect(authChecks()).toBe(1);
    expect(applied()).toEqual(['i-acme']);
  });

  // The soak that passed is recorded on the canary's target; a canary migrated by an earlier
  // attempt whose soak failed or never finished is soaked again before any wave.
  it('a resume after the canary failed its soak checks the canary again before any wave', async () => {
    const { ctx, ledger, applied, authChecks } = setup([
      record('acme', {
        state: 'succeeded',
        outcome: 'migrated',
        detail: { instanceId: 'i-acme', fingerprintMatch: true },
      }),
      record('beta'),
      record('gamma'),
    ]);
    const result = await applyMigration(ctx, migrationPlan, settings, ledger, noStop);
    expect(authChecks()).toBe(1);
    expect(applied()).toEqual([]);
    expect(result.status).toBe('aborted');
  });
});
