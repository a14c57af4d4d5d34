// Packages published only as ES modules; Jest on Node 20 cannot require them, so SWC compiles them to CommonJS.
const esmOnlyPackages = ['@nestjs', '@apollo/server', '@as-integrations', '@apollo/server-gateway-interface', '@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose'];

// Shared Jest settings: SWC keeps decorator metadata (NestJS, TypeORM) and is fast.
module.exports = {
  testEnvironment: 'node',
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyPackages.join('|')})/)`],
  transform: {
    '^.+\\.(ts|js|mjs)$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/**/*.spec.ts'],
  testTimeout: 60_000,
};
