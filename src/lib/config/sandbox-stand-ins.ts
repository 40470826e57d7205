/**
 * The tokens the sandbox's simulated Railway, Vercel and Gitea accept. They are public stand-ins,
 * not secrets (like the sandbox's fake AWS keys): `molectl sandbox up` exports them as values so
 * that every sandbox example runs as written, and `sandbox down` unsets them. src/sandbox accepts
 * exactly these.
 *
 * molectl does not register them with the redactor: a shell that still holds them from an earlier
 * `sandbox up` would otherwise be handed `export RAILWAY_TOKEN='[REDACTED:railway-token]'` to
 * eval. With an environment other than the sandbox, they are said to be the sandbox's
 * (check-target-overrides.ts): a run against production must not carry them unnoticed.
 */
export type StandInTokenName = 'RAILWAY_TOKEN' | 'VERCEL_TOKEN' | 'GITEA_TOKEN';

export const SANDBOX_STAND_IN_TOKENS: Readonly<Record<StandInTokenName, string>> = {
  RAILWAY_TOKEN: 'sandbox-railway-api-credential',
  VERCEL_TOKEN: 'sandbox-vercel-api-credential',
  GITEA_TOKEN: 'sandbox-gitea-api-credential',
};

/** True when this variable holds the sandbox's own stand-in (a public value, not a credential). */
export function isSandboxStandIn(name: string, value: string | undefined): boolean {
  return value !== undefined && (SANDBOX_STAND_IN_TOKENS as Record<string, string>)[name] === value;
}
