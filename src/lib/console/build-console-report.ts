import type { Finding } from './diagnose-lines.js';
import { diagnoseLines } from './diagnose-lines.js';
import type { SignatureContext } from './failure-signatures.js';
import type { ConsoleSnapshot } from './read-console-snapshot.js';
import type { ResolvedConsoleTarget } from './resolve-console-target.js';
import type { RedactionTally } from './redaction-tally.js';
import { selectLines, type LineSelection } from './select-lines.js';
import { splitConsoleLines } from './split-console-lines.js';

/**
 * The result of `molectl console` without --follow, as one value: what text output prints and
 * what `--output json` serialises. Redaction happens first, on the whole window; everything after
 * (splitting, grep, tail, diagnosis) sees only redacted text.
 */

export interface ConsoleReport {
  target: {
    input: string;
    kind: string;
    instanceId: string | null;
    orgSlug: string | null;
    workspaceId: string | null;
    source: 'ec2' | 'cp';
    instanceState: string | null;
  };
  output: {
    timestamp: string | null;
    ageSeconds: number | null;
    /** EC2's 64 KB window was full: older output is gone. */
    truncated: boolean;
    latest: boolean;
    /** No output at all yet. */
    empty: boolean;
    droppedPartialFirstLine: boolean;
    totalLines: number;
  };
  selection: { grep: string | null; tail: number | null };
  lines: string[];
  redaction: { enabled: boolean; count: number; byKind: Record<string, number> };
  findings: Finding[];
  notes: string[];
}

export interface BuildReportInput {
  target: ResolvedConsoleTarget;
  snapshot: ConsoleSnapshot;
  selection: LineSelection;
  tally: RedactionTally;
  redactionEnabled: boolean;
  now: Date;
  diagnose: boolean;
}

export function buildConsoleReport(input: BuildReportInput): ConsoleReport {
  const { target, snapshot, tally } = input;
  const redacted = tally.redact(snapshot.text, snapshot.truncated ? 'mid-line' : 'whole');
  const { lines, droppedPartialFirstLine } = splitConsoleLines(redacted, { startsMidLine: snapshot.truncated });
  const context: SignatureContext = { target: target.input, orgSlug: target.orgSlug, source: 'console' };
  return {
    target: {
      input: target.input,
      kind: target.kind,
      instanceId: target.instanceId,
      orgSlug: target.orgSlug,
      workspaceId: target.workspaceId,
      source: snapshot.source,
      instanceState: target.instanceState,
    },
    output: {
      timestamp: snapshot.timestamp?.toISOString() ?? null,
      ageSeconds: snapshot.timestamp
        ? Math.max(0, Math.round((input.now.getTime() - snapshot.timestamp.getTime()) / 1000))
        : null,
      truncated: snapshot.truncated,
      latest: snapshot.latest,
      empty: snapshot.text.trim() === '',
      droppedPartialFirstLine,
      totalLines: lines.length,
    },
    selection: { grep: input.selection.grep?.source ?? null, tail: input.selection.tail ?? null },
    lines: selectLines(lines, input.selection),
    redaction: { enabled: input.redactionEnabled, count: tally.count, byKind: { ...tally.byKind } },
    findings: input.diagnose ? diagnoseLines(lines, context) : [],
    notes: [...target.notes, ...snapshot.notes],
  };
}
