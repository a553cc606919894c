import js from '@eslint/js';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

// Layer rules (README "Layers"), checked on every `npm test` by the static-checks unit test (and the rules
// themselves by test/unit/layer-rules.test.ts). A folder rule matches a relative import with a path segment
// naming that folder at any depth (`../db/x`, `../../db/x`, `../../../src/db`), so it holds when a layer is
// split into sub-folders; packages (`@temporalio/client`) never match it. One config object per layer:
// ESLint replaces, not merges, the options of a rule set twice for a file, so each lists all it forbids.
const ours = (...folders) => ({ regex: `^\\.\\.?/(.*/)?(${folders.join('|')})(/|$)` });
const NOT_API = {
  ...ours('api'),
  message: 'Nothing imports src/api but the entry points (src/main, bench) and tests.',
};
// Built-ins by exact name (`paths`): as globs, `domain` or `events` would also match our `../domain/x`.
const NODE_BUILTINS_MESSAGE = 'No Node built-ins here (domain: pure; workflows: deterministic, no I/O).';
const NODE_BUILTINS = {
  paths: builtinModules
    .filter((m) => !m.startsWith('_'))
    .map((name) => ({ name, message: NODE_BUILTINS_MESSAGE })),
  pattern: { group: ['node:*'], message: NODE_BUILTINS_MESSAGE },
};
const restrict = ({ files, ignores = [], paths = [], patterns }) => ({
  files,
  ignores,
  rules: { 'no-restricted-imports': ['error', { paths, patterns }] },
});
const workflowPatterns = () => [
  NODE_BUILTINS.pattern,
  {
    group: ['zod', '@temporalio/activity', '@temporalio/client', '@temporalio/worker'],
    message: 'Workflow code runs in the workflow sandbox: @temporalio/workflow and @temporalio/common only.',
  },
  {
    ...ours('api', 'channels', 'client', 'config', 'main', 'net', 'worker', 'db'),
    message: 'Workflows do no I/O: no database, channel, API, client or worker modules.',
  },
  {
    ...ours('activities'),
    allowTypeImports: true,
    message: 'Workflows import activities as types only (`import type`), for proxyActivities.',
  },
];
const layerRules = [
  restrict({
    files: ['src/domain/**/*.ts'],
    paths: NODE_BUILTINS.paths,
    patterns: [
      NODE_BUILTINS.pattern,
      {
        group: ['@temporalio/*', 'pg', 'pg-*', 'fastify', 'fastify-*', '@fastify/*'],
        message: 'The domain is pure: no Temporal, database or HTTP packages.',
      },
      {
        ...ours(
          'activities',
          'api',
          'channels',
          'client',
          'config',
          'db',
          'main',
          'net',
          'worker',
          'workflows',
        ),
        message: 'The domain imports nothing of ours outside src/domain.',
      },
    ],
  }),
  restrict({ files: ['src/workflows/**/*.ts'], paths: NODE_BUILTINS.paths, patterns: workflowPatterns() }),
  restrict({
    files: ['src/api/**/*.ts'],
    patterns: [
      {
        ...ours('workflows', 'activities', 'worker'),
        message: 'The API reaches workflows through src/client only, never workflow or activity code.',
      },
    ],
  }),
  restrict({
    files: ['src/**/*.ts'],
    ignores: ['src/api/**', 'src/main/**', 'src/domain/**', 'src/workflows/**'],
    patterns: [NOT_API],
  }),
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', '.data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  ...layerRules,
  {
    // Tests read untyped JSON answers of the API on purpose; the rest of the type rules still apply.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  { files: ['**/*.mjs', '**/*.cjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['jest.config.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    files: ['scripts/**/*.mjs'],
    languageOptions: {
      globals: Object.fromEntries(
        ['console', 'process', 'URL', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'].map(
          (g) => [g, 'readonly'],
        ),
      ),
    },
  },
);
