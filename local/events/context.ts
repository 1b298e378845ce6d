import type { Context } from 'aws-lambda';
import { createLambdaContext } from '../pollers/lambda-context.js';

/** A Lambda context whose remaining time counts down from `remainingMs` in real time, for calling a handler directly. */
export function lambdaContext(remainingMs = 30_000, functionName = 'sink-function'): Context {
  return createLambdaContext({
    functionName,
    timeoutMs: remainingMs,
    accountId: '123456789012',
    memoryLimitInMB: 256,
  });
}
