module.exports = {
  displayName: 'agent-engine',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
