/** Amazon DynamoDB as a destination: one `BatchWriteItem` call per batch of puts and deletes. */

import { Buffer } from 'node:buffer';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type BatchWriteItemCommandInput,
  type BatchWriteItemCommandOutput,
  DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall, type marshallOptions, type NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import type { Destination, EntryResult } from '../core/types.js';
import { type DefaultClientOptions, defaultClientConfig } from './default-client.js';
import { DestinationConfigurationError } from './destination-configuration-error.js';
import { dynamoDbItemSize } from './dynamodb-item-size.js';
import {
  DYNAMODB_KEY_TYPES,
  type DynamoDbKeyType,
  KeySchemaKnowledge,
  KeySchemaMismatchError,
  keyTypeOf,
  keyTypeProblem,
} from './dynamodb-key-schema.js';
import { MalformedResponseError } from './malformed-response-error.js';
import { optionalChoiceOption, stringOption } from './option-checks.js';
import { utf8Length } from './utf8.js';
import { classifyWholeRequestError } from './whole-request-errors.js';

export type { NativeAttributeValue } from '@aws-sdk/util-dynamodb';
export type { DynamoDbKeyType } from './dynamodb-key-schema.js';

/** An item or key in plain JavaScript values; marshalled with `@aws-sdk/util-dynamodb`. */
export type DynamoDbItem = Readonly<Record<string, NativeAttributeValue>>;

/** One write: put an item (`{ put: item }`) or delete one by its key (`{ delete: key }`). */
export type DynamoDbEntry = { readonly put: DynamoDbItem } | { readonly delete: DynamoDbItem };

/** Options of {@link dynamoDbDestination}. */
export interface DynamoDbDestinationOptions extends DefaultClientOptions {
  /** The table's name or ARN. */
  readonly tableName: string;
  /** The table's partition key attribute. */
  readonly partitionKey: string;
  /** The table's sort key attribute, if it has one. */
  readonly sortKey?: string;
  /**
   * The partition key's type in the table's key schema (`'S'`, `'N'` or `'B'`). When given
   * (with `sortKeyType` for a sort key), an item whose key has another type fails alone before
   * any request, and DynamoDB refusing a key means these options are wrong: sending stops.
   * When omitted, a key DynamoDB refuses for an item alone stops sending as well.
   */
  readonly partitionKeyType?: DynamoDbKeyType;
  /** The sort key's type in the table's key schema; see `partitionKeyType`. */
  readonly sortKeyType?: DynamoDbKeyType;
  /** Your own client; when omitted the destination creates one (see {@link DefaultClientOptions}). */
  readonly client?: DynamoDBClient;
  /** How items are marshalled. Default: undefined values removed, class instances refused. */
  readonly marshallOptions?: marshallOptions;
}

/** A DynamoDB destination, with the client it sends through. */
export interface DynamoDbDestination extends Destination<DynamoDbEntry> {
  readonly client: DynamoDBClient;
}

/** `BatchWriteItem` limits from the DynamoDB API reference and developer guide (see README.md). */
export const DYNAMODB_LIMITS = {
  maxEntriesPerRequest: 25,
  maxBytesPerRequest: 16 * 1024 * 1024,
  /** 400 KB, counted by DynamoDB as 409,600 bytes. */
  maxBytesPerEntry: 400 * 1024,
  maxPartitionKeyBytes: 2048,
  maxSortKeyBytes: 1024,
} as const;

/**
 * Whole-request errors that name no entry: a `ValidationException` (one item too big or
 * malformed, one key twice), a full item collection, or a body over 16 MB (HTTP 413; our
 * packing counts item sizes, and the JSON on the wire may be larger). The core bisects them.
 */
const BISECT_CODES: ReadonlySet<string> = new Set([
  'ValidationException',
  'ItemCollectionSizeLimitExceededException',
  '413',
]);
/** Documented as retryable in `BatchWriteItem`'s Errors, and on none of the shared lists. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['ReplicatedWriteConflictException']);

const TABLE =
  /^([a-zA-Z0-9_.-]{3,255}|arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[a-zA-Z0-9_.-]{3,255})$/;
const ATTRIBUTE = /^.{1,255}$/su;

/** An entry marshalled once, with what the checks and the response mapping need. */
interface PreparedWrite {
  readonly request: WriteRequest;
  readonly size: number;
  /** The item's key, as a string: the ordering key, and how unprocessed items are matched. */
  readonly key: string;
  /** The key attributes' types, e.g. `'SN'`: what DynamoDB's key schema is checked against. */
  readonly keyTypes: string;
  readonly problem?: string;
}

