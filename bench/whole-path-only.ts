/**
 * `npm run bench -- p6 <kinesis|firehose|sqs>`: P6 for one destination, printed and not
 * written, to measure one change to a send path with the same interleaved rounds.
 */
import { useLocalCredentials } from './local-credentials.js';
import { startServiceProcess } from './service-process.js';
import { measureWholePathOf } from './whole-path.js';

const kinds = ['kinesis', 'firehose', 'sqs'] as const;
const kind = kinds.find((k) => k === process.argv[3]);
if (kind === undefined) throw new Error(`usage: npm run bench -- p6 <${kinds.join('|')}>`);
useLocalCredentials();

const service = await startServiceProcess();
try {
  const figures = await measureWholePathOf(kind, service, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
} finally {
  await service.close();
}
