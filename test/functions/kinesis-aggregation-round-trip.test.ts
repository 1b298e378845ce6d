/**
 * Records the ready-made sqs-to-kinesis function aggregates (KPL_AGGREGATION, with per-shard
 * pacing) must come out whole through this toolkit's own Kinesis source: read back from
 * kinesalite with GetRecords, fed as a Kinesis event to a handler from createSinkHandler,
 * every user record arrives once, with its own partition key.
 */
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { kinesisDestination } from '../../lib/destinations/kinesis.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import { decodeAggregatedRecord } from '../../lib/kpl/index.js';
import type { KinesisUserRecord } from '../../lib/sources/kinesis-deaggregation.js';
import { startLocalKinesis } from '../destinations/local-destinations.js';
import { lambdaContext } from '../factories/context.js';
import { kinesisEvent, kinesisRecord } from '../factories/kinesis.js';
import { sqsEvent, sqsRecord } from '../factories/sqs.js';
import { importFunction, useFunctionTestBed } from './function-harness.js';

const bed = useFunctionTestBed(startLocalKinesis, 17);

/** `count` SQS messages whose JSON bodies carry their partition key in `key`, over `keys` keys. */
function messages(count: number, keys: number): SQSRecord[] {
  return Array.from({ length: count }, (_, index) =>
    sqsRecord({
      body: JSON.stringify({ key: `customer-${index % keys}`, n: index, pad: 'x'.repeat(index % 50) }),
    }),
  );
}

describe('KPL aggregation through the ready-made function and back through our Kinesis source', () => {
  it('delivers every user record once, with its partition key, after aggregating and de-aggregating', async () => {
    // Arrange: the ready-made function aggregates into a stream of 3 shards; a second stream takes the de-aggregated records.
    await bed.service.createStream('aggregated', 3);
    await bed.service.createStream('copied', 2);
    const forward = await importFunction('sqs-to-kinesis', {
      STREAM_NAME: 'aggregated',
      AWS_ENDPOINT_URL_KINESIS: bed.service.endpoint,
      PARTITION_KEY_FIELD: 'key',
      KPL_AGGREGATION: 'true',
      SHARD_RATE_LIMIT: 'retry',
    });
    const sent = messages(400, 37);
    const expected = sent
      .map((message) => ({ body: message.body, partitionKey: JSON.parse(message.body).key as string }))
      .sort((a, b) => a.body.localeCompare(b.body));
    const copy = createSinkHandler<KinesisUserRecord, { data: Uint8Array; partitionKey: string }>({
      destination: kinesisDestination({
        streamName: 'copied',
        endpoint: bed.service.endpoint,
        region: 'us-east-1',
      }),
      convert: (record) => ({
        data: Buffer.from(record.kinesis.data, 'base64'),
        partitionKey: record.kinesis.partitionKey,
      }),
      source: 'kinesis',
    });

    // Act: forward through the function, read the stream back, and feed it to our Kinesis source shard by shard.
    const forwarded = await forward(sqsEvent(sent), lambdaContext(20_000));
    const stored = await bed.service.readStream('aggregated');
    const shardIds = [...new Set(stored.map((record) => record.shardId))];
    const copied = await Promise.all(
      shardIds.map((shardId) =>
        copy(
          kinesisEvent(
            stored
              .filter((record) => record.shardId === shardId)
              .map((record) =>
                kinesisRecord({
                  data: record.data,
                  partitionKey: record.partitionKey,
                  shardId,
                  streamName: 'aggregated',
                }),
              ),
          ),
          lambdaContext(20_000),
        ),
      ),
    );
    const arrived = (await bed.service.readStream('copied'))
      .map((record) => ({ body: record.data.toString('utf8'), partitionKey: record.partitionKey }))
      .sort((a, b) => a.body.localeCompare(b.body));

    // Assert: the first stream holds real aggregates (far fewer Kinesis records than messages,
    // each decoding to user records); the copy holds each message once, with its own key.
    expect(forwarded).toEqual({ batchItemFailures: [] });
    expect(stored.length).toBeLessThan(sent.length / 10);
    expect(stored.every((record) => decodeAggregatedRecord(record.data) !== undefined)).toBe(true);
    expect(copied.every((response) => response.batchItemFailures.length === 0)).toBe(true);
    expect(arrived).toEqual(expected);
  });
});
