module.exports = {
  displayName: 'agent-install',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
