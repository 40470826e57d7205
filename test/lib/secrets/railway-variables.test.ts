import { describe, expect, it } from 'vitest';
import type { HttpRequest, HttpResponse } from '../../../src/lib/http/http-request.js';
import { readRailwayVariables } from '../../../src/lib/secrets/railway-variables.js';
import type { RailwayTarget } from '../../../src/lib/verify/clients/railway-client.js';

const target: RailwayTarget = {
  apiUrl: 'https://backboard.railway.com/graphql/v2',
  token: 't',
  projectId: 'p',
  serviceId: 's',
  environmentId: 'e',
  serviceName: 'controlplane',
  environmentName: 'production',
};

/** A Railway stand-in that answers every GraphQL call with `body`. */
const answering =
  (body: unknown) =>
  async (request: HttpRequest): Promise<HttpResponse> => ({
    status: 200,
    headers: { get: () => 'application/json', forEach: () => {} },
    bodyText: JSON.stringify(body),
    url: String(request.url),
    attempts: 1,
  });

describe('readRailwayVariables', () => {
  it("returns the service's string variables", async () => {
    const variables = await readRailwayVariables(
      answering({ data: { variables: { CP_ADMIN_API_TOKEN: 'v', PORT: '8080', odd: 3 } } }),
      target,
    );
    expect(variables).toEqual({ CP_ADMIN_API_TOKEN: 'v', PORT: '8080' });
  });

  it('an answer without the variables map is an error, never "no variables" (which would read as not set)', async () => {
    for (const body of [{ data: { variables: null } }, { data: null }, {}]) {
      await expect(readRailwayVariables(answering(body), target)).rejects.toThrow(
        "Railway's answer for the variables of controlplane/production has no variables map",
      );
    }
  });
});
