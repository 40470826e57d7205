/**
 * EC2 filter values' wildcards: `*` any run, `?` one character, `\` escapes the next character.
 * One reading for both sides: the sandbox's EC2 filters rows with it, and molectl checks with it
 * that the rows EC2 returned match what was asked (ec2-calls.ts).
 */
export function compileEc2Wildcard(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i] as string);
    else if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`, 's');
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
