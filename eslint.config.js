// Lint rules that keep the house's shape (docs/architecture.md): the layers, no import cycles,
// commander only where the command line is parsed, plus typescript-eslint's recommended set.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.molectl-tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // Without these, import-x reads no .ts dependency and no-cycle silently sees no cycle.
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      // Cycles among molectl's own modules; following imports into node_modules cost ~10 s of a ~25 s lint.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/lib',
              from: ['./src/commands', './src/sandbox', './src/cli', './src/cli.ts'],
              message: 'src/lib is the logic layer: commands, the CLI and the sandbox build on it, never the reverse.',
            },
            {
              target: './src/commands',
              from: ['./src/cli', './src/cli.ts'],
              message: 'a command is a declaration; src/cli reads the declarations, not the reverse.',
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // molectl matches terminal control characters on purpose: escaping remote text, redaction.
      'no-control-regex': 'off',
    },
  },
  {
    // Tests read loosely typed JSON documents back; a cast to any there is a reading aid, not a hole.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/lib/**/*.ts', 'src/commands/**/*.ts', 'src/sandbox/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'commander', message: 'commander lives in src/cli only: declare flags with src/lib/cli/flags.ts.' },
            {
              name: 'zod',
              message:
                "import * as z from 'zod/mini' (and '../zod-settings.js'): zod's classic API is three times the code every run loads (issue 16).",
            },
          ],
        },
      ],
    },
  },
  {
    // CommonJS on purpose (bin/package.json, build/bundle.mjs): the entry never starts Node's ESM loader.
    files: ['bin/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'process',
          'console',
          'URL',
          'setTimeout',
          'clearTimeout',
          'Buffer',
          'performance',
          'fetch',
          'AbortController',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
);
