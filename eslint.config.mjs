import nx from '@nx/eslint-plugin';
import simpleImportSort from 'eslint-plugin-simple-import-sort';

// Domain code stays free of transport and storage: these packages may only be imported by
// infrastructure libraries and apps.
const ioPackages = ['@grpc/grpc-js', '@grpc/*', 'mongodb', '@nats-io/*', 'undici'];

/** Layering by Nx tag; tests may additionally use tools (real servers, demo receivers). */
function depConstraints({ tests }) {
  const extra = tests ? ['type:tool'] : [];
  return [
    {
      sourceTag: 'type:app',
      onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:proto', 'type:util', ...extra],
    },
    {
      sourceTag: 'type:infra',
      onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:proto', 'type:util', ...extra],
    },
    {
      sourceTag: 'type:domain',
      onlyDependOnLibsWithTags: ['type:domain', 'type:proto', 'type:util', ...extra],
      bannedExternalImports: tests ? [] : ioPackages,
    },
    { sourceTag: 'type:proto', onlyDependOnLibsWithTags: ['type:proto', ...extra] },
    {
      sourceTag: 'type:util',
      onlyDependOnLibsWithTags: ['type:util', ...extra],
      bannedExternalImports: tests ? [] : ioPackages,
    },
    {
      sourceTag: 'type:tool',
      onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:proto', 'type:util', 'type:tool'],
    },
  ];
}

const boundaries = (tests) => [
  'error',
  { enforceBuildableLibDependency: false, allow: [], depConstraints: depConstraints({ tests }) },
];

const testFiles = ['**/*.test.ts', '**/test/**/*.ts', '**/bench/**/*.ts', '**/vitest.config.ts'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: ['**/node_modules', '**/dist', '**/.nx', 'libs/proto/src/gen/**'],
  },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries(false),
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // One import order everywhere, fixed by `eslint --fix`: node built-ins, packages, this
    // workspace's libraries, then relative paths; alphabetical within each.
    files: ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.mjs'],
    plugins: { 'simple-import-sort': simpleImportSort },
    rules: {
      'simple-import-sort/imports': ['error', { groups: [['^\\u0000', '^node:', '^@?\\w', '^@callbacks/', '^\\.']] }],
    },
  },
  {
    files: testFiles,
    rules: {
      '@nx/enforce-module-boundaries': boundaries(true),
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
];
