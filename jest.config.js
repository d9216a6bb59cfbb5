// jest runs in ESM mode (oidc-provider v9 is ESM-only): see package.json "test".
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 30000,
  // One worker at a time (package.json's --maxWorkers=1), replaced once a test file leaves it holding
  // more than this: in one process (--runInBand) the ESM module registries of finished test files
  // are never freed, so the heap grew to ~2 GB over the suite and the garbage collector's pauses
  // reached seconds (the fuzz test's answers 2-3 s, its 45 s budget cut short).
  workerIdleMemoryLimit: '512MB',
};
