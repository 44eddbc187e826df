import nx from '@nx/eslint-plugin';

// Domain code stays free of transport and storage: these packages may only be imported by
// infrastructure libraries and apps.
const ioPackages = ['@grpc/grpc-js', '@grpc/*', 'mongodb', '@nats-io/*', 'undici'];

/** Layering by Nx tag; tests may additionally use tools (real servers, demo receivers). */
function depConstraints({ tests }) {
  const extra = tests ? ['type:tool'] : [];
  return [
    { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:proto', 'type:util', ...extra] },
    { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:proto', 'type:util', ...extra] },
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
    { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:proto', 'type:util', 'type:tool'] },
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
    files: ['**/*.ts', '**/*.mts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
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
