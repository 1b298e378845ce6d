import { defineConfig } from 'vitest/config';

/**
 * The tests StrykerJS runs against each mutant (`npm run mutate`): the unit and property tests
 * of the core and the handler, in-process only. Property tests run fewer cases here
 * (PROPERTY_RUNS), since each surviving mutant runs them whole.
 */
export default defineConfig({
  test: {
    include: ['test/core/**/*.test.ts', 'test/handler/**/*.test.ts'],
    testTimeout: 60_000,
    env: { PROPERTY_RUNS: '20', SINK_RANDOM_CASES: '150' },
  },
});
