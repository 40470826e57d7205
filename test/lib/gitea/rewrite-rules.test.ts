import { describe, expect, it } from 'vitest';
import { buildRewriteRules, resolveRepoName } from '../../../src/lib/gitea/rewrite-rules.js';
import { parseRulesFile } from '../../../src/lib/gitea/rules-file.js';
import { parseByteSize } from '../../../src/lib/gitea/rule-flags.js';

describe('rewrite rules', () => {
  it('defaults describe the Molecule AI move', () => {
    const rules = buildRewriteRules();
    expect(rules).toMatchObject({
      githubOwner: 'Molecule-AI',
      giteaBaseUrl: 'https://git.moleculesai.app',
      giteaOwner: 'molecule-ai',
      renames: { 'molecule-monorepo': 'molecule-core' },
    });
  });

  it('layers: later wins, renames merge, owner lowercased, base URL trailing slash dropped', () => {
    const rules = buildRewriteRules(
      { giteaOwner: 'Acme', renames: { a: 'b' } },
      { giteaBaseUrl: 'https://code.example.com/gitea/' },
    );
    expect(rules.giteaOwner).toBe('acme');
    expect(rules.giteaBaseUrl).toBe('https://code.example.com/gitea');
    expect(rules.renames).toEqual({ 'molecule-monorepo': 'molecule-core', a: 'b' });
  });

  it('refuses plain http except to loopback, naming where the URL came from (exit 2)', () => {
    expect(() => buildRewriteRules({ giteaBaseUrl: 'http://git.example.com' })).toThrow(
      expect.objectContaining({
        code: 2,
        message: expect.stringContaining('refusing plain http:// to git.example.com'),
      }),
    );
    expect(() => parseRulesFile({ giteaBaseUrl: 'http://10.0.0.5:3000' }, 'r.yaml')).toThrow(
      /rules file r\.yaml: giteaBaseUrl: refusing plain http/,
    );
    expect(buildRewriteRules({ giteaBaseUrl: 'http://127.0.0.1:3000/' }).giteaBaseUrl).toBe('http://127.0.0.1:3000');
    expect(buildRewriteRules({ giteaBaseUrl: 'http://localhost:3000' }).giteaBaseUrl).toBe('http://localhost:3000');
  });

  it('placeholder owners and own-repo prefixes come from the rules file; an empty list turns the rule off', () => {
    expect(buildRewriteRules().placeholderOwners).toEqual(expect.arrayContaining(['your-org', 'YOUR_ORG', '<org>']));
    expect(buildRewriteRules(parseRulesFile({ placeholderOwners: [] }, 'r.yaml')).placeholderOwners).toEqual([]);
    expect(buildRewriteRules(parseRulesFile({ ownRepoPrefixes: ['acme-'] }, 'r.yaml')).ownRepoPrefixes).toEqual([
      'acme-',
    ]);
    expect(() => parseRulesFile({ placeholderOwners: ['a/b'] }, 'r.yaml')).toThrow(/placeholderOwners/);
  });

  it('refuses a base URL with credentials or a bad scheme (exit 2)', () => {
    expect(() => buildRewriteRules({ giteaBaseUrl: 'https://u:p@git.example.com' })).toThrow(
      expect.objectContaining({ code: 2 }),
    );
    expect(() => buildRewriteRules({ giteaBaseUrl: 'git.example.com' })).toThrow(expect.objectContaining({ code: 2 }));
  });

  it('rules file: unknown fields and bad values name the field', () => {
    expect(() => parseRulesFile({ githubOwnr: 'x' }, 'r.yaml')).toThrow(/r\.yaml: \(top level\)|githubOwnr/);
    expect(() => parseRulesFile({ renames: { 'a b': 'c' } }, 'r.yaml')).toThrow(/renames/);
    expect(parseRulesFile(null, 'empty.yaml')).toEqual({});
  });

  it('renames are case-insensitive and follow a .wiki suffix', () => {
    const rules = buildRewriteRules();
    expect(resolveRepoName('Molecule-Monorepo', rules)).toEqual({
      name: 'molecule-core',
      renamedFrom: 'Molecule-Monorepo',
    });
    expect(resolveRepoName('molecule-monorepo.wiki', rules)).toEqual({
      name: 'molecule-core.wiki',
      renamedFrom: 'molecule-monorepo.wiki',
    });
    expect(resolveRepoName('cli', rules)).toEqual({ name: 'cli' });
  });

  it.each([
    ['4096', 4096],
    ['512k', 524288],
    ['2MiB', 2097152],
    ['1.5MB', 1572864],
    ['lots', null],
  ])('parseByteSize(%s) = %s', (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });
});
