import { describe, expect, it } from 'vitest';
import {
  DestinationConfigurationError,
  type SnsEntry,
  snsDestination,
} from '../../lib/destinations/index.js';
import { publishBatchInput, publishBatchResults } from '../../lib/destinations/sns.js';

const local = { region: 'us-east-1' };
const standardArn = 'arn:aws:sns:us-east-1:123456789012:orders';
const fifoArn = 'arn:aws:sns:us-east-1:123456789012:orders.fifo';

describe('snsDestination', () => {
  it("bounds a message and a batch by the topic's MaximumMessageSize: 256 KiB by default, up to 1 MiB", () => {
    expect(snsDestination({ topicArn: standardArn, ...local }).limits).toEqual({
      maxEntriesPerRequest: 10,
      maxBytesPerRequest: 262_144,
      maxBytesPerEntry: 262_144,
    });
    expect(
      snsDestination({ topicArn: standardArn, maxMessageBytes: 1_048_576, ...local }).limits
        .maxBytesPerRequest,
    ).toBe(1_048_576);
    expect(() => snsDestination({ topicArn: standardArn, maxMessageBytes: 1_048_577, ...local })).toThrow(
      /maxMessageBytes must be an integer from 1024 to 1048576/,
    );
  });

  it('checks its options at creation', () => {
    expect(() => snsDestination({ topicArn: 'orders', ...local })).toThrow(DestinationConfigurationError);
    expect(() =>
      snsDestination({ topicArn: standardArn, contentBasedDeduplication: true, ...local }),
    ).toThrow(/only to FIFO topics/);
  });

  it('counts the message and each attribute name, type and value in UTF-8', () => {
    const destination = snsDestination({ topicArn: standardArn, ...local });
    const entry: SnsEntry = {
      message: 'é',
      messageAttributes: { n: { DataType: 'Number', StringValue: '12' } },
    };
    expect(destination.sizeOf(entry)).toBe(2 + 1 + 6 + 2);
  });

  it.each<[string, string, SnsEntry, RegExp | undefined]>([
    ['an empty message', standardArn, { message: '' }, /non-empty/],
    [
      'a message over the limit',
      standardArn,
      { message: 'x'.repeat(262_145) },
      /262145 bytes .* 262144 bytes/,
    ],
    [
      'a deduplication id on a standard topic',
      standardArn,
      { message: 'm', messageDeduplicationId: 'd' },
      /only to FIFO/,
    ],
    [
      'a FIFO message without a group',
      fifoArn,
      { message: 'm', messageDeduplicationId: 'd' },
      /messageGroupId/,
    ],
    [
      'a FIFO message without a deduplication id',
      fifoArn,
      { message: 'm', messageGroupId: 'g' },
      /deduplicationIdFor/,
    ],
    [
      'a good FIFO message',
      fifoArn,
      { message: 'm', messageGroupId: 'g', messageDeduplicationId: 'r1:0' },
      undefined,
    ],
  ])('judges %s', (_, topicArn, entry, reason) => {
    const destination = snsDestination({ topicArn, ...local });
    const verdict = destination.invalidReason(entry, destination.sizeOf(entry));
    if (reason === undefined) expect(verdict).toBeUndefined();
    else expect(verdict).toMatch(reason);
  });

  it('keeps a FIFO topic’s groups in order and a standard topic in none', () => {
    const entry: SnsEntry = { message: 'm', messageGroupId: 'g' };
    expect(snsDestination({ topicArn: fifoArn, ...local }).orderingKeyOf?.(entry)).toBe('g');
    expect(snsDestination({ topicArn: standardArn, ...local }).orderingKeyOf?.(entry)).toBeUndefined();
  });

  it('numbers the entries by position and maps Failed by Id: SenderFault is poison, throttling is not', () => {
    expect(
      publishBatchInput(standardArn, [{ message: 'a' }, { message: 'b' }]).PublishBatchRequestEntries,
    ).toEqual([
      { Id: '0', Message: 'a' },
      { Id: '1', Message: 'b' },
    ]);
    const results = publishBatchResults(
      {
        $metadata: {},
        Successful: [{ Id: '0', MessageId: 'm0' }],
        Failed: [
          { Id: '1', Code: 'InvalidParameter', SenderFault: true },
          { Id: '2', Code: 'Throttled', SenderFault: true },
          { Id: '3', Code: 'InternalError', SenderFault: false },
        ],
      },
      5,
    );
    expect(results.map((r) => r.status)).toEqual([
      'accepted',
      'fatal',
      'retryable',
      'retryable',
      'retryable',
    ]);
    expect(results[4]).toMatchObject({ code: 'MalformedResponse' });
  });
});
