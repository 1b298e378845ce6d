/**
 * Replacing one of an SDK v3 client's own middleware by a wrapper around it, on a client
 * the destination created itself. The SDK's stack lets a middleware be overridden by name
 * but does not hand out the one it holds, so the entry is read the only way the stack
 * offers: by copying the stack onto a recorder (`applyToStack`, which `concat` uses).
 */
import type { MiddlewareStack } from '@smithy/types';

/** What a middleware's handler is called with, at any step. */
export interface HandlerArgs {
  readonly input: object;
  readonly request?: unknown;
}

/** What a handler resolves with: the raw response, and from the deserialize step on, the output. */
export interface HandlerResult {
  readonly response: unknown;
  readonly output?: unknown;
}

/** One step's handler. */
export type Handler = (args: HandlerArgs) => Promise<HandlerResult>;

/** A middleware as the stack holds it: `(next, context) => handler`; the context is shared by a cached handler's requests. */
export type AnyMiddleware = (next: Handler, context: Record<string | symbol, unknown>) => Handler;

interface StackEntry {
  readonly middleware: AnyMiddleware;
  readonly options: Readonly<Record<string, unknown>> & { readonly name?: string };
  readonly relative: boolean;
}

/** The part of a client this module touches. */
export interface ClientWithStack {
  readonly middlewareStack: {
    readonly applyToStack: unknown;
    readonly add: unknown;
    readonly addRelativeTo: unknown;
  };
}

function entriesOf(stack: ClientWithStack['middlewareStack']): StackEntry[] {
  const entries: StackEntry[] = [];
  const recorder = {
    add: (middleware: AnyMiddleware, options: StackEntry['options']) =>
      entries.push({ middleware, options, relative: false }),
    addRelativeTo: (middleware: AnyMiddleware, options: StackEntry['options']) =>
      entries.push({ middleware, options, relative: true }),
    identifyOnResolve: () => false,
  };
  (stack as Pick<MiddlewareStack<object, object>, 'applyToStack'>).applyToStack(
    recorder as unknown as MiddlewareStack<object, object>,
  );
  return entries;
}

/** The tag a replaced middleware carries, so that what a client runs can be told from outside. */
const REPLACED_TAG = 'LAMBDA_ASYNC_SINK_REPLACED';

/** The names of the client's middleware that {@link replaceSdkMiddleware} replaced. */
export function replacedSdkMiddleware(client: ClientWithStack): string[] {
  return entriesOf(client.middlewareStack)
    .filter((entry) => (entry.options.tags as string[] | undefined)?.includes(REPLACED_TAG))
    .map((entry) => String(entry.options.name));
}

/**
 * Puts `wrap(sdkMiddleware)` in place of the client's middleware `name`, at the same step,
 * priority or relation, so the SDK's own stays reachable for whatever the wrapper leaves
 * to it. Throws when the client has no such middleware: an SDK that renamed it must fail
 * a test, not silently keep the slow path.
 */
export function replaceSdkMiddleware(
  client: ClientWithStack,
  name: string,
  wrap: (sdkMiddleware: AnyMiddleware) => AnyMiddleware,
): void {
  replaceInStack(client.middlewareStack, name, wrap);
}

/** {@link replaceSdkMiddleware} on a stack itself, such as the one a command resolves. */
export function replaceInStack(
  stack: ClientWithStack['middlewareStack'],
  name: string,
  wrap: (sdkMiddleware: AnyMiddleware) => AnyMiddleware,
): void {
  const entry = entriesOf(stack).find((candidate) => candidate.options.name === name);
  if (entry === undefined) throw new Error(`the SDK client has no middleware named ${name}`);
  // The recorder receives each entry's own copy, which also holds its middleware: not an option.
  const { middleware: _sdk, ...options } = {
    ...entry.options,
    override: true,
    tags: [...((entry.options.tags as string[] | undefined) ?? []), REPLACED_TAG],
  } as Record<string, unknown>;
  const target = stack as unknown as {
    add(middleware: AnyMiddleware, options: object): void;
    addRelativeTo(middleware: AnyMiddleware, options: object): void;
  };
  if (entry.relative) target.addRelativeTo(wrap(entry.middleware), options);
  else target.add(wrap(entry.middleware), options);
}
