/**
 * The platform releases the simulated fleet runs: tenants provisioned before the CP shared-secret
 * cutover (../shared/platform.md) run the older image; newer ones the current image.
 */
export const PRE_CUTOVER_IMAGE_TAG = '2026.04.02-3f9c1ab';
export const CURRENT_IMAGE_TAG = '2026.05.28-8be41d0';
