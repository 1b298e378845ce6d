/**
 * The configuration of the SDK v3 client a destination creates when the user passes none.
 * It suits a sink: keep-alive sockets for at least as many requests as run at once, hard
 * connection and request timeouts, and no SDK retries, because the core retries per entry
 * (an SDK retry would resend entries that were already accepted).
 */
import http from 'node:http';
import https from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SINK_DEFAULTS, SINK_OPTION_RANGES } from '../core/options.js';
import { DestinationConfigurationError } from './destination-configuration-error.js';
import { integerOption, numberOption } from './option-checks.js';
import { abortSignalOfBody } from './prebuilt-body.js';

/** Options of the client a destination creates for itself. Ignored when a client is given. */
export interface DefaultClientOptions {
  /** Requests the sink runs at once; the client keeps at least this many sockets. Default 10. */
  readonly maxInFlightRequests?: number;
  /** Time one request may take, in ms, before the client abandons it. Default 10,000. */
  readonly requestTimeoutMs?: number;
  /** Time to open a connection, in ms. Default 3,000. */
  readonly connectionTimeoutMs?: number;
  /** The AWS region. Default: `AWS_REGION`, then `AWS_DEFAULT_REGION`. */
  readonly region?: string;
  /** The service endpoint. Default: `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, then AWS's. */
  readonly endpoint?: string;
}

/** The defaults of {@link DefaultClientOptions}, as data. */
export const DEFAULT_CLIENT_SETTINGS = {
  // The sink's own defaults: the client is sized and timed for the requests the sink runs.
  maxInFlightRequests: SINK_DEFAULTS.maxInFlightRequests,
  requestTimeoutMs: SINK_DEFAULTS.requestTimeoutMs,
  connectionTimeoutMs: 3_000,
  /** Fewer sockets than this are never kept, so a burst does not wait for a socket. */
  minSockets: 50,
  /** The SDK's own retries are off: the core retries only the entries that failed. */
  maxAttempts: 1,
} as const;

/** The services a destination can create a client for, by the suffix of their endpoint variable. */
export type DestinationService =
  | 'KINESIS'
  | 'FIREHOSE'
  | 'SQS'
  | 'DYNAMODB'
  | 'EVENTBRIDGE'
  | 'SNS'
  | 'CLOUDWATCH';

/** The configuration handed to `new KinesisClient(...)`, `new FirehoseClient(...)` or `new SQSClient(...)`. */
export interface DefaultClientConfig {
  readonly region: string;
  readonly endpoint?: string;
  readonly maxAttempts: number;
  readonly requestHandler: NodeHttpHandler;
}

/**
 * The endpoint AWS's standard environment names for `service`, if any: the SDK reads these
 * variables itself, but the SQS client would still send to the queue URL's host unless it
 * is given the endpoint in code, so it is resolved here for all three alike.
 */
export function endpointFromEnvironment(
  service: DestinationService,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true') return undefined;
  const endpoint = env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL;
  return endpoint === '' ? undefined : endpoint;
}

/**
 * The SDK's `NodeHttpHandler`, which also cancels a request whose body the destination
 * built and sent without options (prebuilt-body.ts): its abort signal comes with the body.
 */
class DestinationHttpHandler extends NodeHttpHandler {
  override handle(
    ...[request, options]: Parameters<NodeHttpHandler['handle']>
  ): ReturnType<NodeHttpHandler['handle']> {
    const abortSignal = options?.abortSignal ?? abortSignalOfBody(request.body);
    return super.handle(request, abortSignal === undefined ? options : { ...options, abortSignal });
  }
}

/** Builds the client configuration, checking the options once; throws {@link DestinationConfigurationError}. */
export function defaultClientConfig(
  service: DestinationService,
  options: DefaultClientOptions,
  env: NodeJS.ProcessEnv = process.env,
): DefaultClientConfig {
  // The same ranges as the sink's options, since the same values configure both.
  const inFlight = SINK_OPTION_RANGES.maxInFlightRequests;
  const maxInFlightRequests = integerOption(
    'maxInFlightRequests',
    options.maxInFlightRequests,
    DEFAULT_CLIENT_SETTINGS.maxInFlightRequests,
    inFlight.min,
    inFlight.max,
  );
  const timeout = SINK_OPTION_RANGES.requestTimeoutMs;
  const requestTimeout = numberOption(
    'requestTimeoutMs',
    options.requestTimeoutMs,
    DEFAULT_CLIENT_SETTINGS.requestTimeoutMs,
    timeout.min,
    timeout.max,
  );
  const connectionTimeout = integerOption(
    'connectionTimeoutMs',
    options.connectionTimeoutMs,
    DEFAULT_CLIENT_SETTINGS.connectionTimeoutMs,
    10,
    60_000,
  );
  const region = options.region || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new DestinationConfigurationError(
      'region',
      'No AWS region: set the AWS_REGION environment variable, pass `region`, or pass your own `client`',
    );
  }
  const endpoint = options.endpoint ?? endpointFromEnvironment(service, env);
  if (endpoint !== undefined && !URL.canParse(endpoint)) {
    throw new DestinationConfigurationError(
      'endpoint',
      `endpoint must be a URL such as https://kinesis.us-east-1.amazonaws.com; got ${JSON.stringify(endpoint)}`,
    );
  }
  const agentOptions = {
    keepAlive: true,
    maxSockets: Math.max(DEFAULT_CLIENT_SETTINGS.minSockets, maxInFlightRequests),
  };
  const requestHandler = new DestinationHttpHandler({
    httpAgent: new http.Agent(agentOptions),
    httpsAgent: new https.Agent(agentOptions),
    connectionTimeout,
    requestTimeout,
    // Without this the handler only logs a warning when requestTimeout passes.
    throwOnRequestTimeout: true,
  });
  return {
    region,
    ...(endpoint === undefined ? {} : { endpoint }),
    maxAttempts: DEFAULT_CLIENT_SETTINGS.maxAttempts,
    requestHandler,
  };
}

/** The part of an SDK v3 client whose middleware can be removed by name. */
interface ClientWithMiddleware {
  readonly middlewareStack: { remove(toRemove: string): boolean };
}

/**
 * Removes the SDK's `loggerMiddleware` from a client the destination created itself. It
 * copies every request's input and response (500 entries each way) through the
 * sensitive-data filters even when the logger is a no-op: about 1 µs per record. The
 * sink reports outcomes itself, and request payloads must never reach a log anyway.
 * A client the user passes in is left as it is.
 */
export function withoutSdkLogger<Client extends ClientWithMiddleware>(client: Client): Client {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}
