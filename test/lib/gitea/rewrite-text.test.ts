import { describe, expect, it } from 'vitest';
import type { FileKeep } from '../../../src/lib/gitea/acknowledgements.js';
import { buildRewriteRules, type RewriteRules } from '../../../src/lib/gitea/rewrite-rules.js';
import { rewriteText } from '../../../src/lib/gitea/rewrite-text.js';
import { Redactor } from '../../../src/lib/output/redactor.js';

const G = 'https://git.moleculesai.app/molecule-ai';

interface Row {
  /** Input line. */
  in: string;
  /** Expected line; omitted means "unchanged". */
  out?: string;
  /** Expected change rule for the first change. */
  rule?: string;
  /** Expected finding rules, in order; omitted means none. */
  findings?: string[];
  rules?: Partial<RewriteRules>;
  file?: string;
  /** Line numbers of the findings when the input has several lines (default: all on line 1). */
  lines?: number[];
  /** Expected acknowledged lines, as [line, by]. */
  acknowledged?: Array<[number, 'marker' | 'ignore-file']>;
  /** What the repository's ignore file says about this file. */
  keep?: FileKeep;
}

const table: Record<string, Row> = {
  // Host and owner change together; owner lowercased whatever its case; repo name kept.
  'plain repo URL': {
    in: 'see https://github.com/Molecule-AI/molecule-cli for docs',
    out: `see ${G}/molecule-cli for docs`,
    rule: 'repo-url',
  },
  'owner case: lowercase input': { in: 'https://github.com/molecule-ai/Canvas', out: `${G}/Canvas` },
  'owner case: upper input': { in: 'https://github.com/MOLECULE-AI/Canvas', out: `${G}/Canvas` },
  'http becomes https': { in: 'http://github.com/Molecule-AI/x', out: `${G}/x` },
  'www host': { in: 'https://www.github.com/Molecule-AI/x', out: `${G}/x` },
  'owner page': { in: 'org: https://github.com/Molecule-AI', out: `org: ${G}`, rule: 'owner-url' },
  'owner page at sentence end': { in: 'Visit https://github.com/Molecule-AI.', out: `Visit ${G}.` },
  'repo at sentence end': { in: 'Clone https://github.com/Molecule-AI/x.', out: `Clone ${G}/x.` },
  'markdown link': { in: '[cli](https://github.com/Molecule-AI/cli)', out: `[cli](${G}/cli)` },
  'angle-bracket link': { in: '<https://github.com/Molecule-AI/cli>', out: `<${G}/cli>` },
  'json string': {
    in: '"repository": "https://github.com/Molecule-AI/cli.git",',
    out: `"repository": "${G}/cli.git",`,
  },
  'two URLs on one line': {
    in: 'a https://github.com/Molecule-AI/a b https://github.com/Molecule-AI/b',
    out: `a ${G}/a b ${G}/b`,
  },
  'explicit port dropped with the host': {
    in: 'https://github.com:443/Molecule-AI/x/blob/main/README.md',
    out: `${G}/x/src/branch/main/README.md`,
  },
  'ssh with a port': { in: 'ssh://git@github.com:22/Molecule-AI/x.git', out: `${G}/x.git`, findings: ['ssh-url'] },
  'port on another owner untouched': { in: 'https://github.com:443/other/x' },
  // Encoded forms: decoded, rewritten by the same rules, encoded again; what has no rewrite stays
  // and the gate still sees it.
  'JSON-escaped slashes rewritten, escaped': {
    in: '{"homepage": "https:\\/\\/github.com\\/Molecule-AI\\/molecule-monorepo\\/blob\\/main\\/README.md"}',
    out: '{"homepage": "https:\\/\\/git.moleculesai.app\\/molecule-ai\\/molecule-core\\/src\\/branch\\/main\\/README.md"}',
    rule: 'blob-to-src',
  },
  'JSON-escaped pull link reported': {
    in: '{"fix": "https:\\/\\/github.com\\/Molecule-AI\\/x\\/pull\\/12"}',
    findings: ['stale-reference'],
  },
  'percent-encoded raw URL in a badge query rewritten, encoded': {
    in: '![v](https://img.shields.io/endpoint?url=https%3A%2F%2Fraw.githubusercontent.com%2FMolecule-AI%2Fx%2Fmain%2Fbadge.json&style=flat)',
    out: '![v](https://img.shields.io/endpoint?url=https%3A%2F%2Fgit.moleculesai.app%2Fmolecule-ai%2Fx%2Fraw%2Fbranch%2Fmain%2Fbadge.json&style=flat)',
    rule: 'raw-url',
  },
  'percent-encoded pull link reported': {
    in: 'https://example.com/?u=https%3A%2F%2Fgithub.com%2FMolecule-AI%2Fx%2Fpull%2F3',
    findings: ['stale-reference'],
  },
  'percent-encoded owner alone reported': {
    in: 'https://example.com/?u=https%3A%2F%2Fgithub.com%2FMolecule-AI%2Fx%2Fdiscussions',
    findings: ['stale-reference'],
  },
  'percent-encoded other owner untouched': {
    in: 'https://example.com/?u=https%3A%2F%2Fgithub.com%2FMolecule-AI-labs%2Fx',
  },
  'protocol-relative': {
    in: '<a href="//github.com/Molecule-AI/x">',
    out: '<a href="//git.moleculesai.app/molecule-ai/x">',
  },

  // Segment boundary and other owners.
  'owner prefix of another org': { in: 'https://github.com/Molecule-AI-labs/x' },
  'owner with suffix segment': { in: 'https://github.com/Molecule-AIx/x' },
  'other org untouched': { in: 'https://github.com/actions/checkout' },
  'uses actions untouched': { in: '      - uses: actions/checkout@v4' },
  'gist untouched': { in: 'https://gist.github.com/Molecule-AI/abc123' },
  'lookalike host untouched': { in: 'https://notgithub.com/Molecule-AI/x' },
  'free text untouched': { in: 'View on GitHub' },
  'github pages reported, not rewritten': { in: 'https://molecule-ai.github.io/docs', findings: ['github-pages'] },

  // Suffixes kept byte for byte.
  '.git kept': { in: 'git clone https://github.com/Molecule-AI/x.git', out: `git clone ${G}/x.git` },
  '.GIT case kept': { in: 'https://github.com/Molecule-AI/x.GIT', out: `${G}/x.GIT` },
  '@ref kept (pip)': {
    in: 'pip install git+https://github.com/Molecule-AI/sdk.git@v1.2.0#egg=molecule-sdk',
    out: `pip install git+${G}/sdk.git@v1.2.0#egg=molecule-sdk`,
  },
  '@ref without .git': {
    in: 'git+https://github.com/Molecule-AI/sdk@main#egg=sdk&subdirectory=py',
    out: `git+${G}/sdk@main#egg=sdk&subdirectory=py`,
  },
  'query kept': { in: 'https://github.com/Molecule-AI/x?tab=readme-ov-file', out: `${G}/x?tab=readme-ov-file` },
  'fragment kept': { in: 'https://github.com/Molecule-AI/x#installation', out: `${G}/x#installation` },
  'requirements.txt line': {
    in: 'molecule-sdk @ git+https://github.com/Molecule-AI/sdk.git@8f3c2a1#egg=molecule-sdk',
    out: `molecule-sdk @ git+${G}/sdk.git@8f3c2a1#egg=molecule-sdk`,
  },

  // blob / tree / raw / blame / commits.
  'blob branch': {
    in: 'https://github.com/Molecule-AI/x/blob/main/docs/a.md',
    out: `${G}/x/src/branch/main/docs/a.md`,
    rule: 'blob-to-src',
  },
  'blob line anchor kept': {
    in: 'https://github.com/Molecule-AI/x/blob/main/a.py#L10-L20',
    out: `${G}/x/src/branch/main/a.py#L10-L20`,
  },
  'blob full sha': {
    in: 'https://github.com/Molecule-AI/x/blob/0123456789abcdef0123456789abcdef01234567/a.md',
    out: `${G}/x/src/commit/0123456789abcdef0123456789abcdef01234567/a.md`,
  },
  'blob short sha': { in: 'https://github.com/Molecule-AI/x/blob/8f3c2a1/a.md', out: `${G}/x/src/commit/8f3c2a1/a.md` },
  'blob version tag': {
    in: 'https://github.com/Molecule-AI/x/blob/v1.4.2/CHANGELOG.md',
    out: `${G}/x/src/tag/v1.4.2/CHANGELOG.md`,
  },
  'blob raw=true': {
    in: '![logo](https://github.com/Molecule-AI/x/blob/main/logo.png?raw=true)',
    out: `![logo](${G}/x/raw/branch/main/logo.png?raw=true)`,
    rule: 'blob-raw',
  },
  'blob HEAD reported': { in: 'https://github.com/Molecule-AI/x/blob/HEAD/a.md', findings: ['head-ref'] },
  'tree branch': {
    in: 'https://github.com/Molecule-AI/x/tree/main/examples',
    out: `${G}/x/src/branch/main/examples`,
    rule: 'tree-to-src',
  },
  'tree branch only': { in: 'https://github.com/Molecule-AI/x/tree/develop', out: `${G}/x/src/branch/develop` },
  'tree branch with slash': {
    in: 'https://github.com/Molecule-AI/x/tree/feature/login',
    out: `${G}/x/src/branch/feature/login`,
  },
  'raw refs/tags on github.com': {
    in: 'https://github.com/Molecule-AI/x/raw/refs/tags/stable/a.sh',
    out: `${G}/x/raw/tag/stable/a.sh`,
  },
  'blob refs/heads on github.com': {
    in: 'https://github.com/Molecule-AI/x/blob/refs/heads/v2/a.md',
    out: `${G}/x/src/branch/v2/a.md`,
  },
  'raw path on github.com': {
    in: 'https://github.com/Molecule-AI/x/raw/main/install.sh',
    out: `${G}/x/raw/branch/main/install.sh`,
    rule: 'raw-path',
  },
  blame: { in: 'https://github.com/Molecule-AI/x/blame/main/a.go', out: `${G}/x/blame/branch/main/a.go` },
  'commit page kept': { in: 'https://github.com/Molecule-AI/x/commit/8f3c2a1', out: `${G}/x/commit/8f3c2a1` },
  'commits of branch': { in: 'https://github.com/Molecule-AI/x/commits/main', out: `${G}/x/commits/branch/main` },
  'compare kept': {
    in: 'https://github.com/Molecule-AI/x/compare/v1.0.0...v1.1.0',
    out: `${G}/x/compare/v1.0.0...v1.1.0`,
  },

  // raw.githubusercontent.com.
  'raw branch': {
    in: 'curl -fsSL https://raw.githubusercontent.com/Molecule-AI/x/main/install.sh | sh',
    out: `curl -fsSL ${G}/x/raw/branch/main/install.sh | sh`,
    rule: 'raw-url',
  },
  'raw sha': {
    in: 'https://raw.githubusercontent.com/Molecule-AI/x/0123456789abcdef0123456789abcdef01234567/a.sh',
    out: `${G}/x/raw/commit/0123456789abcdef0123456789abcdef01234567/a.sh`,
  },
  'raw refs/heads': {
    in: 'https://raw.githubusercontent.com/Molecule-AI/x/refs/heads/main/a.sh',
    out: `${G}/x/raw/branch/main/a.sh`,
  },
  'raw refs/tags': {
    in: 'https://raw.githubusercontent.com/Molecule-AI/x/refs/tags/release-7/a.sh',
    out: `${G}/x/raw/tag/release-7/a.sh`,
  },
  'raw other owner': { in: 'https://raw.githubusercontent.com/nvm-sh/nvm/v0.39.7/install.sh' },
  'raw owner case': {
    in: 'https://raw.githubusercontent.com/molecule-ai/x/main/a.sh?token=1',
    out: `${G}/x/raw/branch/main/a.sh?token=1`,
  },

  // Archives and releases.
  'archive tar.gz': {
    in: 'https://github.com/Molecule-AI/x/archive/v1.2.0.tar.gz',
    out: `${G}/x/archive/v1.2.0.tar.gz`,
    rule: 'archive',
  },
  'archive refs/heads': {
    in: 'https://github.com/Molecule-AI/x/archive/refs/heads/main.zip',
    out: `${G}/x/archive/main.zip`,
  },
  'archive refs/tags': {
    in: 'https://github.com/Molecule-AI/x/archive/refs/tags/v1.2.0.tar.gz',
    out: `${G}/x/archive/v1.2.0.tar.gz`,
  },
  'release download': {
    in: 'https://github.com/Molecule-AI/cli/releases/download/v0.3.1/molecule_linux_amd64.tar.gz',
    out: `${G}/cli/releases/download/v0.3.1/molecule_linux_amd64.tar.gz`,
    rule: 'releases',
  },
  'release download with variable tag': {
    in: 'https://github.com/Molecule-AI/cli/releases/download/${VERSION}/cli-${VERSION}.tgz',
    out: `${G}/cli/releases/download/\${VERSION}/cli-\${VERSION}.tgz`,
  },
  'tarball becomes an archive': {
    in: 'curl -L https://github.com/Molecule-AI/cli/tarball/v1.0.0 | tar xz',
    out: `curl -L ${G}/cli/archive/v1.0.0.tar.gz | tar xz`,
    rule: 'archive',
  },
  'zipball becomes an archive': {
    in: '"z": "https://github.com/Molecule-AI/cli/zipball/refs/heads/main"',
    out: `"z": "${G}/cli/archive/main.zip"`,
  },
  'tarball without a ref reported': { in: 'https://github.com/Molecule-AI/cli/tarball', findings: ['no-gitea-page'] },
  'release latest download reported': {
    in: 'https://github.com/Molecule-AI/cli/releases/latest/download/cli.tgz',
    findings: ['release-latest-download'],
  },
  'release tag page': {
    in: 'https://github.com/Molecule-AI/cli/releases/tag/v0.3.1',
    out: `${G}/cli/releases/tag/v0.3.1`,
  },

  // Pull requests and issues: numbering restarted.
  'pull link reported': { in: 'Fixed in https://github.com/Molecule-AI/x/pull/123.', findings: ['pull-link'] },
  'issue link reported': {
    in: 'See https://github.com/Molecule-AI/x/issues/45#issuecomment-1',
    findings: ['issue-link'],
  },
  'pull link rewritten when asked': {
    in: 'https://github.com/Molecule-AI/x/pull/123/files',
    out: `${G}/x/pulls/123/files`,
    rule: 'pull-link',
    rules: { rewriteIssueLinks: true },
  },
  'issue link rewritten when asked': {
    in: 'https://github.com/Molecule-AI/x/issues/45',
    out: `${G}/x/issues/45`,
    rule: 'issue-link',
    rules: { rewriteIssueLinks: true },
  },
  'issue list is safe': { in: 'https://github.com/Molecule-AI/x/issues', out: `${G}/x/issues` },
  'new issue is safe': { in: 'https://github.com/Molecule-AI/x/issues/new', out: `${G}/x/issues/new` },
  'actions run reported': {
    in: 'https://github.com/Molecule-AI/x/actions/runs/987654',
    findings: ['actions-run-link'],
  },
  'unknown page reported': { in: 'https://github.com/Molecule-AI/x/discussions/9', findings: ['no-gitea-page'] },
  // Pages whose GitHub path 404s on Gitea 1.22 as it is (its route table): mapped, or reported.
  'workflow page becomes the actions list for that workflow': {
    in: '[![CI](https://github.com/Molecule-AI/x/actions/workflows/ci.yml/badge.svg)](https://github.com/Molecule-AI/x/actions/workflows/ci.yml)',
    out: `[![CI](${G}/x/actions/workflows/ci.yml/badge.svg)](${G}/x/actions?workflow=ci.yml)`,
  },
  'workflow badge with branch kept': {
    in: 'https://github.com/Molecule-AI/x/actions/workflows/release.yaml/badge.svg?branch=main',
    out: `${G}/x/actions/workflows/release.yaml/badge.svg?branch=main`,
  },
  'workflow page with its own query reported': {
    in: 'https://github.com/Molecule-AI/x/actions/workflows/ci.yml?query=branch%3Amain',
    findings: ['no-gitea-page'],
  },
  'workflow by display name reported': {
    in: 'https://github.com/Molecule-AI/x/actions/workflows/CI',
    findings: ['no-gitea-page'],
  },
  'actions list kept': { in: 'https://github.com/Molecule-AI/x/actions', out: `${G}/x/actions` },
  'label page reported': { in: 'https://github.com/Molecule-AI/x/labels/bug', findings: ['no-gitea-page'] },
  'labels list kept': { in: 'https://github.com/Molecule-AI/x/labels', out: `${G}/x/labels` },
  'commit by id kept': {
    in: 'https://github.com/Molecule-AI/x/commit/0123abc4567def#diff-1',
    out: `${G}/x/commit/0123abc4567def#diff-1`,
  },
  'commit patch kept': {
    in: 'curl -L https://github.com/Molecule-AI/x/commit/0123abc4567def.patch',
    out: `curl -L ${G}/x/commit/0123abc4567def.patch`,
  },
  'all branches is the branch list': { in: 'https://github.com/Molecule-AI/x/branches/all', out: `${G}/x/branches` },
  'stale branches reported': { in: 'https://github.com/Molecule-AI/x/branches/stale', findings: ['no-gitea-page'] },
  'commit feed reported': { in: 'https://github.com/Molecule-AI/x/commits/main.atom', findings: ['no-gitea-page'] },
  'release feed kept': { in: 'https://github.com/Molecule-AI/x/releases.atom', out: `${G}/x/releases.atom` },
  'commit by branch name reported': { in: 'https://github.com/Molecule-AI/x/commit/main', findings: ['no-gitea-page'] },

  // Token clone URLs.
  'token clone ${}': {
    in: 'git clone https://x-access-token:${GITHUB_TOKEN}@github.com/Molecule-AI/x.git',
    out: 'git clone https://x-access-token:${GITEA_TOKEN}@git.moleculesai.app/molecule-ai/x.git',
    rule: 'token-clone-url',
  },
  'token clone $VAR': {
    in: 'https://oauth2:$GITHUB_TOKEN@github.com/Molecule-AI/x',
    out: 'https://oauth2:$GITEA_TOKEN@git.moleculesai.app/molecule-ai/x',
  },
  'secrets.GITHUB_TOKEN kept': {
    in: 'https://x-access-token:${{ secrets.GITHUB_TOKEN }}@github.com/Molecule-AI/x.git',
    out: 'https://x-access-token:${{ secrets.GITHUB_TOKEN }}@git.moleculesai.app/molecule-ai/x.git',
    rule: 'repo-url',
  },
  'literal credential reported': {
    in: 'https://bot:ghp_abcdefghijklmnopqrstuvwxyz0123@github.com/Molecule-AI/x.git',
    out: 'https://bot:ghp_abcdefghijklmnopqrstuvwxyz0123@git.moleculesai.app/molecule-ai/x.git',
    findings: ['literal-credential'],
  },
  'token to other owner untouched': { in: 'https://x-access-token:${GITHUB_TOKEN}@github.com/other/x.git' },

  // SSH forms: rewritten to https and reported.
  'scp-like ssh': {
    in: 'git@github.com:Molecule-AI/x.git',
    out: `${G}/x.git`,
    rule: 'ssh-to-https',
    findings: ['ssh-url'],
  },
  'ssh scheme': { in: 'ssh://git@github.com/Molecule-AI/x.git', out: `${G}/x.git`, findings: ['ssh-url'] },
  'git+ssh pip': {
    in: 'git+ssh://git@github.com/Molecule-AI/sdk.git@v1#egg=sdk',
    out: `git+${G}/sdk.git@v1#egg=sdk`,
    findings: ['ssh-url'],
  },
  'ssh other owner untouched': { in: 'git@github.com:torvalds/linux.git' },
  'git protocol': { in: 'git://github.com/Molecule-AI/x.git', out: `${G}/x.git` },

  // Renames.
  'renamed repo': { in: 'https://github.com/Molecule-AI/molecule-monorepo', out: `${G}/molecule-core` },
  'renamed repo, any case, with path': {
    in: 'https://github.com/Molecule-AI/Molecule-Monorepo/blob/main/README.md',
    out: `${G}/molecule-core/src/branch/main/README.md`,
  },
  'rename from rules': {
    in: 'https://github.com/Molecule-AI/old-sdk.git',
    out: `${G}/sdk-python.git`,
    rules: { renames: { 'old-sdk': 'sdk-python' } },
  },
  'unknown repo reported and rewritten': {
    in: 'https://github.com/Molecule-AI/ghost',
    out: `${G}/ghost`,
    findings: ['unknown-repo'],
    rules: { knownRepos: ['molecule-core'] },
  },
  'known repo not reported': {
    in: 'https://github.com/Molecule-AI/molecule-monorepo',
    out: `${G}/molecule-core`,
    rules: { knownRepos: ['molecule-core'] },
  },

  // Scheme-less references outside Go: repository references, rewritten and kept scheme-less.
  'scheme-less in prose': {
    in: 'Code lives at github.com/Molecule-AI/cli now.',
    out: 'Code lives at git.moleculesai.app/molecule-ai/cli now.',
    rule: 'scheme-less',
  },
  'scheme-less at sentence end': {
    in: 'Clone github.com/Molecule-AI/cli.',
    out: 'Clone git.moleculesai.app/molecule-ai/cli.',
  },
  'scheme-less owner only': {
    in: 'All our repos: github.com/Molecule-AI',
    out: 'All our repos: git.moleculesai.app/molecule-ai',
    rule: 'scheme-less',
  },
  'scheme-less www': { in: 'www.github.com/Molecule-AI/cli', out: 'git.moleculesai.app/molecule-ai/cli' },
  'scheme-less renamed repo': {
    in: 'The monorepo (github.com/Molecule-AI/molecule-monorepo) is gone.',
    out: 'The monorepo (git.moleculesai.app/molecule-ai/molecule-core) is gone.',
  },
  'scheme-less with a path': {
    in: 'see github.com/Molecule-AI/platform/tree/main/scripts',
    out: 'see git.moleculesai.app/molecule-ai/platform/src/branch/main/scripts',
    rule: 'tree-to-src',
  },
  'scheme-less in a YAML comment': {
    in: '# source: github.com/Molecule-AI/molecule-cli',
    out: '# source: git.moleculesai.app/molecule-ai/molecule-cli',
    file: 'deploy.yaml',
  },
  'scheme-less in a shell comment': {
    in: '# mirrors github.com/Molecule-AI/platform',
    out: '# mirrors git.moleculesai.app/molecule-ai/platform',
    file: 'sync.sh',
  },
  'scheme-less in a Python comment': {
    in: '# vendored from github.com/Molecule-AI/sdk-python (MIT)',
    out: '# vendored from git.moleculesai.app/molecule-ai/sdk-python (MIT)',
    file: 'a.py',
  },
  'scheme-less in a Dockerfile comment': {
    in: '# built from github.com/Molecule-AI/molecule-monorepo',
    out: '# built from git.moleculesai.app/molecule-ai/molecule-core',
    file: 'Dockerfile',
  },
  'scheme-less Markdown link': {
    in: 'See [the CLI](github.com/Molecule-AI/cli).',
    out: 'See [the CLI](git.moleculesai.app/molecule-ai/cli).',
  },
  'scheme-less other owner untouched': { in: 'see github.com/actions/checkout' },

  // Prose in other languages: non-ASCII punctuation right against the reference ends it.
  'Chinese full stop': {
    in: '代码在github.com/Molecule-AI/molecule-cli。',
    out: '代码在git.moleculesai.app/molecule-ai/molecule-cli。',
  },
  'Chinese full-width parentheses, renamed': {
    in: '仓库（github.com/Molecule-AI/molecule-monorepo）已迁移',
    out: '仓库（git.moleculesai.app/molecule-ai/molecule-core）已迁移',
  },
  'Japanese corner brackets': {
    in: '「github.com/Molecule-AI/cli」を参照してください',
    out: '「git.moleculesai.app/molecule-ai/cli」を参照してください',
  },
  'German quotes': { in: 'Siehe „github.com/Molecule-AI/cli“.', out: 'Siehe „git.moleculesai.app/molecule-ai/cli“.' },
  'French guillemets with no-break spaces': {
    in: 'Voir «\u00a0github.com/Molecule-AI/cli\u00a0».',
    out: 'Voir «\u00a0git.moleculesai.app/molecule-ai/cli\u00a0».',
  },
  'em dash after a full URL with a path': {
    in: 'https://github.com/Molecule-AI/docs/blob/main/README.md—lire ceci',
    out: `${G}/docs/src/branch/main/README.md—lire ceci`,
  },
  'Chinese comma after a full URL with a path': {
    in: '文档：https://github.com/Molecule-AI/docs/tree/main/guide，谢谢',
    out: `文档：${G}/docs/src/branch/main/guide，谢谢`,
  },

  // Go-import contexts: the path stays and is reported (it fails --check until acknowledged).
  'go install': { in: 'RUN go install github.com/Molecule-AI/tool/cmd/tool@latest', findings: ['go-import-path'] },
  'go get': { in: 'go get github.com/Molecule-AI/sdk-go@v1.2.0', findings: ['go-import-path'] },
  'import spec line': { in: '\t"github.com/Molecule-AI/molecule-core/pkg/api"', findings: ['go-import-path'] },
  GOPRIVATE: { in: 'export GOPRIVATE=github.com/Molecule-AI/*', findings: ['go-import-path'] },
  'replace directive': {
    in: 'replace github.com/Molecule-AI/molecule-core => ../molecule-core',
    findings: ['go-import-path'],
  },
  'replace directive quoted in prose': {
    in: 'Add `replace github.com/Molecule-AI/sdk-go v1.0.0 => ./sdk-go` to go.mod.',
    findings: ['go-import-path'],
  },
  'go ldflags': {
    in: '      - -s -w -X github.com/Molecule-AI/cli/internal/version.Version={{.Version}}',
    file: '.goreleaser.yml',
    findings: ['go-import-path'],
  },
  'protobuf go_package': {
    in: 'option go_package = "github.com/Molecule-AI/core/gen/api";',
    file: 'api.proto',
    findings: ['go-import-path'],
  },
  'pkg.go.dev badge and page': {
    in: '[![Go Reference](https://pkg.go.dev/badge/github.com/Molecule-AI/sdk-go.svg)](https://pkg.go.dev/github.com/Molecule-AI/sdk-go)',
    findings: ['go-import-path', 'go-import-path'],
  },
  'import block in a fenced Go sample': {
    in: '```go\nimport (\n\t"fmt"\n\tapi "github.com/Molecule-AI/molecule-core/pkg/api"\n)\n```',
    findings: ['go-import-path'],
    lines: [4],
  },
  'any scheme-less path inside a fenced Go sample': {
    in: '```golang\nclient := sdk.New() // github.com/Molecule-AI/sdk-go\n```',
    findings: ['go-import-path'],
    lines: [2],
  },
  'import block without a fence': {
    in: 'import (\n    "github.com/Molecule-AI/x/pkg"\n)',
    findings: ['go-import-path'],
    lines: [2],
  },
  'require block of a go.mod sample': {
    in: '```\nrequire (\n\tgithub.com/Molecule-AI/sdk-go v1.2.0\n)\n```',
    findings: ['go-import-path'],
    lines: [3],
  },
  'after a Go fence closes, prose is rewritten': {
    in: '```go\nimport "github.com/Molecule-AI/x"\n```\nSource: github.com/Molecule-AI/x',
    out: '```go\nimport "github.com/Molecule-AI/x"\n```\nSource: git.moleculesai.app/molecule-ai/x',
    findings: ['go-import-path'],
    lines: [2],
  },
  'a shell fence is not Go': {
    in: '```sh\n# from github.com/Molecule-AI/cli\n```',
    out: '```sh\n# from git.moleculesai.app/molecule-ai/cli\n```',
  },
  'full URL inside a Go fence is still rewritten': {
    in: '```go\n// docs: https://github.com/Molecule-AI/x\n```',
    out: `\`\`\`go\n// docs: ${G}/x\n\`\`\``,
  },
  "path inside another site's URL reported": {
    in: 'https://sourcegraph.com/github.com/Molecule-AI/cli',
    findings: ['embedded-path'],
  },

  // Placeholder owners: moved only in front of the organisation's own repos.
  'placeholder before a renamed own repo': {
    in: 'git clone https://github.com/your-org/molecule-monorepo.git',
    out: `git clone ${G}/molecule-core.git`,
    rule: 'placeholder-owner',
  },
  'placeholder YOUR_ORG before the naming prefix': {
    in: 'https://github.com/YOUR_ORG/molecule-ai-plugin-slack',
    out: `${G}/molecule-ai-plugin-slack`,
    rule: 'placeholder-owner',
  },
  'placeholder <org> over SSH': {
    in: 'git clone git@github.com:<org>/molecule-core.git',
    out: `git clone ${G}/molecule-core.git`,
    rule: 'ssh-to-https',
    findings: ['ssh-url'],
  },
  'placeholder before a known repo': {
    in: 'https://github.com/your-org/docs/blob/main/a.md',
    out: `${G}/docs/src/branch/main/a.md`,
    rules: { knownRepos: ['docs'] },
  },
  'placeholder scheme-less': {
    in: 'fork github.com/your-org/molecule-core first',
    out: 'fork git.moleculesai.app/molecule-ai/molecule-core first',
    rule: 'placeholder-owner',
  },
  'placeholder raw file': {
    in: 'https://raw.githubusercontent.com/your-org/molecule-core/main/install.sh',
    out: `${G}/molecule-core/raw/branch/main/install.sh`,
    rule: 'placeholder-owner',
  },
  'placeholder from the rules': {
    in: 'https://github.com/ACME/molecule-core',
    out: `${G}/molecule-core`,
    rules: { placeholderOwners: ['acme'] },
  },
  'placeholder before a foreign repo stays': { in: 'git clone https://github.com/your-org/my-service.git' },
  'placeholder alone stays': { in: 'https://github.com/your-org' },
  'placeholder in a Go context stays': { in: 'go get github.com/your-org/molecule-core' },
  'placeholder rule turned off': { in: 'https://github.com/your-org/molecule-core', rules: { placeholderOwners: [] } },

  // Acknowledged lines: left as they are, listed apart, no finding.
  'inline marker keeps a rewritable line': {
    in: 'Old home: https://github.com/Molecule-AI/cli <!-- molectl-gitea: keep -->',
    acknowledged: [[1, 'marker']],
  },
  'inline marker keeps a reported form': {
    in: 'Fixed in https://github.com/Molecule-AI/x/pull/12 # molectl-gitea: keep',
    acknowledged: [[1, 'marker']],
  },
  'inline marker keeps a Go path': {
    in: 'go install github.com/Molecule-AI/tool@latest  # molectl-gitea: keep (module path)',
    acknowledged: [[1, 'marker']],
  },
  'ignore file keeps one line': {
    in: 'a https://github.com/Molecule-AI/a\nb https://github.com/Molecule-AI/b',
    out: `a ${G}/a\nb https://github.com/Molecule-AI/b`,
    keep: { lines: new Map([[2, 'history (.molectl-gitea-ignore:1)']]) },
    acknowledged: [[2, 'ignore-file']],
  },
  'ignore file keeps the whole file': {
    in: 'https://github.com/Molecule-AI/x/pull/3',
    keep: { whole: 'release notes (.molectl-gitea-ignore:2)' },
    acknowledged: [[1, 'ignore-file']],
  },

  // Whatever no rule knows still fails the gate.
  'a form no rule knows is still caught': {
    in: 'ssh://git@github.com:Molecule-AI/x.git',
    findings: ['stale-reference'],
  },

  // Reported forms.
  'npm github: shorthand': { in: '"molecule-sdk": "github:Molecule-AI/sdk-js#v1.0.0",', findings: ['npm-shorthand'] },
  'npm bare owner/repo dependency in package.json': {
    in: '    "molecule-sdk": "Molecule-AI/sdk-js#v1.0.0",',
    file: 'web/package.json',
    findings: ['npm-shorthand'],
  },
  'npm bare repository shorthand in package.json': {
    in: '  "repository": "molecule-ai/canvas",',
    file: 'package.json',
    findings: ['npm-shorthand'],
  },
  'owner/repo value outside package.json untouched': { in: '"repo": "Molecule-AI/canvas"', file: 'renovate.json' },
  'scoped package name untouched': { in: '"name": "@molecule-ai/canvas",', file: 'package.json' },
  'codecov badge names the GitHub path': {
    in: '[![codecov](https://codecov.io/gh/Molecule-AI/canvas/branch/main/graph/badge.svg)](https://codecov.io/gh/Molecule-AI/canvas)',
    findings: ['stale-reference'],
  },
  'coveralls badge names the GitHub path': {
    in: '![c](https://coveralls.io/repos/github/Molecule-AI/canvas/badge.svg?branch=main)',
    findings: ['stale-reference'],
  },
  'codecov of another owner untouched': { in: 'https://codecov.io/gh/other-org/canvas' },
  'shields.io github badge': {
    in: '![release](https://img.shields.io/github/v/release/Molecule-AI/cli)',
    findings: ['github-badge'],
  },
  'shields.io other owner': { in: '![release](https://img.shields.io/github/v/release/cli/cli)' },
  'api.github.com': {
    in: 'curl -H "Authorization: token $T" https://api.github.com/repos/Molecule-AI/x/releases',
    findings: ['api-github'],
  },
  'api graphql': { in: 'url = "https://api.github.com/graphql"', findings: ['api-github'] },
  'api other owner untouched': { in: 'curl https://api.github.com/repos/cli/cli/releases/latest' },
  'brew tap of the owner reported': { in: 'brew tap molecule-ai/tap', findings: ['brew-tap'] },
  'brew install from the tap reported': { in: '$ brew install Molecule-AI/tap/molectl', findings: ['brew-tap'] },
  'brew tap with its Gitea URL is fine': {
    in: 'brew tap molecule-ai/tap https://git.moleculesai.app/molecule-ai/homebrew-tap',
  },
  'brew tap of another owner untouched': { in: 'brew tap hashicorp/tap' },
  'gh command': { in: 'gh pr create --fill', findings: ['gh-command'] },
  'gh in run step': { in: '        run: gh release upload v1 dist/*', findings: ['gh-command'] },
  'gh in subshell': { in: 'TAG=$(gh release view --json tagName)', findings: ['gh-command'] },
  'sigh is not gh': { in: 'sigh pr is long' },
  'variable owner': { in: 'git clone https://github.com/${ORG}/x.git', findings: ['variable-owner'] },
  'actions context owner': { in: 'url: https://github.com/${{ github.repository }}', findings: ['variable-owner'] },
  'variable repo rewritten and reported': {
    in: 'git clone https://github.com/Molecule-AI/${repo}.git',
    out: `git clone ${G}/\${repo}.git`,
    findings: ['variable-repo'],
  },
  'variable repo: the page after it is mapped too': {
    in: 'echo "https://github.com/Molecule-AI/${REPO_NAME}/blob/main/docs/x.md"',
    out: `echo "${G}/\${REPO_NAME}/src/branch/main/docs/x.md"`,
    rule: 'blob-to-src',
    findings: ['variable-repo'],
  },
  'variable repo: raw file': {
    in: 'curl -fsSL https://github.com/Molecule-AI/$REPO/raw/v1.2.0/install.sh',
    out: `curl -fsSL ${G}/$REPO/raw/tag/v1.2.0/install.sh`,
    findings: ['variable-repo'],
  },
  'variable repo: a page with no Gitea route stays and is reported': {
    in: 'https://github.com/Molecule-AI/${repo}/pull/${PR}',
    findings: ['no-gitea-page'],
  },
  // Terraform module sources: the GitHub shorthands become the git:: form Terraform expands them to.
  'terraform github shorthand source': {
    in: '  source = "github.com/Molecule-AI/terraform-modules//vpc?ref=v1.2.0"',
    out: '  source = "git::https://git.moleculesai.app/molecule-ai/terraform-modules.git//vpc?ref=v1.2.0"',
    rule: 'terraform-source',
    file: 'infra/main.tf',
  },
  'terragrunt shorthand with .git and a rename': {
    in: 'terraform { source = "github.com/Molecule-AI/molecule-monorepo.git//infra/app?ref=v2" }',
    out: 'terraform { source = "git::https://git.moleculesai.app/molecule-ai/molecule-core.git//infra/app?ref=v2" }',
    file: 'live/terragrunt.hcl',
  },
  'terraform shorthand with a one-slash subdirectory': {
    in: 'source = "github.com/Molecule-AI/modules/vpc"',
    out: 'source = "git::https://git.moleculesai.app/molecule-ai/modules.git//vpc"',
    file: 'main.tf',
  },
  'terraform ssh source': {
    in: '  source = "git@github.com:Molecule-AI/terraform-modules.git//x?ref=v1"',
    out: '  source = "git::https://git.moleculesai.app/molecule-ai/terraform-modules.git//x?ref=v1"',
    rule: 'terraform-source',
    findings: ['ssh-url'],
    file: 'main.tf',
  },
  'terraform git:: source keeps its form': {
    in: '  source = "git::https://github.com/Molecule-AI/terraform-modules.git//db?ref=v1"',
    out: '  source = "git::https://git.moleculesai.app/molecule-ai/terraform-modules.git//db?ref=v1"',
    rule: 'repo-url',
    file: 'main.tf',
  },
  'terraform other owner untouched': { in: 'source = "github.com/hashicorp/example"', file: 'main.tf' },
  'kustomize remote resource gets a scheme': {
    in: '  - github.com/Molecule-AI/deploy//overlays/prod?ref=v1.4.0',
    out: '  - https://git.moleculesai.app/molecule-ai/deploy//overlays/prod?ref=v1.4.0',
    rule: 'kustomize-remote',
    file: 'clusters/prod/kustomization.yaml',
  },
  'kustomize https remote resource': {
    in: '- https://github.com/Molecule-AI/deploy//base?ref=main',
    out: '- https://git.moleculesai.app/molecule-ai/deploy//base?ref=main',
    rule: 'repo-url',
    file: 'kustomization.yml',
  },
  'scheme-less outside kustomize stays scheme-less': {
    in: '  - github.com/Molecule-AI/deploy//overlays/prod?ref=v1.4.0',
    out: '  - git.moleculesai.app/molecule-ai/deploy//overlays/prod?ref=v1.4.0',
    file: 'notes.yaml',
  },
  'bazel importpath is a Go path': {
    in: '    importpath = "github.com/Molecule-AI/x",',
    findings: ['go-import-path'],
    file: 'BUILD.bazel',
  },
  'gazelle prefix is a Go path': {
    in: '# gazelle:prefix github.com/Molecule-AI/x',
    findings: ['go-import-path'],
    file: 'BUILD',
  },
  'ghcr reported': { in: 'image: ghcr.io/molecule-ai/platform-tenant:latest', findings: ['ghcr-image'] },
  'ghcr mapped': {
    in: 'image: ghcr.io/Molecule-AI/platform-tenant:latest',
    out: 'image: registry.moleculesai.app/molecule-ai/platform-tenant:latest',
    rule: 'ghcr-image',
    rules: { imageRegistry: 'registry.moleculesai.app/molecule-ai' },
  },
  'ghcr other owner untouched': { in: 'image: ghcr.io/molecule-ai-labs/x:1' },
  'workflow path reported': { in: 'see .github/workflows/release.yml', findings: ['workflow-path'] },
  'org action reported': { in: '      - uses: Molecule-AI/setup-molecule@v2', findings: ['org-action'] },

  '.gitmodules asks for a sync': {
    in: '\turl = https://github.com/Molecule-AI/sdk.git',
    out: `\turl = ${G}/sdk.git`,
    findings: ['gitmodules-sync'],
    file: '.gitmodules',
  },

  // Go files are out of scope.
  'go file untouched': { in: '// https://github.com/Molecule-AI/x', file: 'pkg/a.go' },
  'go.mod untouched': { in: 'module github.com/Molecule-AI/x', file: 'go.mod' },
};

