import * as z from 'zod/mini';
import '../zod-settings.js';
import { CONTAINER_NAME_PATTERN } from './environments.js';

/**
 * The user config file's shape (docs/configuration.md lists every key). Strict: an unknown key
 * is a typo to report, not a setting to ignore. Its own module, imported only when a file is
 * there to validate (src/lib/config/load-config.ts).
 */

const stringRecord = z.record(z.string(), z.string());
const nonEmpty = () => z.string().check(z.minLength(1));
const matching = (pattern: RegExp, message: string) => z.string().check(z.regex(pattern, message));

const environmentSchema = z.partial(
  z.strictObject({
    cpUrl: z.url(),
    tenantCpUrl: z.url(),
    awsRegion: matching(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as us-east-2'),
    awsProfile: nonEmpty(),
    tenantUrlTemplate: z.string().check(z.includes('{slug}', { message: 'must contain {slug}' })),
    tenantFilter: z.strictObject({ tags: stringRecord }),
    workspaceFilter: z.strictObject({ tags: stringRecord }),
    orgSlugTagKey: nonEmpty(),
    orgIdTagKey: nonEmpty(),
    workspaceIdTagKey: nonEmpty(),
    containerName: matching(CONTAINER_NAME_PATTERN, 'must be a docker container name'),
    parameterPrefix: matching(/^\/[A-Za-z0-9_.\-/]+$/, 'must be an SSM parameter path such as /molectl/prod'),
    secrets: z.record(
      z.string(),
      z.strictObject({
        secretId: nonEmpty(),
        description: z.optional(z.string()),
        generate: z.optional(z.strictObject({ kind: z.literal('hex'), bytes: z.int().check(z.gte(16), z.lte(128)) })),
        consumers: z.array(
          matching(
            /^(tenants-env|railway|gitea-actions-secret):.+/,
            'must start with tenants-env:, railway: or gitea-actions-secret:',
          ),
        ),
      }),
    ),
    railway: z.strictObject({ projectId: z.optional(z.string()), environment: z.string(), service: z.string() }),
    cpTokenFile: nonEmpty(),
    cpTokenCommand: z.array(z.string()).check(z.minLength(1)),
    verify: z.partial(
      z.strictObject({
        railwayApiUrl: nonEmpty(),
        railwayProjectId: nonEmpty(),
        railwayServiceId: nonEmpty(),
        railwayEnvironmentId: nonEmpty(),
        vercelApiUrl: nonEmpty(),
        vercelProjectId: nonEmpty(),
        vercelTeamId: nonEmpty(),
        registryUrl: nonEmpty(),
        imageName: matching(
          /^[a-z0-9]+(?:[._/-][a-z0-9]+)*$/,
          'must be an image name such as molecule-ai/platform-tenant',
        ),
        imageTagPattern: nonEmpty(),
        canaries: z.array(nonEmpty()),
      }),
    ),
    audit: z.partial(
      z.strictObject({
        expectedImage: matching(/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/, 'must be an image tag, reference or digest'),
        expectedPorts: z.array(z.int().check(z.gte(1), z.lte(65535))).check(z.maxLength(64)),
        minAgentVersion: matching(/^\d+(\.\d+){1,3}$/, 'must be a version such as 3.3.1142.0'),
      }),
    ),
  }),
);

export const configFileSchema = z.strictObject({
  defaultEnv: z.optional(nonEmpty()),
  output: z.optional(z.enum(['text', 'json'])),
  environments: z.optional(
    z.record(matching(/^[a-z][a-z0-9-]*$/, 'environment names are lowercase words'), environmentSchema),
  ),
});

export type ConfigFile = z.infer<typeof configFileSchema>;
