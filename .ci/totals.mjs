// Prints vitest's JSON reports (one per Node version) as the one line CI reads:
// "N passed, N failed", summed over every report; each report's own line comes first.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

function counts(file) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    console.log(`no test report at ${file}: ${error.message}`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
  // A file that fails to load fails no test but must still count as a failure.
  return {
    passed: report.numPassedTests,
    failed: Math.max(report.numFailedTests, report.numFailedTestSuites ?? 0),
    skipped: report.numPendingTests + report.numTodoTests,
  };
}

const line = ({ passed, failed, skipped }) =>
  `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;

const total = { passed: 0, failed: 0, skipped: 0 };
for (const file of process.argv.slice(2)) {
  const one = counts(file);
  console.log(`${basename(file, '.json')}: ${line(one)}`);
  for (const key of Object.keys(total)) total[key] += one[key];
}
console.log(line(total));
