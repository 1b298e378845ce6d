import { describe, expect, it } from 'vitest';
import { startLocalFirehose } from '../destinations/local-destinations.js';
import { lambdaContext } from '../factories/context.js';
import { dynamoDBEvent, dynamoDBRecord } from '../factories/dynamodb.js';
import { importFunction, useFunctionTestBed } from './function-harness.js';

const bed = useFunctionTestBed(startLocalFirehose, 37);
let streamCount = 0;

async function newDeliveryStream(): Promise<string> {
  const name = `dynamodb-to-firehose-${++streamCount}`;
  await bed.service.createDeliveryStream(name);
  return name;
}

describe('dynamodb-to-firehose', () => {
  it('delivers each change as one JSON line', async () => {
    const stream = await newDeliveryStream();
    const handler = await importFunction('dynamodb-to-firehose', {
      DELIVERY_STREAM_NAME: stream,
      AWS_ENDPOINT_URL_FIREHOSE: bed.proxy.endpoint,
    });
    const insert = dynamoDBRecord({
      keys: { pk: 'a' },
      newImage: { pk: 'a', tags: new Set(['x']), price: 9.99 },
    });
    const remove = dynamoDBRecord({ eventName: 'REMOVE', keys: { pk: 'b' }, oldImage: { pk: 'b' } });

    const response = await handler(dynamoDBEvent([insert, remove]), lambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    const delivered = (await bed.service.readDelivered(stream)).map((data) => data.toString());
    expect(delivered.sort()).toEqual([
      '{"keys":{"pk":"b"},"oldImage":{"pk":"b"}}\n',
      '{"pk":"a","tags":["x"],"price":9.99}\n',
    ]);
  });

  it('fails a change it cannot write as JSON as poison, and drops it under POISON_POLICY=drop', async () => {
    const stream = await newDeliveryStream();
    const handler = await importFunction('dynamodb-to-firehose', {
      DELIVERY_STREAM_NAME: stream,
      AWS_ENDPOINT_URL_FIREHOSE: bed.proxy.endpoint,
      POISON_POLICY: 'drop',
    });
    const broken = dynamoDBRecord({ keys: { pk: 'a' } });
    broken.dynamodb.NewImage = { pk: { S: 'a' }, v: { Q: 'x' } } as never;
    const fine = dynamoDBRecord({ keys: { pk: 'c' } });

    const response = await handler(dynamoDBEvent([broken, fine]), lambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(await bed.service.readDelivered(stream)).toHaveLength(1);
    expect(bed.output.summaries()[0]).toMatchObject({ poison: { policy: 'drop', found: 1, dropped: 1 } });
  });
});
