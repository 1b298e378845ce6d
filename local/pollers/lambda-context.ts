import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** Options of {@link createLambdaContext}. */
export interface LambdaContextOptions {
  readonly functionName: string;
  /** The function timeout in ms: `getRemainingTimeInMillis()` counts down from it. */
  readonly timeoutMs: number;
  readonly region?: string;
  readonly accountId?: string;
  readonly memoryLimitInMB?: number;
}

/** A context shaped as Lambda's Node.js runtime gives it, with a fresh `awsRequestId` and a real countdown. */
export function createLambdaContext(options: LambdaContextOptions): Context {
  const deadline = Date.now() + options.timeoutMs;
  const region = options.region ?? 'us-east-1';
  const account = options.accountId ?? '000000000000';
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${account}:function:${options.functionName}`,
    memoryLimitInMB: String(options.memoryLimitInMB ?? 512),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `${day}/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    // The callback-style methods are deprecated in the Node.js runtime; they do nothing here.
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
