import { MolectlError } from '../errors.js';
import {
  fetchLatestRailwayDeployment,
  queryRailway,
  resolveRailwayIds,
  type RailwayDeployment,
  type RailwayTarget,
} from '../verify/clients/railway-client.js';
import type { Requester } from './consumer-door.js';

/**
 * The Railway side of secret rotation, on Railway's public GraphQL API and the verify client's
 * door: read a service's variables, upsert one, redeploy, and read the latest deployment.
 * A value travels only in the body of variableUpsert, the call that stores it.
 */

const VARIABLES_QUERY = `query variables($projectId: String!, $environmentId: String!, $serviceId: String) {
  variables(projectId: $projectId, environmentId: $environmentId, serviceId: $serviceId)
}`;

const VARIABLE_UPSERT = `mutation variableUpsert($input: VariableUpsertInput!) {
  variableUpsert(input: $input)
}`;

const SERVICE_REDEPLOY = `mutation serviceInstanceRedeploy($environmentId: String!, $serviceId: String!) {
  serviceInstanceRedeploy(environmentId: $environmentId, serviceId: $serviceId)
}`;

/** Railway deployment states that will not change any more. */
export const FINAL_DEPLOYMENT_STATES = new Set(['SUCCESS', 'FAILED', 'CRASHED', 'REMOVED', 'SKIPPED']);

/**
 * The service's variables; callers register values they keep with the redactor. An answer without
 * the variables map is an error: read as "no variables", it would report the consumer's variable
 * as not set (secrets status) on no evidence at all.
 */
export async function readRailwayVariables(request: Requester, target: RailwayTarget): Promise<Record<string, string>> {
  const ids = await resolveRailwayIds(request, target);
  const data = await queryRailway(request, target, VARIABLES_QUERY, { projectId: target.projectId, ...ids });
  if (!isRecord(data) || !isRecord(data.variables))
    throw new MolectlError(
      `Railway's answer for the variables of ${target.serviceName}/${target.environmentName} has no variables map`,
      { hint: "check RAILWAY_TOKEN's project and the service and environment names in the config file" },
    );
  return Object.fromEntries(
    Object.entries(data.variables).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

/** Sets the variable without deploying (skipDeploys): the redeploy is a separate, watched step. */
export async function upsertRailwayVariable(
  request: Requester,
  target: RailwayTarget,
  name: string,
  value: string,
): Promise<void> {
  const ids = await resolveRailwayIds(request, target);
  const data = await queryRailway(request, target, VARIABLE_UPSERT, {
    input: {
      projectId: target.projectId,
      environmentId: ids.environmentId,
      serviceId: ids.serviceId,
      name,
      value,
      skipDeploys: true,
    },
  });
  if (!isRecord(data) || data.variableUpsert !== true)
    throw new MolectlError(
      `Railway did not confirm setting ${name} on ${target.serviceName}/${target.environmentName}`,
    );
}

/** Starts a redeploy; returns the id of the deployment that was latest before it (to tell the new one apart). */
export async function redeployRailwayService(
  request: Requester,
  target: RailwayTarget,
): Promise<{ previousDeploymentId: string | null }> {
  const ids = await resolveRailwayIds(request, target);
  const before = await fetchLatestRailwayDeployment(request, { ...target, ...ids });
  await queryRailway(request, target, SERVICE_REDEPLOY, ids, { idempotent: false });
  return { previousDeploymentId: before?.id ?? null };
}

export async function latestRailwayDeployment(
  request: Requester,
  target: RailwayTarget,
): Promise<RailwayDeployment | null> {
  const ids = await resolveRailwayIds(request, target);
  return fetchLatestRailwayDeployment(request, { ...target, ...ids });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
