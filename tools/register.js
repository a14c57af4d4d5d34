// Runs the TypeScript sources directly: SWC transpiles on load, keeping decorator metadata for NestJS and TypeORM.
const path = require('node:path');
process.env.SWC_NODE_PROJECT ??= path.join(__dirname, '..', 'tsconfig.base.json');
require('@swc-node/register');
