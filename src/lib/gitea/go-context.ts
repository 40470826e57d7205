/**
 * Where a scheme-less `github.com/<owner>/...` is a Go module or import path rather than a link
 * to a repository (../shared/platform.md: Go module paths are out of scope). Such paths stay as
 * they are and are reported; everywhere else a scheme-less reference is rewritten. Pure.
 *
 * Two levels: a line can say it on its own (`go install ...`, `GOPRIVATE=`, an import spec, a
 * `replace` directive, `module@version`), and a line can be Go because of where it stands: inside
 * a fenced Go code sample (```go, ```golang, ```go.mod) or inside an `import (`, `require (` or
 * `replace (` block, which only Go source and go.mod samples have.
 */

const GO_LINE_PATTERNS: readonly RegExp[] = [
  /\bgo\s+(?:get|install|run|mod|build|list|test|doc|work|generate|vet|tool)\b/,
  /\bGO(?:PRIVATE|NOPROXY|NOSUMDB|PROXY|FLAGS|INSECURE)\b/,
  /(?:^|\s)-X[\s=]+["']?(?:www\.)?github\.com\//i, // go build -ldflags "-X pkg.Var=..."
  /\bgoimport|\bgo_package\b|\bgomod\b/i,
  /\bimportpath\b|gazelle:(?:prefix|resolve)|\bgo_(?:repository|prefix)\b/, // Bazel rules_go / Gazelle
  /^\s*(?:module|require|replace|import|package)\b/,
  /\breplace\s+\S*github\.com\/\S*(?:\s+v\S+)?\s+=>/i, // a replace directive quoted in prose
  /^\s*(?:[A-Za-z_.][\w.]*\s+)?"(?:www\.)?github\.com\/[^"\s]*"\s*(?:\/\/.*)?$/i, // an import spec on its own line
  /github\.com\/[^\s"'`]*@(?:latest|upgrade|patch|none|v\d)/i, // module@version
];

/** Sites whose URLs carry a Go module path: `https://pkg.go.dev/github.com/<owner>/<repo>`. */
const GO_SITE_BEFORE =
  /(?:pkg\.go\.dev(?:\/badge)?|godoc\.org|goreportcard\.com\/report|gocover\.io|proxy\.golang\.org|sum\.golang\.org\/lookup|gopkg\.in)\/$/i;

export function isGoImportLine(line: string): boolean {
  return GO_LINE_PATTERNS.some((pattern) => pattern.test(line));
}

/** True when the text just before a match ends with a Go documentation or proxy site's path. */
export function followsGoSite(before: string): boolean {
  return GO_SITE_BEFORE.test(before.slice(-40));
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`{]*)/;
const GO_INFO = new Set(['go', 'golang', 'go.mod', 'gomod', 'go-mod', 'go.work', 'go.sum']);
const BLOCK_OPEN = /^\s*(?:import|require|replace|exclude|retract)\s*\(\s*(?:\/\/.*)?$/;
const BLOCK_CLOSE = /^\s*\)/;

/**
 * Flags, per line (0-based), whether the line stands inside a Go code sample or a Go
 * parenthesised block. Computed once per file, only when a scheme-less reference needs it.
 */
export function markGoBlocks(lines: readonly string[]): Uint8Array {
  const marks = new Uint8Array(lines.length);
  let fence: { char: string; length: number; go: boolean } | null = null;
  let inBlock = false;
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    const opening = FENCE.exec(line);
    if (fence) {
      if (
        opening &&
        opening[1]![0] === fence.char &&
        opening[1]!.length >= fence.length &&
        opening[2] === '' &&
        line.trim() === opening[1]
      ) {
        fence = null;
        inBlock = false;
        continue;
      }
      if (fence.go) marks[index] = 1;
    } else if (opening) {
      fence = { char: opening[1]![0]!, length: opening[1]!.length, go: GO_INFO.has((opening[2] ?? '').toLowerCase()) };
      inBlock = false;
      continue;
    }
    if (inBlock) {
      if (BLOCK_CLOSE.test(line)) inBlock = false;
      else marks[index] = 1;
    } else if (BLOCK_OPEN.test(line)) {
      inBlock = true;
    }
  }
  return marks;
}