/** The DynamoDB writer of one table: marshals, measures and checks entries, and maps responses. */
class TableWriter {
  /** Marshalled once per entry, in `sizeOf`; reused by the checks and the request. */
  private readonly prepared = new WeakMap<DynamoDbEntry, PreparedWrite>();

  constructor(
    private readonly tableName: string,
    private readonly keyAttributes: readonly string[],
    private readonly marshalling: marshallOptions,
    /** Each key attribute's declared type, in the order of `keyAttributes`. */
    private readonly keyTypes: readonly (DynamoDbKeyType | undefined)[],
  ) {}

  prepare(entry: DynamoDbEntry): PreparedWrite {
    const known = this.prepared.get(entry);
    if (known !== undefined) return known;
    const write = this.marshalled(entry);
    this.prepared.set(entry, write);
    return write;
  }

  private marshalled(entry: DynamoDbEntry): PreparedWrite {
    const isPut = 'put' in entry;
    const native = isPut ? entry.put : (entry as { delete: DynamoDbItem }).delete;
    if (typeof native !== 'object' || native === null) {
      return {
        request: {},
        size: 0,
        key: '',
        keyTypes: '',
        problem: 'an entry must be { put: item } or { delete: key }',
      };
    }
    const item = marshall(native, this.marshalling) as Record<string, AttributeValue>;
    const measured = dynamoDbItemSize(item);
    const size = typeof measured === 'number' ? measured : 0;
    const keyProblem = this.keyProblem(item, isPut);
    const request: WriteRequest = isPut ? { PutRequest: { Item: item } } : { DeleteRequest: { Key: item } };
    const problem = typeof measured === 'string' ? measured : keyProblem;
    const keyTypes = this.keyAttributes.map((name) => keyTypeOf(item[name]) ?? '').join('');
    return { request, size, key: keyProblem === undefined ? this.keyOf(item) : '', keyTypes, problem };
  }

  private keyProblem(item: Record<string, AttributeValue>, isPut: boolean): string | undefined {
    for (const [index, name] of this.keyAttributes.entries()) {
      const value = item[name];
      const type = keyTypeOf(value);
      if (type === undefined) return `key attribute ${name} must be a string, number or binary`;
      const typeProblem = keyTypeProblem(name, type, this.keyTypes[index]);
      if (typeProblem !== undefined) return typeProblem;
      if (type === 'N') continue;
      const bytes = value?.S !== undefined ? utf8Length(value.S) : (value?.B?.byteLength ?? 0);
      const max = index === 0 ? DYNAMODB_LIMITS.maxPartitionKeyBytes : DYNAMODB_LIMITS.maxSortKeyBytes;
      if (bytes === 0 || bytes > max)
        return `key attribute ${name} must have 1 to ${max} bytes; it has ${bytes}`;
    }
    if (!isPut && Object.keys(item).length !== this.keyAttributes.length) {
      return `a delete takes only the key attributes (${this.keyAttributes.join(', ')})`;
    }
    return undefined;
  }

  private keyOf(item: Record<string, AttributeValue>): string {
    return this.keyAttributes
      .map((name) => {
        const { S, N, B } = item[name];
        return S !== undefined
          ? `S${S}`
          : N !== undefined
            ? `N${N}`
            : `B${Buffer.from(B ?? []).toString('base64')}`;
      })
      .join('\u0000');
  }

  input(entries: readonly DynamoDbEntry[]): BatchWriteItemCommandInput {
    return { RequestItems: { [this.tableName]: entries.map((entry) => this.prepare(entry).request) } };
  }

  /** Every entry is accepted except those DynamoDB hands back as `UnprocessedItems`, matched by key. */
  results(output: BatchWriteItemCommandOutput, entries: readonly DynamoDbEntry[]): EntryResult[] {
    const results: EntryResult[] = entries.map(() => ({ status: 'accepted' }));
    const unprocessed = output.UnprocessedItems?.[this.tableName] ?? [];
    if (unprocessed.length === 0) return results;
    const positions = new Map(entries.map((entry, index) => [this.prepare(entry).key, index]));
    for (const write of unprocessed) {
      const item = write.PutRequest?.Item ?? write.DeleteRequest?.Key;
      const index = item === undefined ? undefined : positions.get(this.keyOf(item));
      if (index === undefined)
        throw new MalformedResponseError('UnprocessedItems holds an item that was not sent');
      // Unprocessed items are DynamoDB's way of saying "throughput exceeded": retry, and slow down.
      results[index] = {
        status: 'retryable',
        code: 'UnprocessedItems',
        message: 'DynamoDB did not process the item',
        throttled: true,
      };
    }
    return results;
  }
}

