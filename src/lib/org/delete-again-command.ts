/**
 * The delete of an org to run again (the CP's cascade resumes where it stopped), as hints print
 * it. It names the environment: `--confirm` is refused (exit 2) unless the environment is on the
 * same command line, so a hint without `--env` was a command that did not work.
 */
export function deleteAgainCommand(envName: string, slug: string): string {
  return `molectl --env ${envName} org delete ${slug} --confirm ${slug}`;
}
