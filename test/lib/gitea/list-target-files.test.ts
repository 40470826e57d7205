import { describe, expect, it } from 'vitest';
import { mentionsCandidateTerm, searchProblems } from '../../../src/lib/gitea/list-target-files.js';

describe('searchProblems: what git grep says on stderr it could not read', () => {
  it.each([
    { name: 'nothing said', stderr: '', expected: [] },
    {
      name: 'a file, said twice, and a directory',
      stderr:
        "warning: could not open directory 'usub/': Permission denied\n" +
        "error: failed to stat 'secret.md': Permission denied\n" +
        "error: failed to stat 'secret.md': Permission denied\n",
      expected: [
        { path: 'usub/', why: "could not open directory 'usub/': Permission denied" },
        { path: 'secret.md', why: "failed to stat 'secret.md': Permission denied" },
      ],
    },
    {
      name: 'a message naming no path',
      stderr: 'error: unable to read tree\n',
      expected: [{ path: undefined, why: 'unable to read tree' }],
    },
    { name: 'a line that is not an error or warning', stderr: 'hint: something\n', expected: [] },
    {
      name: 'a path holding a quote',
      stderr: "error: failed to stat 'it's.md': Permission denied\n",
      expected: [{ path: "it's.md", why: "failed to stat 'it's.md': Permission denied" }],
    },
  ])('$name', ({ stderr, expected }) => {
    expect(searchProblems(stderr)).toEqual(expected);
  });
});

describe('mentionsCandidateTerm: what git grep -i -F searched for', () => {
  it.each([
    { text: 'see GitHub', expected: true },
    { text: 'MOLECULE-AI/x', expected: true },
    { text: 'run gh pr list', expected: true },
    { text: '\x89PNG\0\0\xff\xfe\0\x01', expected: false },
    { text: 'molecule-ai-labs', expected: true }, // a superset, as git's search is
    { text: 'Molecule.AI', expected: false }, // the owner's punctuation is literal
  ])('$text', ({ text, expected }) => {
    expect(mentionsCandidateTerm(text, 'Molecule-AI')).toBe(expected);
  });
});
