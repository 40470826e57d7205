/**
 * What JSON.parse said about a file molectl read, without the excerpt V8 quotes from it
 * (`Unexpected token 'o', ..."%s", tok-Zq8vX2p"... is not valid JSON`): the file is one the user
 * wrote (a config file holding a `cpTokenCommand`), and the excerpt can be the start of a token
 * pasted into it, which molectl's own words would print unredacted. A position becomes a line and
 * column, which is what fixing the file needs.
 */
export function describeJsonSyntaxError(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const withoutExcerpt = message.replace(/,\s*(?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '');
  const at = /at position (\d+)/.exec(withoutExcerpt);
  if (!at) return withoutExcerpt;
  const before = text.slice(0, Number(at[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return withoutExcerpt
    .replace(/ in JSON at position \d+(?: \(line \d+ column \d+\))?/, '')
    .concat(` at line ${line}, column ${column}`);
}
