import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsDoor } from '../../../src/lib/aws/aws-door.js';
import type { EnvVars } from '../../../src/lib/config/env.js';
import { resolveConfig } from '../../../src/lib/config/load-config.js';
import { MolectlError } from '../../../src/lib/errors.js';
import { createOutput } from '../../../src/lib/output/output.js';
import { Redactor } from '../../../src/lib/output/redactor.js';
import { MemoryStream, startFakeServer, type FakeServer } from './aws-fake-server.js';

/**
 * Region resolution: molectl's own chain first, then the SDK's (which reads the selected
 * profile's `region`), and never a silent us-east-1. The SDK reads AWS_CONFIG_FILE and
 * AWS_REGION from process.env, so this file pins them for its own run.
 */

let server: FakeServer;
let dir: string;

beforeAll(async () => {
  server = await startFakeServer();
  dir = mkdtempSync(join(tmpdir(), 'molectl-region-'));
  writeFileSync(join(dir, 'config'), '[profile lab-eu]\nregion = eu-west-1\n\n[profile lab-none]\noutput = json\n');
  writeFileSync(
    join(dir, 'credentials'),
    '[lab-eu]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret-key\n',
  );
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'config'));
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'credentials'));
  vi.stubEnv('AWS_REGION', undefined);
  vi.stubEnv('AWS_DEFAULT_REGION', undefined);
  vi.stubEnv('AWS_PROFILE', undefined);
  vi.stubEnv('AWS_ENDPOINT_URL', undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

/** A door for a user-defined environment "lab" that names no region. */
async function labDoor(env: EnvVars, flags: { profile?: string; region?: string } = {}): Promise<AwsDoor> {
  const redactor = new Redactor();
  const config = resolveConfig({
    file: {
      environments: {
        lab: { cpUrl: 'https://lab-api.example.com', tenantUrlTemplate: 'https://{slug}.lab.example.com' },
      },
    },
    configPath: '/tmp/molectl-test/config.json',
    env: { MOLECTL_ENV: 'lab', ...env },
    flags,
  });
  const out = await createOutput({
    format: 'text',
    quiet: true,
    verbose: false,
    debug: false,
    noColor: true,
    env,
    redactor,
    stdout: new MemoryStream(),
    stderr: new MemoryStream(),
  });
  return new AwsDoor({ config, env, redactor, signal: new AbortController().signal, out, maxAttempts: 1 });
}

describe('AWS region resolution', () => {
  it('fails with exit 3 and says how to set a region when nothing names one, sending nothing', async () => {
    const door = await labDoor({
      AWS_ENDPOINT_URL: server.url,
      AWS_ACCESS_KEY_ID: 'AKIDX',
      AWS_SECRET_ACCESS_KEY: 'secret-x-123',
    });
    const before = server.state.requests.length;
    const error = (await door.callerIdentity().catch((e: unknown) => e)) as MolectlError;
    expect(error).toBeInstanceOf(MolectlError);
    expect(error.code).toBe(3);
    expect(error.message).toBe('no AWS region');
    expect(error.hint).toBe('pass --region, set MOLECTL_REGION or AWS_REGION, or set region in your AWS profile');
    await expect(door.resolvedRegion()).rejects.toThrow('no AWS region');
    expect(server.state.requests.length).toBe(before);
  });

  it('does not take a region from a profile that has none', async () => {
    const door = await labDoor({ AWS_ENDPOINT_URL: server.url }, { profile: 'lab-none' });
    await expect(door.resolvedRegion()).rejects.toThrow('no AWS region');
  });

  it("takes the region from the selected profile, and that profile's credentials", async () => {
    const door = await labDoor({ AWS_ENDPOINT_URL: server.url }, { profile: 'lab-eu' });
    expect(await door.resolvedRegion()).toBe('eu-west-1');
    const identity = await door.callerIdentity();
    expect(identity.region).toBe('eu-west-1');
    const last = server.state.requests.at(-1)!;
    expect(last.headers['authorization']).toContain('Credential=AKIDPROFILE/');
    expect(last.headers['authorization']).toContain('/eu-west-1/sts/aws4_request');
  });

  it('lets --region win over the profile', async () => {
    const door = await labDoor({ AWS_ENDPOINT_URL: server.url }, { profile: 'lab-eu', region: 'ap-southeast-2' });
    expect(await door.resolvedRegion()).toBe('ap-southeast-2');
  });

  it("uses AWS_REGION from molectl's environment snapshot", async () => {
    const door = await labDoor({
      AWS_ENDPOINT_URL: server.url,
      AWS_REGION: 'ca-central-1',
      AWS_ACCESS_KEY_ID: 'AKIDX',
      AWS_SECRET_ACCESS_KEY: 'secret-x-123',
    });
    expect((await door.callerIdentity()).region).toBe('ca-central-1');
  });
});
