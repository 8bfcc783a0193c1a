/** Jest, in three projects:
 * - unit: *.spec.ts beside the code. Pure; starts no server (no globalSetup), runs in seconds:
 *   `npx jest --selectProjects unit`.
 * - integration: *.integration-spec.ts against real servers.
 * - e2e: apps/<app>/test/*.e2e-spec.ts, booting whole processes.
 * Servers come from libs/devstack's globalSetup (started once for both server projects) unless
 * REDIS_URL / NATS_URL / DATABASE_URL / CLICKHOUSE_URL point to existing ones. */
const libs = [
  'money',
  'rating',
  'events',
  'config',
  'observability',
  'db',
  'proto',
  'devstack',
  'auth',
  'analytics',
  'keyspace',
  'runtime',
];
const common = {
  rootDir: '.',
  testTimeout: 60000,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: Object.fromEntries(libs.map((l) => [`^@app/${l}(|/.*)$`, `<rootDir>/libs/${l}/src$1`])),
};
const servers = {
  globalSetup: '<rootDir>/libs/devstack/src/jest-global-setup.ts',
  globalTeardown: '<rootDir>/libs/devstack/src/jest-global-teardown.ts',
};
module.exports = {
  // Also here: Jest 30 takes the timeout from the global config, whatever the projects say.
  testTimeout: 60000,
  maxWorkers: 2,
  projects: [
    { ...common, displayName: 'unit', testRegex: '(apps|libs)/.*\\.spec\\.ts$' },
    { ...common, ...servers, displayName: 'integration', testRegex: '(apps|libs)/.*\\.integration-spec\\.ts$' },
    { ...common, ...servers, displayName: 'e2e', testRegex: '(apps|libs)/.*\\.e2e-spec\\.ts$' },
  ],
};
