module.exports = {
  displayName: 'async',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
