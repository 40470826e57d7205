import type { VerifyCheck } from '../check-types.js';
import {
  cpAdminGatedCheck,
  cpHealthCheck,
  cpInstanceNoSecretCheck,
  cpProvisionGatedCheck,
  tenantHealthCheck,
} from './cp-checks.js';
import { canvasDeployCheck, cpDeployCheck, imagePublishedCheck } from './deploy-checks.js';

/** The built-in checklist, in report order. The ids are stable: CI configs and docs name them. */
export const BUILT_IN_CHECKS: readonly VerifyCheck[] = [
  cpDeployCheck,
  cpHealthCheck,
  cpProvisionGatedCheck,
  cpAdminGatedCheck,
  cpInstanceNoSecretCheck,
  imagePublishedCheck,
  canvasDeployCheck,
  tenantHealthCheck,
];

export const BUILT_IN_CHECK_IDS: readonly string[] = BUILT_IN_CHECKS.map((c) => c.id);
