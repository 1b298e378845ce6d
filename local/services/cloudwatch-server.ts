/**
 * A local Amazon CloudWatch metrics endpoint in the protocol the SDK v3 client speaks: AWS
 * JSON 1.0 in query-compatible mode (`X-Amz-Target: GraniteServiceVersion20100801.PutMetricData`,
 * gzip bodies). Like the service, it answers for the whole request only: one invalid datum
 * refuses the request with `InvalidParameterValue`. Accepted data are delivered to one
 * JSON-lines file per namespace. No emulator of CloudWatch metrics is kept on npm.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ServiceError, startJsonService } from './json-service.js';

/** Options of {@link startCloudWatchServer}. */
export interface CloudWatchServerOptions {
  /** Directory the data are delivered to: `<dir>/<namespace, URL-encoded>.jsonl`. */
  readonly dir: string;
  readonly port?: number;
}

/** One datum as delivered: the JSON the client sent for it. */
export type DeliveredDatum = Readonly<Record<string, unknown>>;

/** A running local CloudWatch metrics endpoint. */
export interface CloudWatchServer {
  readonly endpoint: string;
  /** The data delivered to a namespace, in the order accepted. */
  readDelivered(namespace: string): Promise<DeliveredDatum[]>;
  close(): Promise<void>;
}

/** The limits the real PutMetricData enforces (CloudWatch API reference). */
export const LOCAL_CLOUDWATCH_LIMITS = {
  maxData: 1_000,
  maxBodyBytes: 1_000_000,
  maxDimensions: 30,
} as const;

type Json = Record<string, unknown>;

/** Why CloudWatch refuses a datum, in the service's words, or undefined. */
function datumError(datum: Json, index: number): string | undefined {
  const at = `MetricData.member.${index + 1}`;
  if (typeof datum.MetricName !== 'string' || datum.MetricName === '') {
    return `The parameter ${at}.MetricName is required.`;
  }
  const finite = (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 2 ** 360;
  if (datum.Value !== undefined && !finite(datum.Value))
    return `The value for parameter ${at}.Value is invalid.`;
  if (Array.isArray(datum.Values) && !datum.Values.every(finite))
    return `The values for parameter ${at}.Values are invalid.`;
  if (Array.isArray(datum.Dimensions) && datum.Dimensions.length > LOCAL_CLOUDWATCH_LIMITS.maxDimensions) {
    return `The collection ${at}.Dimensions must not have a size greater than ${LOCAL_CLOUDWATCH_LIMITS.maxDimensions}.`;
  }
  return undefined;
}

/** Starts the local CloudWatch metrics endpoint on 127.0.0.1. */
export async function startCloudWatchServer(options: CloudWatchServerOptions): Promise<CloudWatchServer> {
  let chain = Promise.resolve();
  await mkdir(options.dir, { recursive: true });
  const fileOf = (namespace: string) => path.join(options.dir, `${encodeURIComponent(namespace)}.jsonl`);

  const service = await startJsonService({
    targetPrefix: 'GraniteServiceVersion20100801',
    contentType: 'application/x-amz-json-1.0',
    queryCompatible: true,
    maxBodyBytes: 16 * LOCAL_CLOUDWATCH_LIMITS.maxBodyBytes,
    port: options.port,
    operations: {
      async PutMetricData(input) {
        const namespace = input.Namespace;
        if (typeof namespace !== 'string' || namespace === '') {
          throw new ServiceError('MissingParameter', 'The parameter Namespace is required.');
        }
        const data = Array.isArray(input.MetricData) ? (input.MetricData as Json[]) : [];
        if (data.length < 1 || data.length > LOCAL_CLOUDWATCH_LIMITS.maxData) {
          throw new ServiceError(
            'InvalidParameterValue',
            `The collection MetricData must have 1 to ${LOCAL_CLOUDWATCH_LIMITS.maxData} members.`,
          );
        }
        const text = data.map((datum) => `${JSON.stringify(datum)}\n`).join('');
        if (Buffer.byteLength(text) > LOCAL_CLOUDWATCH_LIMITS.maxBodyBytes) {
          throw new ServiceError('RequestEntityTooLarge', 'Request size exceeded 1000000 bytes', 413);
        }
        for (const [index, datum] of data.entries()) {
          const error = datumError(datum, index);
          if (error !== undefined) throw new ServiceError('InvalidParameterValue', error);
        }
        // Delivered before the answer: a request answered 200 is already in its file.
        const write = chain.then(() => appendFile(fileOf(namespace), text));
        chain = write.catch(() => {});
        await write;
        return {};
      },
    },
  });
  return {
    endpoint: service.endpoint,
    async readDelivered(namespace) {
      await chain;
      let text: string;
      try {
        text = await readFile(fileOf(namespace), 'utf8');
      } catch {
        return [];
      }
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as DeliveredDatum);
    },
    async close() {
      await chain;
      await service.close();
    },
  };
}
