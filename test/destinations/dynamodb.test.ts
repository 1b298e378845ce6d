import { marshall, NumberValueImpl, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AsyncSink, FailureCode, type SinkRecord } from '../../lib/core/index.js';
import { dynamoDbItemSize, numberSize } from '../../lib/destinations/dynamodb-item-size.js';
import {
  DestinationConfigurationError,
  DYNAMODB_LIMITS,
  type DynamoDbEntry,
  dynamoDbDestination,
} from '../../lib/destinations/index.js';
import {
  createDynamoDbClient,
  createDynamoDbTable,
  type DynamoDbServer,
  LOCAL_AWS,
  scanTable,
  startDynamoDbServer,
} from '../../local/index.js';
import { LOCAL_ENV } from './destination-cases.js';

const local = { region: LOCAL_AWS.region, client: undefined };

describe('DynamoDB item size, as DynamoDB counts it', () => {
  it.each([
    ['0', 1],
    ['1', 2],
    ['-1', 3],
    ['12', 2],
    ['120', 3],
    ['123', 3],
    ['1234', 3],
    ['12.34', 3],
    ['0.012', 3],
    ['0.001', 2],
    ['1.5e10', 3],
    ['00012300', 3],
  ])('number %s is %i bytes', (text, size) => {
    expect(numberSize(text)).toBe(size);
  });

  it('refuses numbers DynamoDB cannot store, naming the rule', () => {
    expect(numberSize('1'.repeat(39))).toMatch(/39 significant digits; DynamoDB allows 38/);
    expect(numberSize('1e126')).toMatch(/outside DynamoDB's range/);
    expect(numberSize('1e-131')).toMatch(/outside DynamoDB's range/);
    expect(numberSize('abc')).toMatch(/not a number/);
  });

  it('counts names and strings in UTF-8, binary raw, lists and maps with 3 bytes plus 1 per element', () => {
    const item = marshall({
      pk: 'é', // 2 + 2
      bin: new Uint8Array(10), // 3 + 10
      flag: true, // 4 + 1
      none: null, // 4 + 1
      list: ['a', 1], // 4 + 3 + (1 + 1) + (1 + 2)
      map: { k: 'v' }, // 3 + 3 + (1 + 1 + 1)
      set: new Set(['ab', 'c']), // 3 + 3
    });
    expect(dynamoDbItemSize(item)).toBe(4 + 13 + 5 + 5 + 12 + 9 + 6);
  });
});

describe('dynamoDbDestination', () => {
  const destination = dynamoDbDestination({
    tableName: 'orders',
    partitionKey: 'pk',
    sortKey: 'sk',
    ...local,
  });

  it('checks its options at creation, naming the option', () => {
    expect(() => dynamoDbDestination({ tableName: 'x', partitionKey: 'pk', ...local })).toThrow(
      DestinationConfigurationError,
    );
    expect(() => dynamoDbDestination({ tableName: 'orders', partitionKey: '', ...local })).toThrow(
      /partitionKey/,
    );
    expect(() =>
      dynamoDbDestination({ tableName: 'orders', partitionKey: 'a', sortKey: 'a', ...local }),
    ).toThrow(/sortKey must differ/);
    expect(() =>
      dynamoDbDestination({
        tableName: 'orders',
        partitionKey: 'pk',
        partitionKeyType: 'X' as 'S',
        ...local,
      }),
    ).toThrow(/partitionKeyType/);
    expect(() =>
      dynamoDbDestination({ tableName: 'orders', partitionKey: 'pk', sortKeyType: 'N', ...local }),
    ).toThrow(/sortKeyType needs sortKey/);
  });

  it('takes 25 items and 400 KB per item, as BatchWriteItem allows', () => {
    expect(destination.limits).toEqual({
      maxEntriesPerRequest: 25,
      maxBytesPerRequest: 16 * 1024 * 1024,
      maxBytesPerEntry: 409_600,
    });
    expect(destination.distinctKeysPerRequest).toBe(true);
  });

  it.each<[string, DynamoDbEntry, RegExp]>([
    ['a missing sort key', { put: { pk: 'a' } }, /key attribute sk must be a string, number or binary/],
    ['an empty partition key', { put: { pk: '', sk: 'b' } }, /key attribute pk must have 1 to 2048 bytes/],
    [
      'a sort key over 1,024 bytes',
      { put: { pk: 'a', sk: 'x'.repeat(1025) } },
      /sk must have 1 to 1024 bytes/,
    ],
    [
      'a delete with more than the key',
      { delete: { pk: 'a', sk: 'b', other: 1 } },
      /only the key attributes/,
    ],
    [
      'a number DynamoDB cannot store',
      { put: { pk: 'a', sk: 'b', n: NumberValueImpl.from('1e200') } },
      /outside DynamoDB's range/,
    ],
  ])('refuses %s before any request', (_, entry, reason) => {
    expect(destination.invalidReason(entry, destination.sizeOf(entry))).toMatch(reason);
  });

  it('refuses an item over 400 KB as DynamoDB counts it, and takes one exactly at the limit', () => {
    const fill = (bytes: number): DynamoDbEntry => ({ put: { pk: 'a', sk: 'b', d: 'x'.repeat(bytes) } });
    const overhead = destination.sizeOf(fill(0));
    const atLimit = fill(DYNAMODB_LIMITS.maxBytesPerEntry - overhead);
    const over = fill(DYNAMODB_LIMITS.maxBytesPerEntry - overhead + 1);
    expect(destination.invalidReason(atLimit, destination.sizeOf(atLimit))).toBeUndefined();
    expect(destination.invalidReason(over, destination.sizeOf(over))).toMatch(
      /409601 bytes .* limit of 409600/,
    );
  });

  it('keys entries by their key attributes, so one request never holds one key twice', () => {
    expect(destination.orderingKeyOf?.({ put: { pk: 'a', sk: 'b', x: 1 } })).toBe(
      destination.orderingKeyOf?.({ delete: { pk: 'a', sk: 'b' } }),
    );
    expect(destination.orderingKeyOf?.({ put: { pk: 'a', sk: 'c' } })).not.toBe(
      destination.orderingKeyOf?.({ put: { pk: 'a', sk: 'b' } }),
    );
  });

  it('bisects on ValidationException and a 413, retries ReplicatedWriteConflictException', () => {
    const serviceError = (name: string, status: number) =>
      Object.assign(new Error(name), { name, $fault: 'client', $metadata: { httpStatusCode: status } });
    expect(destination.classifyError(serviceError('ValidationException', 400)).kind).toBe('bisect');
    expect(destination.classifyError(serviceError('UnknownError', 413)).kind).toBe('bisect');
    expect(destination.classifyError(serviceError('ReplicatedWriteConflictException', 400)).kind).toBe(
      'retryable',
    );
    expect(destination.classifyError(serviceError('ResourceNotFoundException', 400)).kind).toBe('fatal');
  });
});

describe('DynamoDB destination against dynalite', () => {
  let server: DynamoDbServer;
  let direct: ReturnType<typeof createDynamoDbClient>;
  let tables = 0;

  beforeAll(async () => {
    for (const [name, value] of Object.entries(LOCAL_ENV)) vi.stubEnv(name, value);
    server = await startDynamoDbServer();
    direct = createDynamoDbClient(server.endpoint, { maxAttempts: 1 });
  });
  afterAll(async () => {
    direct.destroy();
    await server.close();
    vi.unstubAllEnvs();
  });

  async function freshTable() {
    const tableName = `table-${++tables}`;
    await createDynamoDbTable(direct, tableName, 'pk', 'sk');
    const destination = dynamoDbDestination({
      tableName,
      partitionKey: 'pk',
      sortKey: 'sk',
      region: LOCAL_AWS.region,
      endpoint: server.endpoint,
    });
    return { tableName, destination };
  }

  const itemFor = (id: string, index: number) => ({
    pk: id,
    sk: `#${index}`,
    text: `${id}/é/😀`,
    bytes: new Uint8Array([0xff, 0x00, index]),
    n: index * 1.5,
    nested: { list: [1, 'two', null, true] },
  });

  it('stores every item byte for byte and reports every record done', async () => {
    // Arrange
    const { tableName, destination } = await freshTable();
    const records: SinkRecord<DynamoDbEntry>[] = Array.from({ length: 120 }, (_, i) => ({
      id: `r${i}`,
      entries: Array.from({ length: 1 + (i % 3) }, (_, j) => ({ put: itemFor(`r${i}`, j) })),
    }));

    // Act
    const result = await new AsyncSink(destination, { maxInFlightRequests: 4 }).run(records);

    // Assert
    expect(result.outcomes.filter((o) => o.status !== 'done')).toEqual([]);
    const stored = (await scanTable(direct, tableName)).map((item) => unmarshall(item));
    const sent = records.flatMap((r) => r.entries.map((e) => ('put' in e ? e.put : {})));
    const byKey = (item: Record<string, unknown>) => `${item.pk}|${item.sk}`;
    expect(stored.sort((a, b) => byKey(a).localeCompare(byKey(b)))).toEqual(
      sent.sort((a, b) => byKey(a).localeCompare(byKey(b))),
    );
    destination.client.destroy();
  });

  it('writes one key several times in order, never twice in one request, the last write winning', async () => {
    // Arrange
    const { tableName, destination } = await freshTable();
    const records: SinkRecord<DynamoDbEntry>[] = Array.from({ length: 30 }, (_, i) => ({
      id: `w${i}`,
      entries: [
        i % 10 === 9 ? { delete: { pk: `k${i % 3}`, sk: 's' } } : { put: { pk: `k${i % 3}`, sk: 's', v: i } },
      ],
    }));

    // Act
    const result = await new AsyncSink(destination).run(records);

    // Assert
    expect(result.outcomes.filter((o) => o.status !== 'done')).toEqual([]);
    const stored = (await scanTable(direct, tableName)).map((item) => unmarshall(item));
    expect(stored.sort((a, b) => String(a.pk).localeCompare(String(b.pk)))).toEqual([
      { pk: 'k0', sk: 's', v: 27 },
      { pk: 'k1', sk: 's', v: 28 },
    ]);
    destination.client.destroy();
  });

  it('isolates the one item dynalite refuses among 25 within 2·⌈log₂ 25⌉ extra requests and stores the other 24', async () => {
    // Arrange: a number where the table's key is a string passes our checks; DynamoDB refuses the whole request.
    const { tableName, destination } = await freshTable();
    let requests = 0;
    const counting = {
      ...destination,
      send: (entries: readonly DynamoDbEntry[], signal: AbortSignal) => {
        requests++;
        return destination.send(entries, signal);
      },
    };
    const records: SinkRecord<DynamoDbEntry>[] = Array.from({ length: 25 }, (_, i) => ({
      id: `b${i}`,
      entries: [{ put: { pk: `b${i}`, sk: i === 11 ? 11 : 's', v: i } }],
    }));

    // Act
    const result = await new AsyncSink(counting).run(records);

    // Assert
    expect(requests - 1).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(25)));
    expect(result.outcomes.filter((o) => o.status === 'failed')).toEqual([
      {
        id: 'b11',
        status: 'failed',
        code: 'ValidationException',
        reason: expect.stringMatching(
          /^dynamodb:table-\d+ rejected entry: ValidationException: .*does not match the schema/,
        ),
      },
    ]);
    const stored = (await scanTable(direct, tableName)).map((item) => item.pk.S).sort();
    expect(stored).toEqual(
      records
        .filter((r) => r.id !== 'b11')
        .map((r) => r.id)
        .sort(),
    );
    destination.client.destroy();
  });

  /** The destination with each call to `send` counted. */
  function counted(destination: ReturnType<typeof dynamoDbDestination>) {
    const calls = { requests: 0 };
    const counting = {
      ...destination,
      send: (entries: readonly DynamoDbEntry[], signal: AbortSignal) => {
        calls.requests++;
        return destination.send(entries, signal);
      },
    };
    return { counting, calls };
  }

  /** A fresh table (pk and sk strings) and a destination declaring pk a string and sk of `sortKeyType`. */
  async function withDeclaredKeyTypes(sortKeyType: 'S' | 'N') {
    const { tableName } = await freshTable();
    const destination = dynamoDbDestination({
      tableName,
      partitionKey: 'pk',
      sortKey: 'sk',
      partitionKeyType: 'S',
      sortKeyType,
      region: LOCAL_AWS.region,
      endpoint: server.endpoint,
    });
    return { tableName, destination, ...counted(destination) };
  }

  it('stops sending when every item has a key of another type than the table: a configuration error, no item poison', async () => {
    // Arrange: the table's sort key is a string; every item's is a number.
    const { tableName, destination } = await freshTable();
    const { counting, calls } = counted(destination);
    const records: SinkRecord<DynamoDbEntry>[] = Array.from({ length: 25 }, (_, i) => ({
      id: `t${i}`,
      entries: [{ put: { pk: `t${i}`, sk: i } }],
    }));

    // Act
    const result = await new AsyncSink(counting).run(records);

    // Assert: bisecting found an item refused alone with no key type ever taken: fatal, not poison.
    expect(result.stats.fatalError).toMatch(
      /^KeySchemaMismatch: DynamoDB refuses the key \(.*does not match the schema\), although it has the destination's key attributes \(partitionKey pk, sortKey sk\)/,
    );
    expect(result.outcomes.map((o) => o.status === 'failed' && o.code)).toEqual(
      records.map(() => FailureCode.SendingStopped),
    );
    // Sending stopped at the first item refused alone, long before each item had been tried alone.
    expect(calls.requests).toBeLessThan(records.length);
    expect(await scanTable(direct, tableName)).toEqual([]);
    destination.client.destroy();
  });

  it('with the key types declared, fails an item of another key type alone before any request and stores the others', async () => {
    // Arrange
    const { tableName, destination, counting, calls } = await withDeclaredKeyTypes('S');
    const records: SinkRecord<DynamoDbEntry>[] = Array.from({ length: 25 }, (_, i) => ({
      id: `d${i}`,
      entries: [{ put: { pk: `d${i}`, sk: i === 7 ? 7 : 's' } }],
    }));

    // Act
    const result = await new AsyncSink(counting).run(records);

    // Assert
    expect(result.outcomes.filter((o) => o.status === 'failed')).toEqual([
      {
        id: 'd7',
        status: 'failed',
        code: FailureCode.InvalidEntry,
        reason: "key attribute sk must be a string, as in the table's key schema; it is a number",
      },
    ]);
    expect(calls.requests).toBe(1);
    expect((await scanTable(direct, tableName)).length).toBe(24);
    destination.client.destroy();
  });

  it('with declared key types the table does not have, stops sending at the first refusal', async () => {
    // Arrange: the table's sort key is a string; the options say number.
    const { destination, counting, calls } = await withDeclaredKeyTypes('N');
    const records: SinkRecord<DynamoDbEntry>[] = Array.from({ length: 20 }, (_, i) => ({
      id: `n${i}`,
      entries: [{ put: { pk: `n${i}`, sk: i } }],
    }));

    // Act
    const result = await new AsyncSink(counting).run(records);

    // Assert
    expect(result.stats.fatalError).toMatch(/^KeySchemaMismatch: /);
    expect(calls.requests).toBe(1);
    expect(result.outcomes.every((o) => o.status === 'failed' && o.code === FailureCode.SendingStopped)).toBe(
      true,
    );
    destination.client.destroy();
  });

  it('fails an over-limit item before any request', async () => {
    const { tableName, destination } = await freshTable();
    let requests = 0;
    const counting = {
      ...destination,
      send: (entries: readonly DynamoDbEntry[], signal: AbortSignal) => {
        requests++;
        return destination.send(entries, signal);
      },
    };

    const result = await new AsyncSink(counting).run([
      {
        id: 'big',
        entries: [{ put: { pk: 'a', sk: 'b', d: 'x'.repeat(DYNAMODB_LIMITS.maxBytesPerEntry) } }],
      },
    ]);

    expect(result.outcomes).toEqual([
      {
        id: 'big',
        status: 'failed',
        code: FailureCode.InvalidEntry,
        reason: expect.stringMatching(/400 KB/),
      },
    ]);
    expect(requests).toBe(0);
    expect(await scanTable(direct, tableName)).toEqual([]);
    destination.client.destroy();
  });
});
