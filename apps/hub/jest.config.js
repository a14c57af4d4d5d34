module.exports = {
  displayName: 'hub',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
