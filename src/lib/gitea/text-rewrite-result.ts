/** What rewriting one file's text produced. Line numbers are 1-based. */

export interface TextChange {
  line: number;
  /** Which rewrite rule applied (repo-url, blob-to-src, token-clone-url, ...). */
  rule: string;
  /** The URL or fragment as it was, and as it is now. */
  before: string;
  after: string;
  /** Set when the rename map changed the repo name. */
  renamedFrom?: string;
  /** `owner/repo` on Gitea, for --verify-remote. */
  target?: string;
}

export interface TextFinding {
  line: number;
  /** Kind of finding (pull-link, api-github, gh-command, ssh-url, ...). */
  rule: string;
  /** The line, trimmed and capped, so a person sees the context. */
  text: string;
  /** The fragment that triggered the finding. */
  match: string;
  /** Why a person must look at it, and what to do. */
  reason: string;
  /**
   * True when a reference to the moved organisation (or one that may be it, such as a variable
   * owner) stays in the file: it fails `--check` until fixed or acknowledged. False for notes
   * about lines whose reference was rewritten or that never named the organisation.
   */
  blocking: boolean;
}

/** A line left alone on purpose (`molectl-gitea: keep`, or the ignore file) that names the organisation. */
export interface AcknowledgedLine {
  line: number;
  text: string;
  /** References to the organisation on the line, and what the rules would have done there. */
  references: number;
  by: 'marker' | 'ignore-file';
  /** The ignore file's reason and entry (`... (.molectl-gitea-ignore:3)`); absent for a marker. */
  reason?: string;
}

export interface TextRewriteResult {
  text: string;
  changes: TextChange[];
  findings: TextFinding[];
  acknowledged: AcknowledgedLine[];
}

/** Lines are shown trimmed and capped in findings: a minified file has one enormous line. */
export function clipLine(line: string, max = 200): string {
  const trimmed = line.trim();
  return trimmed.length > max ? `${trimmed.slice(0, max - 1)}…` : trimmed;
}
