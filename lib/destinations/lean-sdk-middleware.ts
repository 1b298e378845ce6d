/**
 * Two SDK middleware made cheaper on the clients the destinations create, where the work
 * they do per request has one answer per client. A client the user passes in is never changed.
 *
 * - `retryMiddleware`: with `maxAttempts: 1` (the core retries per entry) the SDK's still
 *   acquires and returns a retry-quota token, races it against the abort signal and draws
 *   a UUID per request, about 20 µs, to make one attempt. Its replacement makes the same
 *   one attempt and keeps what the request and the answer carry: the `amz-sdk-invocation-id`
 *   and `amz-sdk-request` headers, and `attempts` and `totalRetryDelay` in `$metadata`.
 * - `getUserAgentMiddleware`: the SDK rebuilds and escapes the same `User-Agent` and
 *   `x-amz-user-agent` values for every request (about 20 µs). Its replacement lets the
 *   SDK's own middleware compute them for the first request and sends the same values after.
 */
import { randomUUID } from 'node:crypto';
import { type AnyMiddleware, type ClientWithStack, replaceSdkMiddleware } from './sdk-middleware.js';

const USER_AGENT_HEADERS = ['user-agent', 'x-amz-user-agent'] as const;

interface RequestWithHeaders {
  headers: Record<string, string>;
}

function isRequestWithHeaders(request: unknown): request is RequestWithHeaders {
  return (
    typeof request === 'object' &&
    request !== null &&
    typeof (request as { headers?: unknown }).headers === 'object' &&
    (request as { headers?: unknown }).headers !== null
  );
}

/** The SDK's one-attempt bookkeeping on an answer or an error. */
function markOneAttempt(carrier: unknown): void {
  if (typeof carrier !== 'object' || carrier === null) return;
  const holder = carrier as { $metadata?: Record<string, unknown> };
  holder.$metadata ??= {};
  holder.$metadata.attempts = 1;
  holder.$metadata.totalRetryDelay = 0;
}

/** One attempt, as the SDK's retry middleware makes it at `maxAttempts: 1`, without the retry quota. */
const singleAttempt: AnyMiddleware = (next) => async (args) => {
  if (isRequestWithHeaders(args.request)) {
    args.request.headers['amz-sdk-invocation-id'] = randomUUID();
    args.request.headers['amz-sdk-request'] = 'attempt=1; max=1';
  }
  try {
    const result = await next(args);
    markOneAttempt(result.output);
    return result;
  } catch (error) {
    markOneAttempt(error);
    throw error;
  }
};

/** The SDK's user-agent middleware, run until it has answered once, then its answer reused. */
function userAgentOnce(sdkMiddleware: AnyMiddleware): AnyMiddleware {
  let headers: readonly (readonly [string, string])[] | undefined;
  return (next, context) => {
    const capturing = sdkMiddleware(async (args) => {
      if (isRequestWithHeaders(args.request)) {
        const found: [string, string][] = [];
        for (const name of USER_AGENT_HEADERS) {
          const value = args.request.headers[name];
          if (value !== undefined) found.push([name, value]);
        }
        headers = found;
      }
      return next(args);
    }, context);
    return (args) => {
      if (headers === undefined || !isRequestWithHeaders(args.request)) return capturing(args);
      for (const [name, value] of headers) args.request.headers[name] = value;
      return next(args);
    };
  };
}

/**
 * Makes a client the destination created itself make its one attempt and send its user
 * agent at less cost (see above). Only for clients with `maxAttempts: 1`.
 */
export function withLeanSdkMiddleware<Client extends ClientWithStack>(client: Client): Client {
  replaceSdkMiddleware(client, 'retryMiddleware', () => singleAttempt);
  replaceSdkMiddleware(client, 'getUserAgentMiddleware', userAgentOnce);
  return client;
}
