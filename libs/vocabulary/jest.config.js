module.exports = {
  displayName: 'vocabulary',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
