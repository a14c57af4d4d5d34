module.exports = {
  displayName: 'rollout',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
