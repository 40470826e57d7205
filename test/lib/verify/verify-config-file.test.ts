import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfigFile, resolveConfig } from '../../../src/lib/config/load-config.js';
import { readEnv } from '../../../src/lib/config/env.js';
import { resolveVerifySettings } from '../../../src/lib/verify/resolve-verify-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'molectl-verify-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(content: unknown): string {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('verify keys in the config file', () => {
  it('reach the verify settings of the environment', async () => {
    const path = writeConfig({
      environments: {
        production: {
          railway: { projectId: 'p9', environment: 'production', service: 'controlplane' },
          verify: {
            vercelProjectId: 'prj_x',
            imageTagPattern: 'sha-{sha7}',
            registryUrl: 'https://registry.example',
            canaries: ['canary'],
          },
        },
      },
    });
    const config = resolveConfig({ file: await readConfigFile(path), configPath: path, env: {}, flags: {} });
    const settings = resolveVerifySettings(config.environment);
    expect(settings).toMatchObject({
      railway: { projectId: 'p9' },
      vercel: { projectId: 'prj_x' },
      registry: { url: 'https://registry.example', tagPattern: 'sha-{sha7}' },
      canaries: ['canary'],
    });
  });

  it('rejects an unknown verify key (a typo) with exit 3', async () => {
    const path = writeConfig({ environments: { production: { verify: { vercelProjectID: 'x' } } } });
    await expect(readConfigFile(path)).rejects.toMatchObject({ code: 3, message: expect.stringContaining('verify') });
  });
});

describe('VERIFY_* variables', () => {
  it('are read from the environment for checklists; other undeclared names are not', () => {
    const env = readEnv({ VERIFY_CANVAS_URL: 'https://canvas.example', SOME_OTHER: 'x', RAILWAY_TOKEN: 'r' });
    expect(env).toEqual({ VERIFY_CANVAS_URL: 'https://canvas.example', RAILWAY_TOKEN: 'r' });
  });
});
