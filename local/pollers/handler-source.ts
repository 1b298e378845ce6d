import type { BatchHandler } from './types.js';

/**
 * Starts one execution environment and returns the handler it runs, e.g. by importing a
 * fresh instance of a function module. Lambda runs one invocation at a time per environment,
 * so a poller calls this once per invocation it may run at once.
 */
export type HandlerFactory<Event> = (
  environment: number,
) => BatchHandler<Event> | Promise<BatchHandler<Event>>;

/** The handler a poller invokes: one shared by every concurrent invocation, or one per execution environment. */
export type HandlerSource<Event> =
  | { readonly handler: BatchHandler<Event>; readonly createHandler?: undefined }
  | { readonly createHandler: HandlerFactory<Event>; readonly handler?: undefined };

/** The handler of each of `count` environments. */
export async function environmentHandlers<Event>(
  source: HandlerSource<Event>,
  count: number,
): Promise<BatchHandler<Event>[]> {
  if (source.createHandler !== undefined) {
    const create = source.createHandler;
    return Promise.all(Array.from({ length: count }, (_, i) => create(i)));
  }
  if (typeof source.handler !== 'function') {
    throw new TypeError('a poller needs `handler` (a function) or `createHandler` (a factory of handlers)');
  }
  return Array.from({ length: count }, () => source.handler);
}
