/**
 * A local Amazon Data Firehose endpoint (AWS JSON 1.1) that delivers to files the way
 * Firehose delivers to S3, with the limits the real PutRecord / PutRecordBatch enforce.
 */
import { randomBytes } from 'node:crypto';
import { FirehoseDeliveries, type StreamState } from './firehose-delivery.js';
import {
  type JsonOperations,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  ServiceError,
  startJsonService,
} from './json-service.js';

/** The limits the real PutRecord / PutRecordBatch enforce (Firehose API reference). */
export const FIREHOSE_LIMITS = {
  maxRecordsPerBatch: 500,
  maxRecordBytes: 1_024_000,
  maxBatchBytes: 4 * 1024 * 1024,
  maxStreamNameLength: 64,
} as const;

/** Options of {@link startFirehoseServer}. */
export interface FirehoseServerOptions {
  /** Directory that plays the S3 bucket: records land in `<dir>/<stream>/YYYY/MM/DD/HH/<file>`. */
  readonly dir: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Buffered bytes per stream that trigger a delivery (Firehose's S3 buffering hint); 5 MiB by default. */
  readonly bufferSizeBytes?: number;
  /** Milliseconds after the first buffered record that trigger a delivery; 1000 by default. */
  readonly bufferIntervalMs?: number;
}

/** A running local Firehose endpoint. */
export interface FirehoseServer {
  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  readonly endpoint: string;
  /** Delivers every buffered record to files now. */
  flush(): Promise<void>;
  /** Each delivered record's bytes, in delivery order; flushes the stream first unless `flush` is false. */
  readDelivered(stream: string, options?: { readonly flush?: boolean }): Promise<Buffer[]>;
  /** Number of records delivered to files so far (no flush, no file reads: cheap for large runs). */
  deliveredCount(stream: string): number;
  /** Paths of the files delivered for a stream, oldest first. */
  deliveredFiles(stream: string): string[];
  /** Delivers what is buffered, then stops the server. */
  close(): Promise<void>;
}

const ACCOUNT = LOCAL_ACCOUNT;
const REGION = LOCAL_REGION;
const STREAM_NAME = /^[a-zA-Z0-9_.-]+$/;
// Base64 of a 4 MiB batch plus JSON framing stays well below this; anything larger is not a valid request.
const MAX_BODY_BYTES = 8 * 1024 * 1024;

type Json = Record<string, unknown>;

function validationError(message: string): ServiceError {
  return new ServiceError('ValidationException', `1 validation error detected: ${message}`);
}

function streamName(input: Json): string {
  const name = input.DeliveryStreamName;
  if (typeof name !== 'string' || name.length === 0) {
    throw validationError(
      "Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null",
    );
  }
  if (name.length > FIREHOSE_LIMITS.maxStreamNameLength || !STREAM_NAME.test(name)) {
    throw validationError(
      `Value '${name}' at 'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length less than or equal to 64`,
    );
  }
  return name;
}

function decodeData(record: unknown, at: string): Buffer {
  const data = (record as Json | null)?.Data;
  if (typeof data !== 'string') {
    throw validationError(`Value null at '${at}.data' failed to satisfy constraint: Member must not be null`);
  }
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length > FIREHOSE_LIMITS.maxRecordBytes) {
    throw validationError(
      `Value 'java.nio.HeapByteBuffer[pos=0 lim=${bytes.length} cap=${bytes.length}]' at '${at}.data' failed to satisfy constraint: Member must have length less than or equal to ${FIREHOSE_LIMITS.maxRecordBytes}`,
    );
  }
  return bytes;
}

/** The record ids Firehose answers: long, unique, in order. */
function recordIds(): () => string {
  const prefix = randomBytes(24).toString('hex');
  let counter = 0;
  return () => {
    counter += 1;
    return `${prefix}${counter.toString(16).padStart(16, '0')}`;
  };
}

function existing(deliveries: FirehoseDeliveries, input: Json): StreamState {
  const name = streamName(input);
  const stream = deliveries.streams.get(name);
  if (!stream) {
    throw new ServiceError(
      'ResourceNotFoundException',
      `Firehose ${name} under account ${ACCOUNT} not found.`,
    );
  }
  return stream;
}

function createStream(deliveries: FirehoseDeliveries, input: Json): Json {
  const name = streamName(input);
  if (deliveries.streams.has(name)) {
    throw new ServiceError(
      'ResourceInUseException',
      `Firehose ${name} under accountId ${ACCOUNT} already exists`,
    );
  }
  const arn = `arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/${name}`;
  const type = typeof input.DeliveryStreamType === 'string' ? input.DeliveryStreamType : 'DirectPut';
  deliveries.streams.set(name, {
    name,
    arn,
    type,
    createdAt: Date.now() / 1000,
    pending: [],
    pendingBytes: 0,
    timer: undefined,
  });
  deliveries.delivery(name);
  return { DeliveryStreamARN: arn };
}

