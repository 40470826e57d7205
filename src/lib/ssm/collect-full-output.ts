import { createHash, randomBytes } from 'node:crypto';
import { runShellScript, type InstanceScriptResult, type ShellScriptDeps } from './run-shell-script.js';
import { cutRemoteLine, remoteText, type RemoteText } from '../output/remote-text.js';

/**
 * Runs a read-only script on instances and brings back its whole stdout, however large, through
 * SSM's 24,000-character window: never silently truncated.
 *
 *  1. capture: the script runs with stdout redirected to a private file on the instance
 *     (umask 077, a per-run random name); the command prints one marker line with the script's
 *     exit code, the byte size and the sha256 of the file. Small outputs come back inline in the
 *     same command (base64) and the file is removed at once.
 *  2. pieces: larger files are read back in byte ranges, base64-encoded on the instance so that
 *     a range can cut through a multi-byte character or a line without harm, each range small
 *     enough to fit the cap; instances whose ranges coincide share one command.
 *  3. verify and clean up: the pieces must add up to the size and the sha256 announced in step 1;
 *     the capture file is removed.
 *
 * When the output is larger than `maxBytes`, the most recent `maxBytes` are fetched and the result
 * says exactly how many bytes were left out (`cut`). Stale capture files of interrupted runs are
 * removed after an hour by the next capture on that instance.
 */

/** Bytes per piece: base64 of 17,000 bytes is 22,668 characters, under SSM's 24,000 cap. */
export const PIECE_BYTES = 17_000;

const MARKER = 'molectl-capture';

export interface FullOutputRequest {
  instanceIds: string[];
  /** Script lines; their stdout is what gets collected. Must not contain secrets. */
  commands: string[];
  comment?: string;
  timeoutSeconds?: number;
  /** See ShellScriptRequest.deliveryTimeoutSeconds. */
  deliveryTimeoutSeconds?: number;
  /** Keep at most this many bytes: the end of the output. Default 16 MiB. */
  maxBytes?: number;
  /** Piece commands in flight at once. */
  pieceConcurrency?: number;
  pollIntervalMs?: number;
  /** Names the capture file; random by default (tests fix it). [a-z0-9] only. */
  token?: string;
}

export interface FullOutputResult {
  instanceId: string;
  /** SSM status of the capture command (or of the first failing piece). */
  status: string;
  statusDetails: string | null;
  /** Exit code of the script itself, as the capture recorded it. */
  exitCode: number | null;
  output: string;
  /** Size of the whole output on the instance. */
  totalBytes: number;
  /** True when every byte arrived and the checksum matched. */
  complete: boolean;
  /** What is missing and why, in one sentence; null when complete. */
  cut: string | null;
  /** Bytes of the output left out (oldest first), 0 when complete. */
  cutBytes: number;
  /** Why something is missing: the caller's maxBytes ('limit') or a failure to fetch ('failed'). */
  cutReason: 'limit' | 'failed' | null;
  stderr: string;
  stderrTruncated: boolean;
  commandIds: string[];
}

export interface CaptureMarker {
  exitCode: number;
  bytes: number;
  sha256: string;
  /** The base64 that followed the marker when the output was small enough to come inline. */
  inline: string | null;
}

