const preset = require('../../jest.preset.js');

// @kubernetes/client-node 1.x and some of its dependencies are published only as ES modules; SWC compiles them for Jest.
const esmOnlyPackages = ['@nestjs', '@apollo/server', '@as-integrations', '@apollo/server-gateway-interface', '@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose', 'jsonpath-plus'];

module.exports = {
  displayName: 'kube-sim',
  preset: '../../jest.preset.js',
  rootDir: '.',
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyPackages.join('|')})/)`],
  transform: preset.transform,
};
