/**
 * Endpoint resolution once per client and operation, for the commands a destination sends
 * through the client it created. The SDK's endpoint middleware resolves the endpoint rules
 * for every request (a copy of the client's whole configuration, four parameter providers,
 * the rule cache's key), about 20 µs, although for an operation whose rule parameters all
 * come from the client (region, endpoint, FIPS, dual stack: fixed when the destination
 * created the client) the answer cannot change. The SDK still resolves it, with its own
 * rules, for the first request; later requests reuse that endpoint. What may differ per
 * request stays per request: SQS's `queueUrlMiddleware`, which sends to the queue URL's
 * host (`useQueueUrlAsEndpoint`), runs after it for every request. An operation with a
 * parameter from the command's input, or an endpoint with auth schemes (whose signing
 * properties the SDK sets per request), keeps the SDK's middleware for every request.
 */
import { type AnyMiddleware, type ClientWithStack, replaceInStack } from './sdk-middleware.js';

/** Endpoint rule parameters whose values come from the client's configuration, not the command's input. */
const CLIENT_PARAMETER_TYPES = new Set(['builtInParams', 'clientContextParams', 'staticContextParams']);

/** The part of an SDK v3 command class this module relies on. */
export interface CommandClass {
  new (
    // biome-ignore lint/suspicious/noExplicitAny: a mixin's constructor must take any arguments (TS2545).
    ...args: any[]
  ): {
    resolveMiddleware(stack: ClientWithStack['middlewareStack'], config: unknown, options: unknown): unknown;
  };
  getEndpointParameterInstructions(): Record<string, { readonly type: string }>;
}

/** Whether every endpoint rule parameter of the operation comes from the client. */
export function endpointFixedPerClient(instructions: Record<string, { readonly type: string }>): boolean {
  return Object.values(instructions).every((instruction) => CLIENT_PARAMETER_TYPES.has(instruction.type));
}

function resolvedOnce(sdkMiddleware: AnyMiddleware): AnyMiddleware {
  return (next, context) => {
    let endpoint: unknown;
    const viaSdk = sdkMiddleware(async (args) => {
      if (context.authSchemes === undefined) endpoint = context.endpointV2;
      return next(args);
    }, context);
    return (args) => {
      if (endpoint === undefined) return viaSdk(args);
      // The rest of the chain reads it here, as the SDK's middleware leaves it.
      context.endpointV2 = endpoint;
      return next(args);
    };
  };
}

/**
 * The command class, resolving its endpoint once per resolved middleware chain (once per
 * client with `cacheMiddleware: true`) when its endpoint depends on the client alone; the
 * class itself otherwise. For the destinations' own clients only.
 */
export function withEndpointResolvedOnce<Command extends CommandClass>(command: Command): Command {
  if (!endpointFixedPerClient(command.getEndpointParameterInstructions())) return command;
  return class extends command {
    override resolveMiddleware(stack: ClientWithStack['middlewareStack'], config: unknown, options: unknown) {
      // The SDK adds the endpoint middleware to the command's stack and then concatenates
      // the client's stack with it: the replacement goes into the concatenated stack.
      const concat = (stack as unknown as { concat(from: unknown): ClientWithStack['middlewareStack'] })
        .concat;
      const concatenating = {
        concat: (from: unknown) => {
          const merged = concat.call(stack, from);
          replaceInStack(merged, 'endpointV2Middleware', resolvedOnce);
          return merged;
        },
      };
      return super.resolveMiddleware(
        concatenating as unknown as ClientWithStack['middlewareStack'],
        config,
        options,
      );
    }
  };
}