export async function collectFullOutput(
  deps: ShellScriptDeps,
  request: FullOutputRequest,
): Promise<FullOutputResult[]> {
  const token = request.token ?? randomBytes(8).toString('hex');
  if (!/^[a-z0-9]+$/.test(token)) throw new Error(`capture token must be [a-z0-9]: ${token}`);
  const maxBytes = request.maxBytes ?? 16 * 1024 * 1024;
  const common = {
    timeoutSeconds: request.timeoutSeconds,
    deliveryTimeoutSeconds: request.deliveryTimeoutSeconds,
    pollIntervalMs: request.pollIntervalMs,
    comment: request.comment,
  };
  const captured = await runShellScript(deps, {
    ...common,
    instanceIds: request.instanceIds,
    commands: buildCaptureScript(request.commands, token),
  });

  const results: FullOutputResult[] = [];
  const plans: Array<{ result: FullOutputResult; marker: CaptureMarker; start: number }> = [];
  for (const run of captured) {
    const marker = parseCaptureMarker(run.stdout);
    const result = startResult(run, marker);
    results.push(result);
    if (!marker) continue;
    if (marker.inline !== null) {
      finishInline(result, marker);
      continue;
    }
    plans.push({ result, marker, start: Math.max(0, marker.bytes - maxBytes) });
  }

  const ranges = planPieces(
    plans.map((p) => ({ instanceId: p.result.instanceId, start: p.start, end: p.marker.bytes })),
  );
  const pieces = new Map<string, Map<number, Buffer>>(); // instance -> offset -> bytes
  const failures = new Map<string, string>();
  await runPool(ranges, request.pieceConcurrency ?? 4, async (range) => {
    const runs = await runShellScript(deps, {
      ...common,
      instanceIds: range.instanceIds,
      commands: buildPieceScript(token, range.offset, range.length),
    });
    for (const run of runs) {
      const target = results.find((r) => r.instanceId === run.instanceId)!;
      target.commandIds.push(run.commandId);
      const bytes = Buffer.from(run.stdout.trim(), 'base64');
      if (run.status !== 'Success' || run.stdoutTruncated || bytes.length !== range.length) {
        failures.set(
          run.instanceId,
          `piece at byte ${range.offset} did not arrive (${run.status}${run.stderr ? `: ${readFirstLine(run.stderr)}` : ''})`,
        );
        continue;
      }
      let map = pieces.get(run.instanceId);
      if (!map) pieces.set(run.instanceId, (map = new Map()));
      map.set(range.offset, bytes);
    }
  });
  if (plans.length > 0) {
    await runShellScript(deps, {
      ...common,
      instanceIds: plans.map((p) => p.result.instanceId),
      commands: buildCleanupScript(token),
    }).catch(() => undefined);
  }
  for (const plan of plans)
    assemble(plan, pieces.get(plan.result.instanceId) ?? new Map(), failures.get(plan.result.instanceId));
  return results;
}

/** The capture command (pure; exported for tests and for reading in --debug). */
export function buildCaptureScript(commands: string[], token: string): string[] {
  return [
    'umask 077',
    'd="${TMPDIR:-/tmp}"',
    `find "$d" -maxdepth 1 -name 'molectl-out.*' -mmin +60 -delete 2>/dev/null || true`,
    `f="$d/molectl-out.${token}"`,
    '(',
    ...commands,
    ') >"$f"',
    'rc=$?',
    'size=$(wc -c <"$f" | tr -d " ")',
    'sum=$(sha256sum "$f" | cut -d" " -f1)',
    `echo "${MARKER} rc=$rc bytes=$size sha256=$sum"`,
    `if [ "$size" -le ${PIECE_BYTES} ]; then base64 -w0 "$f"; echo; rm -f "$f"; fi`,
    'exit "$rc"',
  ];
}

export function buildPieceScript(token: string, offset: number, length: number): string[] {
  return [
    `f="\${TMPDIR:-/tmp}/molectl-out.${token}"`,
    '[ -f "$f" ] || { echo "capture file $f is gone" >&2; exit 3; }',
    `tail -c +${offset + 1} "$f" | head -c ${length} | base64 -w0`,
  ];
}

export function buildCleanupScript(token: string): string[] {
  return [`rm -f "\${TMPDIR:-/tmp}/molectl-out.${token}"`];
}

/** Reads the marker line and any inline base64 after it (pure). */
export function parseCaptureMarker(stdout: string): CaptureMarker | null {
  const match = new RegExp(`^${MARKER} rc=(\\d+) bytes=(\\d+) sha256=([0-9a-f]{64})$`, 'm').exec(stdout);
  if (!match) return null;
  const after = stdout.slice(match.index + match[0].length).replace(/^\r?\n/, '');
  const bytes = Number(match[2]);
  const inline = bytes <= PIECE_BYTES ? after.trim() : null;
  return { exitCode: Number(match[1]), bytes, sha256: match[3]!, inline };
}

export interface PieceRange {
  offset: number;
  length: number;
  instanceIds: string[];
}

