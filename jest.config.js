/** Jest: unit specs (*.spec.ts), integration specs against real servers (*.integration-spec.ts)
 * and end-to-end tests (apps/<app>/test/*.e2e-spec.ts). Servers come from libs/devstack via
 * globalSetup unless REDIS_URL / NATS_URL / DATABASE_URL point to existing ones. */
const libs = ['money', 'rating', 'events', 'config', 'observability', 'db', 'proto', 'devstack', 'auth', 'analytics', 'keyspace'];
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testRegex: '(apps|libs)/.*\\.(spec|integration-spec|e2e-spec)\\.ts$',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: Object.fromEntries(libs.map((l) => [`^@app/${l}(|/.*)$`, `<rootDir>/libs/${l}/src$1`])),
  globalSetup: '<rootDir>/libs/devstack/src/jest-global-setup.ts',
  globalTeardown: '<rootDir>/libs/devstack/src/jest-global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
