import { describe, expect, it } from 'vitest';
import { formatEnvironment } from '../../../src/lib/config/run-environment.js';
import { fitFields, fitLine } from '../../../src/lib/output/fit-line.js';
import { Redactor } from '../../../src/lib/output/redactor.js';
import { remoteText, renderOutputText } from '../../../src/lib/output/remote-text.js';

// A heading or a `label  value` line longer than the terminal was folded by it mid-word into
// column 0; on a terminal it now wraps at spaces under its value.

const redactor = new Redactor();
const terminal = (columns: number) => ({
  terminal: { columns, render: (text: string) => renderOutputText(text, redactor, 'text') },
});

describe('a line fitted to the terminal', () => {
  const line = 'environment sandbox   config file /root/.config/molectl/config.json (not found: defaults apply)';

  it('wraps at spaces, continuation lines indented, every line within the width', () => {
    expect(fitLine(line, terminal(60), 2)).toBe(
      'environment sandbox   config file\n  /root/.config/molectl/config.json (not found: defaults\n  apply)',
    );
  });

  it('measures colour codes as taking no room, and keeps a word longer than the line whole', () => {
    const bold = `\u001b[1mcp-shared-secret\u001b[22m  molecule/cp/provision-shared-secret`;
    expect(fitLine(bold, terminal(55))).toBe(bold);
    const arn = 'arn:aws:secretsmanager:us-east-2:111122223333:secret:molecule/cp/provision-shared-secret-n5C9To';
    expect(fitLine(`name  ${arn}`, terminal(40), 2)).toBe(`name\n  ${arn}`);
  });

  it('is unchanged for a pipe (no terminal) and when it fits', () => {
    expect(fitLine(line, {})).toBe(line);
    expect(fitLine(line, terminal(200))).toBe(line);
  });

  it('wraps after redaction: no break splits a token into parts redaction no longer sees', () => {
    const leaky = `detail ${remoteText('sent Authorization: Bearer ghp_abcdefghijklmnopqrstuvwxyz0123456789AB ok')}`;
    for (const width of [30, 40, 50]) expect(fitLine(leaky, terminal(width), 2)).not.toMatch(/ghp_|abcdef/);
  });
});

describe('fields fitted to the terminal', () => {
  const environment = {
    name: 'production',
    cpUrl: 'https://api.moleculesai.app',
    tenantCpUrl: 'https://api.moleculesai.app',
    awsAccount: '111122223333',
    awsRegion: 'us-east-2',
  };

  it('the environment a change targets: fields whole, continued under the name, one line when piped', () => {
    expect(formatEnvironment(environment, terminal(80))).toBe(
      'environment production   CP https://api.moleculesai.app\n            AWS account 111122223333   region us-east-2',
    );
    expect(formatEnvironment(environment)).toBe(
      'environment production   CP https://api.moleculesai.app   AWS account 111122223333   region us-east-2',
    );
  });

  it('a field longer than the line has a line of its own, never split', () => {
    expect(fitFields(['a=1', `b=${'x'.repeat(50)}`, 'c=3'], terminal(40), 4)).toBe(
      `a=1\n    b=${'x'.repeat(50)}\n    c=3`,
    );
  });
});
