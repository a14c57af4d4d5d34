const nx = require('@nx/eslint-plugin');

// Pure libraries (type:engine) hold the hard logic; they stay free of frameworks and I/O.
const frameworkAndNetwork = [
  '@nestjs/*', '@apollo/*', 'typeorm', 'pg', '@electric-sql/*', '@grpc/*', '@kubernetes/client-node',
  'simple-git', 'express', 'pino', 'prom-client',
];
const nodeNetworkAndIo = ['http', 'https', 'http2', 'net', 'tls', 'dgram', 'child_process', 'fs', 'fs/promises', 'worker_threads']
  .flatMap((name) => [name, `node:${name}`]);

// Which projects may import which, by their tags.
const moduleBoundaries = {
  enforceBuildableLibDependency: false,
  allow: [],
  depConstraints: [
    // The shared vocabulary (ChangeSet, ObjectRef, policies…) depends on nothing; everything may use it.
    { sourceTag: 'type:vocabulary', onlyDependOnLibsWithTags: [], bannedExternalImports: frameworkAndNetwork },
    { sourceTag: 'type:engine', onlyDependOnLibsWithTags: ['type:vocabulary', 'type:engine', 'type:proto'], bannedExternalImports: frameworkAndNetwork },
    { sourceTag: 'type:proto', onlyDependOnLibsWithTags: ['type:vocabulary', 'type:proto'] },
    { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:vocabulary', 'type:engine', 'type:proto', 'type:data-access'] },
    { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:vocabulary', 'type:engine', 'type:proto', 'type:data-access', 'type:testing'] },
    { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:vocabulary', 'type:engine', 'type:proto', 'type:data-access', 'type:feature'] },
    { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:vocabulary', 'type:engine', 'type:proto', 'type:data-access', 'type:feature', 'type:testing'] },
    { sourceTag: 'scope:agent', onlyDependOnLibsWithTags: ['scope:agent', 'scope:shared'] },
    { sourceTag: 'scope:hub', onlyDependOnLibsWithTags: ['scope:hub', 'scope:shared'] },
    { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  ],
};

module.exports = [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/node_modules', '**/dist', '**/coverage', 'libs/proto/src/generated/**', '.tools/**'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        moduleBoundaries,
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // End-to-end specs (and their fixtures) run the hub and agents together, across the scopes the rest keeps apart.
    files: ['apps/hub/src/**/*.e2e.spec.ts', 'apps/hub/src/testing/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, depConstraints: [{ sourceTag: 'scope:hub', onlyDependOnLibsWithTags: ['scope:hub', 'scope:shared', 'scope:agent'] }] },
      ],
    },
  },
  {
    // The CLI's end-to-end specs run a real hub in process with the hub's own test fixtures; nothing else in the CLI may import the hub.
    files: ['apps/cli/src/**/*.e2e.spec.ts'],
    rules: { '@nx/enforce-module-boundaries': ['error', { ...moduleBoundaries, allow: ['@capstan/hub/src/testing/*'] }] },
  },
  {
    // Node's networking and file system are I/O: pure libraries receive what they need through interfaces.
    files: ['libs/vocabulary/src/**/*.ts', 'libs/manifest/src/**/*.ts', 'libs/render/src/**/*.ts', 'libs/diff/src/**/*.ts', 'libs/health/src/**/*.ts', 'libs/policy/src/**/*.ts', 'libs/agent-install/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: nodeNetworkAndIo.map((name) => ({ name, message: 'pure libraries do no I/O' })) }] },
  },
];
