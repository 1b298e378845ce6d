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
  // A static mutant (a module-level constant) runs every test; they are few, and listed as ignored.
  ignoreStatic: true,
  // The machine is shared: two test processes at most (STRYKER_CONCURRENCY to change it).
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 2),
  // A mutant that makes the sink wait forever costs this much over the test's own time, not more.
  timeoutMS: 2_000,
  timeoutFactor: 1.5,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  // One report per run (MUTATION_REPORT=core-sink), so runs file by file keep what they found;
  // scripts/mutation-summary.ts merges them into the table of docs/mutation-testing.md.
  jsonReporter: { fileName: `reports/mutation/${process.env.MUTATION_REPORT ?? 'mutation'}.json` },
  htmlReporter: { fileName: `reports/mutation/${process.env.MUTATION_REPORT ?? 'mutation'}.html` },
  // The sandbox needs the sources and the tests only; a build (dist) removed mid-copy made a run fail.
  ignorePatterns: ['dist', 'reports', 'cdk.out', '.local-data', 'coverage', 'bench/results'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 80, break: null },
};
