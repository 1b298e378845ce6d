/** The CloudWatch destination and conversion of the `*-to-cloudwatch` functions. */
import {
  type CloudWatchDestination,
  type CloudWatchEntry,
  cloudWatchDestination,
} from '../lib/destinations/cloudwatch.js';
import { type Environment, fromVariable, requiredString, type SinkTuning } from './config.js';
import { DESTINATION_VARIABLES } from './contract.js';
import type { RecordPayload } from './record-payload.js';

/** METRIC_NAMESPACE, with the tuning's client settings. */
export function cloudWatchFromEnvironment(env: Environment, tuning: SinkTuning): CloudWatchDestination {
  const variable = DESTINATION_VARIABLES.cloudwatch;
  const namespace = requiredString(
    env,
    variable,
    'the CloudWatch namespace of the metrics, e.g. MyApp/Orders',
  );
  return fromVariable(variable, () =>
    cloudWatchDestination({
      namespace,
      maxInFlightRequests: tuning.maxInFlightRequests,
      requestTimeoutMs: tuning.requestTimeoutMs,
    }),
  );
}

/**
 * Each record is a JSON metric datum, or an array of them, in the SDK's shape
 * (`MetricName`, `Value`, `Dimensions`, ...); a `Timestamp` may be an ISO string or epoch ms.
 */
export function payloadToCloudWatch(payload: RecordPayload): CloudWatchEntry[] {
  if (payload.text === undefined) throw new Error('the record is not UTF-8 text, so not a JSON metric datum');
  const value: unknown = JSON.parse(payload.text);
  const data = Array.isArray(value) ? value : [value];
  return data.map((datum: unknown) => {
    if (typeof datum !== 'object' || datum === null) throw new Error('a metric datum must be a JSON object');
    const { Timestamp, ...rest } = datum as Omit<CloudWatchEntry, 'Timestamp'> & {
      Timestamp?: string | number;
    };
    return Timestamp === undefined ? rest : { ...rest, Timestamp: new Date(Timestamp) };
  });
}