/** Byte ranges of at most PIECE_BYTES covering [start, end) per instance; equal ranges shared (pure). */
export function planPieces(spans: Array<{ instanceId: string; start: number; end: number }>): PieceRange[] {
  const byKey = new Map<string, PieceRange>();
  for (const span of spans) {
    for (let offset = span.start; offset < span.end; offset += PIECE_BYTES) {
      const length = Math.min(PIECE_BYTES, span.end - offset);
      const key = `${offset}:${length}`;
      const range = byKey.get(key) ?? { offset, length, instanceIds: [] };
      range.instanceIds.push(span.instanceId);
      byKey.set(key, range);
    }
  }
  return [...byKey.values()];
}

function startResult(run: InstanceScriptResult, marker: CaptureMarker | null): FullOutputResult {
  const noMarker = marker === null;
  return {
    instanceId: run.instanceId,
    status: run.status,
    statusDetails: run.statusDetails,
    exitCode: marker?.exitCode ?? run.responseCode,
    output: '',
    totalBytes: marker?.bytes ?? 0,
    complete: false,
    cut: noMarker
      ? `no output: the capture did not finish (${run.status}${run.stderr ? `: ${readFirstLine(run.stderr)}` : ''})`
      : null,
    cutBytes: 0,
    cutReason: noMarker ? 'failed' : null,
    stderr: run.stderr,
    stderrTruncated: run.stderrTruncated,
    commandIds: [run.commandId],
  };
}

function finishInline(result: FullOutputResult, marker: CaptureMarker): void {
  const bytes = Buffer.from(marker.inline ?? '', 'base64');
  if (bytes.length === marker.bytes && hashSha256(bytes) === marker.sha256) {
    result.output = bytes.toString('utf8');
    result.complete = true;
    return;
  }
  result.output = bytes.toString('utf8');
  result.cut = `the output arrived damaged (${bytes.length} of ${marker.bytes} bytes, checksum mismatch)`;
  result.cutBytes = Math.max(0, marker.bytes - bytes.length);
  result.cutReason = 'failed';
}

function assemble(
  plan: { result: FullOutputResult; marker: CaptureMarker; start: number },
  pieces: Map<number, Buffer>,
  failure: string | undefined,
): void {
  const { result, marker, start } = plan;
  const offsets = [...pieces.keys()].sort((a, b) => a - b);
  // Keep only the contiguous run that ends at the end of the output: a hole must not be glued over.
  const kept: Buffer[] = [];
  let expected = marker.bytes;
  for (let i = offsets.length - 1; i >= 0; i--) {
    const piece = pieces.get(offsets[i]!)!;
    if (offsets[i]! + piece.length !== expected) break;
    kept.unshift(piece);
    expected = offsets[i]!;
  }
  let bytes = Buffer.concat(kept);
  let cutBytes = expected;
  if (expected > 0 && bytes.length > 0) {
    // Output that starts mid-file starts mid-line (maybe mid-character): begin at the next line.
    const newline = bytes.indexOf(0x0a);
    const drop = newline === -1 ? bytes.length : newline + 1;
    bytes = bytes.subarray(drop);
    cutBytes += drop;
  }
  result.output = bytes.toString('utf8');
  result.cutBytes = cutBytes;
  if (cutBytes === 0 && !failure) {
    result.complete = hashSha256(bytes) === marker.sha256;
    if (!result.complete) {
      result.cut = 'the output arrived but its checksum does not match: it changed while being read or was damaged';
      result.cutReason = 'failed';
    }
    return;
  }
  const why =
    failure ??
    (start > 0
      ? `the output is ${marker.bytes} bytes, over the ${marker.bytes - start}-byte limit`
      : 'a piece did not arrive');
  result.cut = `the oldest ${cutBytes} of ${marker.bytes} bytes were left out: ${why}`;
  result.cutReason = failure || start === 0 ? 'failed' : 'limit';
  if (failure && result.status === 'Success') result.status = 'Incomplete';
}

async function runPool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, worker));
}

function hashSha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The host's first stderr line: remote text, cut on a word boundary (never half a secret). */
function readFirstLine(text: string): RemoteText {
  return remoteText(cutRemoteLine(text.trim().split('\n')[0]!, 200));
}
