import type { EnvVars } from '../config/env.js';
import type { ResolvedConfig } from '../config/load-config.js';
import type { Output } from '../output/output.js';
import type { Redactor } from '../output/redactor.js';

/**
 * The one door to AWS. SKELETON: the AWS door engineer replaces this with the real thing
 * (lazy SDK clients, region resolution, capped retries, error translation, molectl-shaped calls).
 */
export interface AwsDoorOptions {
  config: ResolvedConfig;
  env: EnvVars;
  redactor: Redactor;
  signal: AbortSignal;
  out: Output;
}

export class AwsDoor {
  constructor(readonly options: AwsDoorOptions) {}
}