/** The key attributes' names and declared types from the options, checked. */
function tableKeyOptions(options: DynamoDbDestinationOptions) {
  const partitionKey = stringOption(
    'partitionKey',
    options.partitionKey,
    ATTRIBUTE,
    'the name of the table’s partition key attribute',
  );
  const sortKey =
    options.sortKey === undefined
      ? undefined
      : stringOption('sortKey', options.sortKey, ATTRIBUTE, 'the name of the table’s sort key attribute');
  if (sortKey === partitionKey) {
    throw new DestinationConfigurationError('sortKey', 'sortKey must differ from partitionKey');
  }
  const partitionKeyType = optionalChoiceOption(
    'partitionKeyType',
    options.partitionKeyType,
    DYNAMODB_KEY_TYPES,
  );
  const sortKeyType = optionalChoiceOption('sortKeyType', options.sortKeyType, DYNAMODB_KEY_TYPES);
  if (sortKeyType !== undefined && sortKey === undefined) {
    throw new DestinationConfigurationError('sortKeyType', 'sortKeyType needs sortKey');
  }
  return sortKey === undefined
    ? { names: [partitionKey], types: [partitionKeyType] }
    : { names: [partitionKey, sortKey], types: [partitionKeyType, sortKeyType] };
}

/** A DynamoDB destination (`BatchWriteItem`); checks its options at creation. */
export function dynamoDbDestination(options: DynamoDbDestinationOptions): DynamoDbDestination {
  const tableName = stringOption(
    'tableName',
    options.tableName,
    TABLE,
    "a table name (3 to 255 of [a-zA-Z0-9_.-]) or a table's ARN",
  );
  const keys = tableKeyOptions(options);
  const marshalling = { removeUndefinedValues: true, ...options.marshallOptions };
  const writer = new TableWriter(tableName, keys.names, marshalling, keys.types);
  const keySchema = new KeySchemaKnowledge(keys.names, keys.types);
  const client = options.client ?? new DynamoDBClient(defaultClientConfig('DYNAMODB', options));

  return {
    name: `dynamodb:${tableName}`,
    client,
    limits: {
      maxEntriesPerRequest: DYNAMODB_LIMITS.maxEntriesPerRequest,
      maxBytesPerRequest: DYNAMODB_LIMITS.maxBytesPerRequest,
      maxBytesPerEntry: DYNAMODB_LIMITS.maxBytesPerEntry,
    },
    sizeOf: (entry) => writer.prepare(entry).size,
    invalidReason(entry, size) {
      const { problem } = writer.prepare(entry);
      if (problem !== undefined) return problem;
      const measured = size ?? writer.prepare(entry).size;
      return measured > DYNAMODB_LIMITS.maxBytesPerEntry
        ? `item is ${measured} bytes as DynamoDB counts it, over the item size limit of ${DYNAMODB_LIMITS.maxBytesPerEntry} bytes (400 KB)`
        : undefined;
    },
    async send(entries, signal) {
      const keyTypes = entries.map((entry) => writer.prepare(entry).keyTypes);
      const output = await client
        .send(new BatchWriteItemCommand(writer.input(entries)), { abortSignal: signal })
        .catch((error: unknown) => {
          throw keySchema.refusal(error, keyTypes) ?? error;
        });
      keySchema.learn(keyTypes);
      return writer.results(output, entries);
    },
    classifyError: (error) =>
      error instanceof KeySchemaMismatchError
        ? { kind: 'fatal', code: error.name, message: error.message }
        : classifyWholeRequestError(error, { bisect: BISECT_CODES, retryable: RETRYABLE_CODES }),
    // BatchWriteItem refuses a request that holds one key twice: the core keeps keys apart.
    orderingKeyOf: (entry) => writer.prepare(entry).key,
    distinctKeysPerRequest: true,
  };
}
