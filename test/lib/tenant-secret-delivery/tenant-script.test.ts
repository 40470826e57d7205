import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/lib/errors.js';
import {
  readTenantScript,
  renderTenantCommands,
  type TenantScriptInputs,
} from '../../../src/lib/tenant-secret-delivery/tenant-script.js';
import { EXPECTED_FP } from './fixtures.js';

const apply: TenantScriptInputs = {
  mode: 'apply',
  containerName: 'molecule-tenant',
  cpUrl: 'https://api.moleculesai.app',
  expectedFingerprint: EXPECTED_FP,
  delivery: 'secrets-manager',
  secretArn: 'arn:aws:secretsmanager:us-east-2:123456789012:secret:molecule/cp/provision-shared-secret-AbCdEf',
  secretVersionId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
  runId: '20261122T203000Z-migrate-cp-secret-apply-3f9a',
  healthTimeoutSeconds: 90,
};

describe('renderTenantCommands', () => {
  it('puts one export per given input before the unchanged script', () => {
    expect(renderTenantCommands(apply, 'SCRIPT')).toEqual([
      "export MOLECTL_MODE='apply'",
      "export MOLECTL_CONTAINER='molecule-tenant'",
      "export MOLECTL_CP_URL='https://api.moleculesai.app'",
      `export MOLECTL_EXPECTED_FP='${EXPECTED_FP}'`,
      "export MOLECTL_DELIVERY='secrets-manager'",
      `export MOLECTL_SECRET_ID='${apply.secretArn}'`,
      `export MOLECTL_SECRET_VERSION='${apply.secretVersionId}'`,
      `export MOLECTL_RUN_ID='${apply.runId}'`,
      "export MOLECTL_HEALTH_TIMEOUT='90'",
      'SCRIPT',
    ]);
  });

  it('leaves out inputs that were not given (probe: mode and container only)', () => {
    expect(renderTenantCommands({ mode: 'probe', containerName: 'molecule-tenant' }, 'SCRIPT')).toEqual([
      "export MOLECTL_MODE='probe'",
      "export MOLECTL_CONTAINER='molecule-tenant'",
      'SCRIPT',
    ]);
  });

  it('carries a parameter name for parameter delivery', () => {
    const lines = renderTenantCommands(
      {
        mode: 'apply',
        containerName: 'molecule-tenant',
        delivery: 'parameter',
        parameterName: '/molectl/production/runs/20261122T203000Z-x/cp-shared-secret',
      },
      'SCRIPT',
    );
    expect(lines).toContain("export MOLECTL_PARAMETER='/molectl/production/runs/20261122T203000Z-x/cp-shared-secret'");
  });

  it('sends the shipped script itself, last and unchanged', () => {
    const lines = renderTenantCommands(apply);
    expect(lines.at(-1)).toBe(readTenantScript());
    expect(readTenantScript()).toMatch(/^#!\/usr\/bin\/env bash\n/);
    expect(lines.slice(0, -1).every((l) => /^export MOLECTL_[A-Z_]+='[^']*'$/.test(l))).toBe(true);
  });

  // Only names, ids, a URL, a fingerprint and numbers can be inputs: the interface has no field for
  // the value, so it cannot reach a command (AwsDoor.sendShellCommand refuses one as a second guard).
  it('has no input that could carry the secret value', () => {
    const keys: Array<keyof TenantScriptInputs> = [
      'mode',
      'containerName',
      'cpUrl',
      'expectedFingerprint',
      'delivery',
      'secretArn',
      'secretVersionId',
      'parameterName',
      'runId',
      'healthTimeoutSeconds',
    ];
    expect(Object.keys(apply).every((k) => keys.includes(k as keyof TenantScriptInputs))).toBe(true);
    const names = renderTenantCommands(apply, 'SCRIPT')
      .slice(0, -1)
      .map((l) => /^export (\w+)=/.exec(l)![1]);
    expect(names).not.toContain('MOLECULE_CP_SHARED_SECRET');
    expect(names.every((n) => n!.startsWith('MOLECTL_'))).toBe(true);
  });

  it.each([
    ['a single quote', { containerName: "molecule'tenant" }, 'MOLECTL_CONTAINER'],
    ['a space', { containerName: 'molecule tenant' }, 'MOLECTL_CONTAINER'],
    ['a command substitution', { runId: '$(reboot)' }, 'MOLECTL_RUN_ID'],
    ['a backtick', { runId: '`id`' }, 'MOLECTL_RUN_ID'],
    ['a semicolon', { secretVersionId: 'v1;rm -rf /' }, 'MOLECTL_SECRET_VERSION'],
    ['a newline', { cpUrl: 'https://api.moleculesai.app\nexport X=1' }, 'MOLECTL_CP_URL'],
    ['a query string', { cpUrl: 'https://api.moleculesai.app/?a=b&c=d' }, 'MOLECTL_CP_URL'],
    ['a double quote', { expectedFingerprint: 'sha256:"x"' }, 'MOLECTL_EXPECTED_FP'],
  ] as Array<[string, Partial<TenantScriptInputs>, string]>)(
    'refuses a value with %s (UsageError naming the variable)',
    (_name, bad, variable) => {
      expect(() => renderTenantCommands({ ...apply, ...bad }, 'SCRIPT')).toThrow(UsageError);
      expect(() => renderTenantCommands({ ...apply, ...bad }, 'SCRIPT')).toThrow(variable);
    },
  );

  it.each([
    ['a URL with a port', { cpUrl: 'http://127.0.0.1:4510' }],
    ['an ARN', { secretArn: 'arn:aws:secretsmanager:us-east-2:1:secret:a/b-AbC' }],
    ['an email-like owner', { runId: 'ops@bastion+1=2,3' }],
  ] as Array<[string, Partial<TenantScriptInputs>]>)('accepts %s', (_name, ok) => {
    expect(() => renderTenantCommands({ ...apply, ...ok }, 'SCRIPT')).not.toThrow();
  });
});
