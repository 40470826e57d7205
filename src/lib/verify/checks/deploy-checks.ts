import { fetchLatestRailwayDeployment } from '../clients/railway-client.js';
import { fetchLatestVercelDeployment } from '../clients/vercel-client.js';
import { headManifest } from '../clients/registry-client.js';
import { fail, pass, skip, type VerifyCheck } from '../check-types.js';
import { isSameCommit, renderImageTag, shortCommit } from '../resolve-verify-settings.js';

/**
 * The checks that wait for a deploy to land (retried under --wait): the CP on Railway, the canvas
 * on Vercel, and the tenant image in the registry. Each skips, naming the input, when its token
 * or its ids are not configured.
 */

const IN_PROGRESS_RAILWAY = new Set(['BUILDING', 'DEPLOYING', 'QUEUED', 'WAITING', 'INITIALIZING']);
const IN_PROGRESS_VERCEL = new Set(['BUILDING', 'QUEUED', 'INITIALIZING']);

export const cpDeployCheck: VerifyCheck = {
  id: 'cp-deploy',
  title: 'Latest Railway deployment of the CP succeeded (on the expected commit)',
  source: 'built-in',
  waits: true,
  async run(deps) {
    const r = deps.settings.railway;
    const token = deps.env.RAILWAY_TOKEN;
    if (!token)
      return skip(
        'RAILWAY_TOKEN is not set',
        'export RAILWAY_TOKEN (a Railway token that can read the project) to check the CP deploy',
      );
    if (!r.projectId && !(r.serviceId && r.environmentId)) {
      return skip(
        `no Railway project id for environment ${deps.settings.environmentName}`,
        `set verify.railwayProjectId (or railway.projectId) under environments.${deps.settings.environmentName} in the config file`,
      );
    }
    const deployment = await fetchLatestRailwayDeployment(deps.request, { ...r, projectId: r.projectId ?? '', token });
    const where = `${r.serviceName} (${r.environmentName})`;
    if (!deployment)
      return fail(
        `Railway has no deployment of ${where}`,
        'deploy the CP, or check railway.service and railway.environment in the config',
      );
    const commit = shortCommit(deployment.commitHash);
    if (IN_PROGRESS_RAILWAY.has(deployment.status)) {
      return fail(
        `latest deployment ${deployment.id} of ${where} is ${deployment.status} (commit ${commit})`,
        'the deploy has not finished: run again with --wait 15m to wait for it',
      );
    }
    if (deployment.status !== 'SUCCESS') {
      return fail(
        `latest deployment ${deployment.id} of ${where} is ${deployment.status} (commit ${commit})`,
        `open the deploy logs of ${where} on Railway, fix the cause and redeploy`,
      );
    }
    const expected = deps.settings.expectCommit;
    if (expected && !deployment.commitHash) {
      return fail(
        `latest deployment ${deployment.id} of ${where} records no commit, expected ${shortCommit(expected)}`,
        'deploys from an image or `railway up` carry no commit: check the deployed version another way, or run this check without --expect-commit',
      );
    }
    if (expected && !isSameCommit(deployment.commitHash, expected)) {
      return fail(
        `latest deployment ${deployment.id} of ${where} is on ${commit}, expected ${shortCommit(expected)}`,
        'the new commit has not been deployed yet: wait with --wait, or check that the deploy was triggered',
      );
    }
    return pass(`deployment ${deployment.id} of ${where} SUCCESS on ${commit}`);
  },
};

export const canvasDeployCheck: VerifyCheck = {
  id: 'canvas-deploy',
  title: 'Latest Vercel production deployment of the canvas is READY (on the expected commit)',
  source: 'built-in',
  waits: true,
  async run(deps) {
    const v = deps.settings.vercel;
    const token = deps.env.VERCEL_TOKEN;
    if (!token)
      return skip(
        'VERCEL_TOKEN is not set',
        'export VERCEL_TOKEN (a Vercel token with access to the canvas project) to check the canvas deploy',
      );
    if (!v.projectId) {
      return skip(
        `no Vercel project id for environment ${deps.settings.environmentName}`,
        `set verify.vercelProjectId under environments.${deps.settings.environmentName} in the config file`,
      );
    }
    const deployment = await fetchLatestVercelDeployment(deps.request, { ...v, projectId: v.projectId, token });
    if (!deployment)
      return fail(
        `Vercel has no production deployment of project ${v.projectId}`,
        'deploy the canvas to production, or check verify.vercelProjectId',
      );
    const commit = shortCommit(deployment.commitSha);
    if (IN_PROGRESS_VERCEL.has(deployment.state)) {
      return fail(
        `latest production deployment ${deployment.id} is ${deployment.state} (commit ${commit})`,
        'the deploy has not finished: run again with --wait 15m to wait for it',
      );
    }
    if (deployment.state !== 'READY') {
      return fail(
        `latest production deployment ${deployment.id} is ${deployment.state} (commit ${commit})`,
        "open the deployment's build logs on Vercel, fix the cause and redeploy",
      );
    }
    const expected = deps.settings.expectCommit;
    if (expected && !deployment.commitSha) {
      return fail(
        `latest production deployment ${deployment.id} records no commit, expected ${shortCommit(expected)}`,
        'CLI deploys carry no commit unless given one: deploy with `vercel deploy --prod --meta githubCommitSha=<sha>`, or run this check without --expect-commit',
      );
    }
    if (expected && !isSameCommit(deployment.commitSha, expected)) {
      return fail(
        `latest production deployment ${deployment.id} is on ${commit}, expected ${shortCommit(expected)}`,
        'the canvas for this commit has not reached production yet: wait with --wait, or check the Vercel project',
      );
    }
    return pass(`deployment ${deployment.id} READY on ${commit}`);
  },
};

export const imagePublishedCheck: VerifyCheck = {
  id: 'image-published',
  title: 'The tenant image for the commit is in the registry',
  source: 'built-in',
  waits: true,
  async run(deps) {
    const reg = deps.settings.registry;
    const commit = deps.settings.expectCommit;
    const tag = renderImageTag(reg.tagPattern, commit);
    if (tag === undefined)
      return skip('no commit to look for', `pass --expect-commit SHA (the image tag pattern is ${reg.tagPattern})`);
    // An abbreviated commit cannot name a tag made from the full one: looking it up would report
    // a missing image that may well exist.
    if (commit && commit.length < 40 && /\{sha\}/.test(reg.tagPattern)) {
      return skip(
        `the tag pattern ${reg.tagPattern} needs the full 40-character commit, got ${commit.length} characters`,
        'pass the full commit to --expect-commit (git rev-parse HEAD), or set verify.imageTagPattern to the form CI publishes, e.g. sha-{sha7}',
      );
    }
    const image = `${new URL(reg.url).host}/${reg.imageName}:${tag}`;
    const token = deps.env.REGISTRY_TOKEN;
    const answer = await headManifest(
      deps.request,
      { registryUrl: reg.url, imageName: reg.imageName, tag, ...(token ? { token } : {}) },
      deps.redactor,
    );
    if (answer.found) return pass(`${image} exists${answer.digest ? ` (${answer.digest.slice(0, 19)}…)` : ''}`);
    return fail(
      `${image} is not in the registry`,
      'the image build for this commit may still be running or may have failed: check the publish job in CI; if images moved, set verify.registryUrl, verify.imageName and verify.imageTagPattern',
    );
  },
};
