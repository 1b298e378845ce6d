/**
 * Whole pipelines on this machine, as `npm start` runs them: the ready-made function from
 * functions/, the local pollers, the local services, faults injected in front of the
 * destination, and a read-back of the destination that proves the outcome.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PIPELINE_NAMES, runPipeline, simpleFaults } from '../../local/pipeline/pipeline.js';

const run = promisify(execFile);

/** Quick redelivery: a short function timeout and a visibility timeout just above it. */
const FAST = { timeoutMs: 1_500, visibilityTimeoutSeconds: 2, runTimeoutMs: 45_000 } as const;

describe.each(PIPELINE_NAMES)('%s with injected faults', (pipeline) => {
  it('delivers every record, and the records the function reported failed are handed to it again', async () => {
    // Arrange: 10 % of entries fail, 1 % of calls get a 500 and 1 % a 503, 5 % are throttled; with
    // only two attempts in the function, some records fail there and go back to the event source.
    // CloudWatch takes request faults only (it answers per request): more of them.
    const requestFaultsOnly = /-to-cloudwatch$/.test(pipeline);
    const faults = requestFaultsOnly
      ? simpleFaults({ faultRate: 0.3, throttleRate: 0.4 })
      : simpleFaults({ faultRate: 0.1, throttleRate: 0.05 });

    // Act
    const summary = await runPipeline({
      pipeline,
      records: 2_000,
      faults,
      seed: 11,
      functionEnvironment: { MAX_ATTEMPTS: '2' },
      ...FAST,
    });

    // Assert
    expect(summary).toMatchObject({
      produced: 2_000,
      delivered: 2_000,
      missing: 0,
      deadLettered: 0,
      unexpected: 0,
      timedOut: false,
      ok: true,
    });
    if (!requestFaultsOnly)
      expect(summary.faults.entryThrottle + summary.faults.entryInternal).toBeGreaterThan(100);
    expect(
      summary.faults.throttle + summary.faults.internalError + summary.faults.unavailable,
    ).toBeGreaterThan(0);
    expect(summary.retried).toBeGreaterThan(0);
    // Each record settled once; every hand-over beyond the first is a retry the poller scheduled.
    expect(summary.poller.succeeded).toBe(2_000);
    expect(summary.poller.records).toBe(2_000 + summary.retried);
    if (pipeline.startsWith('sqs-')) {
      // Failed messages came back from the queue with a higher receive count.
      expect(summary.poller.redelivered).toBeGreaterThanOrEqual(summary.retried);
    } else {
      // Records after a failed one are read again: they may arrive twice, never more often than retried.
      expect(summary.duplicates).toBeLessThanOrEqual(summary.retried);
    }
  });
});

describe('records that never get through', () => {
  const everyEntryFails = { entryFailureRate: 1 } as const;

  it('from SQS: end in the dead-letter queue after maxReceiveCount receives, reported as dead-lettered, not missing', async () => {
    // Act
    const summary = await runPipeline({
      pipeline: 'sqs-to-firehose',
      records: 40,
      faults: everyEntryFails,
      maxReceiveCount: 1,
      functionEnvironment: { MAX_ATTEMPTS: '1' },
      ...FAST,
    });

    // Assert
    expect(summary).toMatchObject({ produced: 40, delivered: 0, deadLettered: 40, missing: 0, ok: false });
    expect(summary.poller.records).toBe(40);
  });

  it.each([
    ['Kinesis', 'KinesisBatchInfo', 'kinesis-to-sqs'],
    ['a DynamoDB stream', 'DDBStreamBatchInfo', 'dynamodb-to-kinesis'],
  ] as const)(
    'from %s: are given up after the retry limit and described on the on-failure queue (%s), not missing',
    async (_source, _info, pipeline) => {
      // Act: the read-back takes each record from the range its on-failure record names.
      const summary = await runPipeline({
        pipeline,
        records: 12,
        faults: everyEntryFails,
        maximumRetryAttempts: 0,
        functionEnvironment: { MAX_ATTEMPTS: '1' },
        ...FAST,
      });

      // Assert
      expect(summary).toMatchObject({ produced: 12, delivered: 0, deadLettered: 12, missing: 0, ok: false });
      expect(summary.poller.discarded).toBe(12);
    },
  );
});

describe('npm start (local/pipeline/start.ts)', () => {
  const start = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'local/pipeline/start.ts', ...args], { timeout: 60_000 });

  it('runs a pipeline to a summary with nothing missing and exits 0', async () => {
    // Act
    const { stdout } = await start('--records', '300', '--fault-rate', '0.05');

    // Assert
    expect(stdout).toMatch(/^ {2}produced +300$/m);
    expect(stdout).toMatch(/^ {2}delivered +300 /m);
    expect(stdout).toMatch(/^ {2}missing +0$/m);
    expect(stdout).toContain('OK: all 300 records reached the destination.');
  });

  it('prints its options with --help, and refuses a bad one with exit code 2', async () => {
    // Act
    const help = await start('--help');
    const bad = await start('--pipeline', 'sqs-to-nowhere').then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );

    // Assert
    for (const option of ['--pipeline', '--records', '--fault-rate', '--throttle', '--latency', '--help']) {
      expect(help.stdout).toContain(option);
    }
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--pipeline must be one of sqs-to-kinesis, sqs-to-firehose');
  });
});
