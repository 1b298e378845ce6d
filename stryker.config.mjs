// @ts-check
/**
 * `npm run mutate`: StrykerJS with its vitest runner over the core and the handler (not in CI:
 * it takes long and wants the machine). `npm run mutate -- --mutate 'lib/core/**\/*.ts'` scopes it.
 * The summary of the last run is committed in docs/mutation-testing.md.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts' },
  mutate: ['lib/core/**/*.ts', 'lib/handler/**/*.ts', '!lib/**/index.ts'],
  coverageAnalysis: 'perTest',
  // The machine is shared: one test process at a time.
  concurrency: 1,
  timeoutMS: 5_000,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 80, break: null },
};
