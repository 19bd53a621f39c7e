/** Jest runs the TypeScript sources through swc (types are checked by `tsc` in `npm test`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // the package's own name, as a user's main.ts imports it (examples/extend)
  moduleNameMapper: { '^mgmt-cluster-synth$': '<rootDir>/lib/index.ts' },
  testTimeout: 60000,
};
