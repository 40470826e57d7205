/**
 * Known ways a tenant or workspace fails to come up, as they read in a serial console or in the
 * platform container's logs, each with its likely cause and the next commands to run. Patterns are
 * written against real output (cloud-init 22.x, docker 24/25, systemd, the kernel OOM killer, dnf)
 * and tested against a clean boot log for false positives: a signature must name a failure, not
 * a word that also appears in healthy output ("error" in "errors=0", "Installing:" lines).
 */

export interface SignatureContext {
  /** The target as the user named it (slug, instance id, workspace id). */
  target: string;
  /** The org slug, when known: `molectl logs` needs one. */
  orgSlug: string | null;
  /** 'console' or 'logs': which command's output is being read. */
  source: 'console' | 'logs';
}

export interface FailureSignature {
  id: string;
  title: string;
  /** Matched line by line, without colour codes, on the redacted text. */
  pattern: RegExp;
  cause: string;
  next(context: SignatureContext): string[];
}

const quoteShell = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;
const suggestLogs = (c: SignatureContext, grep?: string): string[] =>
  c.orgSlug ? [`molectl logs ${c.orgSlug} --tail 500${grep ? ` --grep ${quoteShell(grep)}` : ''}`] : [];
const suggestConsole = (c: SignatureContext, grep: string): string =>
  `molectl console ${c.target} --grep ${quoteShell(grep)}`;

export const FAILURE_SIGNATURES: FailureSignature[] = [
  {
    id: 'image-pull-denied',
    title: 'image pull denied',
    pattern:
      /pull access denied|(?:Error response from daemon|failed to (?:pull|resolve)).*(?:denied|unauthorized|forbidden|manifest unknown|not found)|denied: requested access to the resource is denied|unauthorized: authentication required|manifest for \S+ not found/i,
    cause:
      'docker could not pull the platform image: the tag does not exist, or the host has no right to pull it (registry login, moved registry)',
    next: (c) => [
      suggestConsole(c, 'docker (run|pull)|denied|manifest'),
      'molectl verify  # is the image for this tag published?',
    ],
  },
  {
    id: 'boot-unauthorized',
    title: '401 from the CP during boot',
    pattern:
      /\b(?:cp_status|status|status_code|http_status|code)[=:]\s*"?401\b|\bHTTP\/\d(?:\.\d)? 401\b|returned error: 401\b|\b401 Unauthorized\b|workspace provision failed.*\b401\b/i,
    cause:
      'the host or container called the CP without a credential it accepts; on tenants provisioned before 2026-04-19 this is the missing MOLECULE_CP_SHARED_SECRET',
    next: (c) => [
      ...(c.orgSlug ? [`molectl migrate cp-secret plan --orgs ${c.orgSlug}`] : ['molectl migrate cp-secret plan']),
      ...suggestLogs(c, '401|unauthori'),
    ],
  },
  {
    id: 'out-of-memory',
    title: 'out of memory',
    pattern:
      /Out of memory: Kill(?:ed)? process|invoked oom-killer|oom-kill(?:er)?:|Memory cgroup out of memory|OOMKilled|fatal error: runtime: out of memory|JavaScript heap out of memory|Cannot allocate memory/i,
    cause:
      'the kernel killed a process for lack of memory: the instance type is too small for the workload, or something leaks',
    next: (c) => [suggestConsole(c, 'oom|Out of memory|Killed process'), ...suggestLogs(c)],
  },
  {
    id: 'disk-full',
    title: 'disk full',
    pattern:
      /No space left on device|\bENOSPC\b|disk quota exceeded|write error: No space|There is not enough space on the disk|failed to register layer:.*no space/i,
    cause: 'a filesystem is full: docker images and logs usually fill the root volume',
    next: (c) => [suggestConsole(c, 'No space|ENOSPC'), 'on the host: df -h / /var/lib/docker && docker system df'],
  },
  {
    id: 'package-install-failed',
    title: 'package installation failed',
    pattern:
      /Error: Failed to download (?:metadata|packages)|Error: Unable to find a match|No match for argument:|Unable to locate package|has no installation candidate|E: Unable to fetch some archives|Curl error \(\d+\).*(?:repo|mirror)|Cannot retrieve repository metadata|Failed to install packages|Error: Transaction test error|(?:yum|dnf|apt-get)(?:\[\d+\])?:.*\berror\b|npm ERR!|pip(?:3)?: error|ERROR: Could not install packages/i,
    cause:
      'a package manager failed while the instance was being set up (repository unreachable, package renamed, mirror outage)',
    next: (c) => [suggestConsole(c, 'dnf|yum|apt|Failed to download|No match')],
  },
  {
    id: 'cloud-init-module-failed',
    title: 'cloud-init module failed',
    pattern:
      /Failed to run module \S+|Running module \S+ \(.*\) failed|cc_\w+\.py\[(?:WARNING|ERROR)\]:.*fail|util\.py\[WARNING\]: Failed|cloud-init.*\bstatus: error\b|Failed to start (?:Initial cloud-init job|cloud-(?:init|config|final))/i,
    cause:
      'cloud-init could not finish a stage, so the user-data (which installs and starts the platform) did not complete; the lines above it say which command failed',
    next: (c) => [
      suggestConsole(c, 'cloud-init|^\\+ |WARNING|ERROR'),
      'on the host: sudo cloud-init status --long && sudo tail -n 100 /var/log/cloud-init-output.log',
    ],
  },
  {
    id: 'runtime-crashed',
    title: 'the platform runtime crashed',
    pattern:
      /^panic: |\bgoroutine \d+ \[running\]|fatal error: (?!runtime: out of memory)|Traceback \(most recent call last\)|Segmentation fault|\bSIGSEGV\b|core dumped|Main process exited, code=(?:exited|killed|dumped), status=(?:[1-9]\d*)|container \S+ (?:exited|died) with (?:code|status) [1-9]|exited with code [1-9]\d*|Back-off restarting failed container|restarting \(\d+\) .*ago|uncaughtException|Unhandled(?:Promise)?Rejection/i,
    cause: 'the platform process exited with an error or crashed; its own last lines say why',
    next: (c) => [
      ...suggestLogs(c, 'panic|fatal|error|Traceback'),
      suggestConsole(c, 'panic|exited|Traceback|Segmentation'),
    ],
  },
  {
    id: 'health-never-passing',
    title: 'health check never passed',
    pattern:
      /health ?check(?:s)? (?:failed|timed out|did not pass)|timed out waiting for [^\n]*(?:health|ready)|gave up waiting for [^\n]*(?:health|ready)|\bunhealthy\b|Failed to connect to (?:localhost|127\.0\.0\.1) port (?:8080|3000)|healthz?[^\n]*(?:not ok|never (?:became|passed))|\(healthz?\): (?:starting|unhealthy) for/i,
    cause:
      'the platform started but never answered its health check: it is still migrating, it cannot reach its dependencies, or it listens on another port',
    next: (c) => [...suggestLogs(c, 'health|listen|ready'), ...(c.orgSlug ? [`molectl org show ${c.orgSlug}`] : [])],
  },
];