describe('rewriteText rule table', () => {
  for (const [name, row] of Object.entries(table)) {
    it(name, () => {
      const rules = buildRewriteRules(row.rules);
      const file = row.file ?? 'README.md';
      const result = rewriteText(`${row.in}\n`, rules, file, { keep: row.keep });
      expect(result.text).toBe(`${row.out ?? row.in}\n`);
      expect(result.findings.map((f) => f.rule)).toEqual(row.findings ?? []);
      if (row.rule) expect(result.changes[0]?.rule).toBe(row.rule);
      if (row.out === undefined) expect(result.changes).toEqual([]);
      expect(result.findings.map((f) => f.line)).toEqual(row.lines ?? result.findings.map(() => 1));
      expect(result.acknowledged.map((a) => [a.line, a.by])).toEqual(row.acknowledged ?? []);
      for (const finding of result.findings) {
        expect(finding.reason.length).toBeGreaterThan(10);
        // Every printed byte goes through the redactor: a reason must survive it intact.
        expect(new Redactor().redact(finding.reason)).toBe(finding.reason);
      }
      // Files are read as latin1 (bytes one for one): the same row through that path.
      const bytes = rewriteText(Buffer.from(`${row.in}\n`).toString('latin1'), rules, file, { keep: row.keep });
      expect(Buffer.from(bytes.text, 'latin1').toString('utf8')).toBe(`${row.out ?? row.in}\n`);
      expect(bytes.findings.map((f) => f.rule)).toEqual(row.findings ?? []);
      // Idempotent: a second pass changes nothing.
      expect(rewriteText(result.text, rules, file, { keep: row.keep }).changes).toEqual([]);
    });
  }
});

