module.exports = {
  displayName: 'diff',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
