import * as z from 'zod';
import '../zod-settings.js';

/**
 * The user config file's shape (docs/configuration.md lists every key). Strict: an unknown key
 * is a typo to report, not a setting to ignore. Its own module, imported only when a file is
 * there to validate (src/lib/config/load-config.ts).
 */

const stringRecord = z.record(z.string(), z.string());

const environmentSchema = z
  .object({
    cpUrl: z.string().url(),
    tenantCpUrl: z.string().url(),
    awsRegion: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as us-east-2'),
    awsProfile: z.string().min(1),
    tenantUrlTemplate: z.string().includes('{slug}', { message: 'must contain {slug}' }),
    tenantFilter: z.object({ tags: stringRecord }).strict(),
    workspaceFilter: z.object({ tags: stringRecord }).strict(),
    orgSlugTagKey: z.string().min(1),
    orgIdTagKey: z.string().min(1),
    workspaceIdTagKey: z.string().min(1),
    containerName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a docker container name'),
    parameterPrefix: z.string().regex(/^\/[A-Za-z0-9_.\-/]+$/, 'must be an SSM parameter path such as /molectl/prod'),
    secrets: z.record(
      z.string(),
      z
        .object({
          secretId: z.string().min(1),
          description: z.string().optional(),
          generate: z
            .object({ kind: z.literal('hex'), bytes: z.number().int().min(16).max(128) })
            .strict()
            .optional(),
          consumers: z.array(
            z
              .string()
              .regex(
                /^(tenants-env|railway|gitea-actions-secret):.+/,
                'must start with tenants-env:, railway: or gitea-actions-secret:',
              ),
          ),
        })
        .strict(),
    ),
    railway: z.object({ projectId: z.string().optional(), environment: z.string(), service: z.string() }).strict(),
    cpTokenFile: z.string().min(1),
    cpTokenCommand: z.array(z.string()).min(1),
    verify: z
      .object({
        railwayApiUrl: z.string().min(1),
        railwayProjectId: z.string().min(1),
        railwayServiceId: z.string().min(1),
        railwayEnvironmentId: z.string().min(1),
        vercelApiUrl: z.string().min(1),
        vercelProjectId: z.string().min(1),
        vercelTeamId: z.string().min(1),
        registryUrl: z.string().min(1),
        imageName: z
          .string()
          .regex(/^[a-z0-9]+(?:[._/-][a-z0-9]+)*$/, 'must be an image name such as molecule-ai/platform-tenant'),
        imageTagPattern: z.string().min(1),
        canaries: z.array(z.string().min(1)),
      })
      .partial()
      .strict(),
    audit: z
      .object({
        expectedImage: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/, 'must be an image tag, reference or digest'),
        expectedPorts: z.array(z.number().int().min(1).max(65535)).max(64),
        minAgentVersion: z.string().regex(/^\d+(\.\d+){1,3}$/, 'must be a version such as 3.3.1142.0'),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

export const configFileSchema = z
  .object({
    defaultEnv: z.string().min(1).optional(),
    output: z.enum(['text', 'json']).optional(),
    environments: z
      .record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'environment names are lowercase words'), environmentSchema)
      .optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;