describe('rewriteText on whole files', () => {
  const rules = buildRewriteRules();

  it('switches a guard that tests the clone token, including its message, and reports the assignment', () => {
    const script = [
      '#!/bin/sh',
      'export GITHUB_TOKEN="$(cat /run/token)"',
      'if [ -z "${GITHUB_TOKEN}" ]; then',
      '  echo "GITHUB_TOKEN is required" >&2',
      '  exit 1',
      'fi',
      'git clone https://x-access-token:${GITHUB_TOKEN}@github.com/Molecule-AI/x.git',
      '',
    ].join('\n');
    const result = rewriteText(script, rules, 'clone.sh');
    const lines = result.text.split('\n');
    expect(lines[2]).toBe('if [ -z "${GITEA_TOKEN}" ]; then');
    expect(lines[3]).toBe('  echo "GITEA_TOKEN is required" >&2');
    expect(lines[6]).toBe('git clone https://x-access-token:${GITEA_TOKEN}@git.moleculesai.app/molecule-ai/x.git');
    expect(lines[1]).toBe('export GITHUB_TOKEN="$(cat /run/token)"');
    expect(result.changes.map((c) => [c.line, c.rule])).toEqual([
      [3, 'token-guard'],
      [4, 'token-guard'],
      [7, 'token-clone-url'],
    ]);
    expect(result.findings.map((f) => [f.line, f.rule])).toEqual([[2, 'token-assignment']]);
    expect(new Redactor().redact(result.findings[0]!.reason)).toBe(result.findings[0]!.reason);
    expect(rewriteText(result.text, rules, 'clone.sh').changes).toEqual([]);
  });

  it('switches a ${VAR:?} guard on the same line as nothing else', () => {
    const text =
      ': "${GITHUB_TOKEN:?set GITHUB_TOKEN}"\ngit clone "https://${GITHUB_TOKEN}@github.com/Molecule-AI/x"\n';
    const result = rewriteText(text, rules, 'a.sh');
    expect(result.text).toBe(
      ': "${GITEA_TOKEN:?set GITEA_TOKEN}"\ngit clone "https://${GITEA_TOKEN}@git.moleculesai.app/molecule-ai/x"\n',
    );
  });

  it('reports rather than switches a guard when the token is also used for something else', () => {
    const text = [
      '[ -n "$GITHUB_TOKEN" ] || exit 1',
      'curl -H "Authorization: token $GITHUB_TOKEN" https://api.example.com/',
      'git clone https://x:${GITHUB_TOKEN}@github.com/Molecule-AI/x',
    ].join('\n');
    const result = rewriteText(text, rules, 'a.sh');
    expect(result.text.split('\n')[0]).toBe('[ -n "$GITHUB_TOKEN" ] || exit 1');
    expect(result.findings.map((f) => f.rule)).toEqual(['token-guard-shared']);
  });

  it('leaves guards alone when no clone URL switched', () => {
    const text = 'if [ -z "$GITHUB_TOKEN" ]; then exit 1; fi\ngh release create v1\n';
    const result = rewriteText(text, rules, 'a.sh');
    expect(result.text).toBe(text);
    expect(result.findings.map((f) => f.rule)).toEqual(['gh-command']);
  });

  it('keeps secrets.GITHUB_TOKEN in a workflow', () => {
    const text = [
      '    env:',
      '      TOKEN: ${{ secrets.GITHUB_TOKEN }}',
      '    run: git clone https://x-access-token:${{ secrets.GITHUB_TOKEN }}@github.com/Molecule-AI/x.git',
    ].join('\n');
    const result = rewriteText(text, rules, '.github/workflows/ci.yml');
    expect(result.text).toContain('${{ secrets.GITHUB_TOKEN }}@git.moleculesai.app/molecule-ai/x.git');
    expect(result.text).toContain('TOKEN: ${{ secrets.GITHUB_TOKEN }}');
  });

  it('keeps CRLF line endings, a BOM and a missing final newline', () => {
    const text = '\uFEFFline one\r\nhttps://github.com/Molecule-AI/x\r\nlast https://github.com/Molecule-AI/y';
    const result = rewriteText(text, rules, 'a.txt');
    expect(result.text).toBe(
      '\uFEFFline one\r\nhttps://git.moleculesai.app/molecule-ai/x\r\nlast https://git.moleculesai.app/molecule-ai/y',
    );
    expect(result.changes.map((c) => c.line)).toEqual([2, 3]);
  });

  it('reports line numbers of findings and records before/after and target of changes', () => {
    const text =
      'a\nb\nhttps://github.com/Molecule-AI/molecule-monorepo/pull/7\nhttps://github.com/Molecule-AI/molecule-monorepo.git\n';
    const result = rewriteText(text, rules, 'a.md');
    expect(result.findings).toMatchObject([
      { line: 3, rule: 'pull-link', match: 'https://github.com/Molecule-AI/molecule-monorepo/pull/7' },
    ]);
    expect(result.changes).toEqual([
      {
        line: 4,
        rule: 'repo-url',
        before: 'https://github.com/Molecule-AI/molecule-monorepo.git',
        after: 'https://git.moleculesai.app/molecule-ai/molecule-core.git',
        renamedFrom: 'molecule-monorepo',
        target: 'molecule-ai/molecule-core',
      },
    ]);
  });

  it('serves another organisation with its own rules', () => {
    const other = buildRewriteRules({
      githubOwner: 'Acme',
      giteaBaseUrl: 'https://code.acme.test/',
      giteaOwner: 'ACME-Corp',
      renames: {},
    });
    const result = rewriteText(
      'https://github.com/acme/tools/tree/main\nhttps://github.com/Molecule-AI/x\n',
      other,
      'a.md',
    );
    expect(result.text).toBe(
      'https://code.acme.test/acme-corp/tools/src/branch/main\nhttps://github.com/Molecule-AI/x\n',
    );
  });
});

describe('rewriteText: GitHub-only hosts of the moved owner', () => {
  it.each([
    ['https://codeload.github.com/Molecule-AI/x/tar.gz/refs/heads/main'],
    ['https://github.com/orgs/Molecule-AI/people'],
  ])('reports %s', (line) => {
    const result = rewriteText(`${line}\n`, buildRewriteRules(), 'a.md');
    expect(result.text).toBe(`${line}\n`);
    expect(result.findings.map((f) => f.rule)).toEqual(['no-gitea-page']);
  });

  it('leaves other owners there alone', () => {
    expect(rewriteText('https://github.com/orgs/other/people\n', buildRewriteRules(), 'a.md').findings).toEqual([]);
  });
});
