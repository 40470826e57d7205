import { AwsApiError } from './aws-api-error.js';

/**
 * Readers for query-protocol (EC2, STS) form bodies. The SDK flattens lists as
 * `InstanceId.1=...&InstanceId.2=...` and structures as `Filter.1.Name=...&Filter.1.Value.1=...`.
 */

export type QueryParams = Map<string, string>;

export function parseQueryParams(body: string): QueryParams {
  return new Map(new URLSearchParams(body).entries());
}

/** `prefix.1`, `prefix.2`, ... in index order, stopping at the first gap. */
export function readQueryList(params: QueryParams, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; ; i++) {
    const value = params.get(`${prefix}.${i}`);
    if (value === undefined) return out;
    out.push(value);
  }
}

export interface QueryFilter {
  name: string;
  values: string[];
}

/** EC2 `Filter.N.Name` / `Filter.N.Value.M`. */
export function readEc2Filters(params: QueryParams): QueryFilter[] {
  const filters: QueryFilter[] = [];
  for (let i = 1; ; i++) {
    const name = params.get(`Filter.${i}.Name`);
    if (name === undefined) return filters;
    filters.push({ name, values: readQueryList(params, `Filter.${i}.Value`) });
  }
}

export function readQueryInt(params: QueryParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) {
    throw new AwsApiError('InvalidParameterValue', `Value (${raw}) for parameter ${name} is invalid.`);
  }
  return value;
}

export function readQueryBool(params: QueryParams, name: string): boolean {
  return params.get(name) === 'true';
}
