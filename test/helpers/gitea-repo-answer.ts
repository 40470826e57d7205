/**
 * The body of Gitea's `GET /api/v1/repos/{owner}/{repo}` answer, the fields molectl reads (and a few
 * beside them, as Gitea sends): for the fake Gitea servers of the --verify-remote tests.
 */
export function giteaRepoAnswer(fullName: string): string {
  const [owner, name] = fullName.split('/');
  return JSON.stringify({ id: 7, name, full_name: fullName, owner: { login: owner }, private: false });
}
