module.exports = {
  displayName: 'render-node',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