function describeStream(deliveries: FirehoseDeliveries, input: Json): Json {
  const stream = existing(deliveries, input);
  const { bufferSizeBytes, bufferIntervalMs } = deliveries.buffering;
  return {
    DeliveryStreamDescription: {
      DeliveryStreamName: stream.name,
      DeliveryStreamARN: stream.arn,
      DeliveryStreamStatus: 'ACTIVE',
      DeliveryStreamType: stream.type,
      DeliveryStreamEncryptionConfiguration: { Status: 'DISABLED' },
      VersionId: '1',
      CreateTimestamp: stream.createdAt,
      Destinations: [
        {
          DestinationId: 'destinationId-000000000001',
          S3DestinationDescription: {
            RoleARN: `arn:aws:iam::${ACCOUNT}:role/local-firehose`,
            BucketARN: 'arn:aws:s3:::local-firehose',
            BufferingHints: {
              SizeInMBs: Math.max(1, Math.round(bufferSizeBytes / (1024 * 1024))),
              IntervalInSeconds: Math.max(0, Math.round(bufferIntervalMs / 1000)),
            },
            CompressionFormat: 'UNCOMPRESSED',
            EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
          },
        },
      ],
      HasMoreDestinations: false,
    },
  };
}

function listStreams(deliveries: FirehoseDeliveries, input: Json): Json {
  const limit = typeof input.Limit === 'number' ? input.Limit : 10;
  const after =
    typeof input.ExclusiveStartDeliveryStreamName === 'string' ? input.ExclusiveStartDeliveryStreamName : '';
  const names = [...deliveries.streams.keys()].sort().filter((n) => n > after);
  return { DeliveryStreamNames: names.slice(0, limit), HasMoreDeliveryStreams: names.length > limit };
}

/** The records of a PutRecordBatch, decoded and checked against the batch limits. */
function batchRecords(input: Json): Buffer[] {
  const records = input.Records;
  if (!Array.isArray(records)) {
    throw validationError("Value null at 'records' failed to satisfy constraint: Member must not be null");
  }
  if (records.length < 1 || records.length > FIREHOSE_LIMITS.maxRecordsPerBatch) {
    throw validationError(
      `Value '[...]' at 'records' failed to satisfy constraint: Member must have length ${records.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${FIREHOSE_LIMITS.maxRecordsPerBatch}`}`,
    );
  }
  const decoded = records.map((r, i) => decodeData(r, `records.${i + 1}.member`));
  const total = decoded.reduce((sum, b) => sum + b.length, 0);
  if (total > FIREHOSE_LIMITS.maxBatchBytes) {
    throw new ServiceError('InvalidArgumentException', 'Records size exceeds 4 MB limit');
  }
  return decoded;
}

/** The operations the endpoint answers. */
function firehoseOperations(deliveries: FirehoseDeliveries): JsonOperations {
  const nextRecordId = recordIds();
  return {
    CreateDeliveryStream: (input) => createStream(deliveries, input),
    DescribeDeliveryStream: (input) => describeStream(deliveries, input),
    ListDeliveryStreams: (input) => listStreams(deliveries, input),
    async DeleteDeliveryStream(input) {
      const stream = existing(deliveries, input);
      deliveries.streams.delete(stream.name);
      await deliveries.deliver(stream);
      return {};
    },
    PutRecord(input) {
      deliveries.accept(existing(deliveries, input), [decodeData(input.Record, 'record')]);
      return { RecordId: nextRecordId(), Encrypted: false };
    },
    PutRecordBatch(input) {
      const stream = existing(deliveries, input);
      const decoded = batchRecords(input);
      deliveries.accept(stream, decoded);
      return {
        FailedPutCount: 0,
        Encrypted: false,
        RequestResponses: decoded.map(() => ({ RecordId: nextRecordId() })),
      };
    },
  };
}

/** Starts a local Amazon Data Firehose endpoint (AWS JSON 1.1) that delivers to files the way Firehose delivers to S3. */
export async function startFirehoseServer(options: FirehoseServerOptions): Promise<FirehoseServer> {
  const deliveries = new FirehoseDeliveries({
    dir: options.dir,
    bufferSizeBytes: options.bufferSizeBytes ?? 5 * 1024 * 1024,
    bufferIntervalMs: options.bufferIntervalMs ?? 1000,
  });
  const service = await startJsonService({
    targetPrefix: 'Firehose_20150804',
    contentType: 'application/x-amz-json-1.1',
    operations: firehoseOperations(deliveries),
    maxBodyBytes: MAX_BODY_BYTES,
    port: options.port,
  });
  return {
    endpoint: service.endpoint,
    flush: () => deliveries.flush(),
    readDelivered: (stream, readOptions = {}) => deliveries.read(stream, readOptions.flush !== false),
    deliveredCount: (stream) => deliveries.count(stream),
    deliveredFiles: (stream) => deliveries.files(stream),
    async close() {
      await deliveries.flush();
      await service.close();
    },
  };
}
