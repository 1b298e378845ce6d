/**
 * `npm run bench -- p7` or `npm run bench -- p8`: one figure of issue 13 alone, printed
 * (progress on stderr, the figures as JSON on stdout) and not written, to measure one change.
 */
import os from 'node:os';
import { useLocalCredentials } from './local-credentials.js';
import { measureOrderedCore } from './ordered-core.js';
import { startServiceProcess } from './service-process.js';
import { measureWallTime } from './wall-time.js';

const progress = (line: string) => process.stderr.write(`${line}\n`);
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
progress(`load average before: ${load()}`);
if (process.argv[2] === 'p8') {
  const result = await measureOrderedCore(progress);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} else {
  useLocalCredentials();
  const service = await startServiceProcess();
  try {
    const result = await measureWallTime(service, progress);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await service.close();
  }
}
progress(`load average after: ${load()}`);
