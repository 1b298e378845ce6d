/**
 * Request bodies the destinations build themselves, sent through the SDK client.
 *
 * The SDK's JSON serializer spends most of a batch call's CPU: it walks the schema per
 * member and encodes base64 in a JavaScript loop. The three batch bodies are flat, so a
 * destination writes them directly (base64 by `Buffer`, strings by `JSON.stringify`,
 * members in the SDK's schema order) and hands the bytes to the client, which still
 * resolves credentials, region and endpoint, signs, sends, and deserializes answers and
 * errors. test/destinations/request-body.conformance.test.ts proves for thousands of
 * random batches that the bytes equal the SDK's own serializer's, so an SDK upgrade that
 * changes the wire format fails that test, not production; `requestBody: 'sdk'` falls
 * back to the SDK's serializer.
 */
import { Buffer } from 'node:buffer';
import type { MiddlewareStack, SerializeMiddleware } from '@smithy/types';

/** Who writes a batch request's body: the destination (`'built'`) or the SDK's serializer (`'sdk'`). */
export type RequestBodyMode = 'built' | 'sdk';

/** The request body modes, as data. */
export const REQUEST_BODY_MODES: readonly RequestBodyMode[] = ['built', 'sdk'];

/** Where a built body rides on the command's input, from the destination to the client's middleware. */
const BUILT_BODY = Symbol.for('lambda-async-sink.builtBody');

/** The abort signal of each request in flight whose body the destination built (see {@link abortSignalOfBody}). */
const bodySignals = new WeakMap<object, AbortSignal>();

/**
 * Puts the built body in place of whatever the SDK serialized, right after its serializer:
 * the build step then sets Content-Length from it and the signer hashes it. The command's
 * input carries everything but the entries (stream or queue names: endpoint rules read
 * them), so the SDK serializes only a small shell. Inputs without a built body pass.
 */
const putBuiltBody: SerializeMiddleware<object, object> = (next) => (args) => {
  const input = args.input as Record<symbol, unknown>;
  const body = input[BUILT_BODY];
  if (body !== undefined) {
    const request = args.request as { body?: unknown } | undefined;
    if (request === null || typeof request !== 'object') {
      throw new TypeError('the SDK serialized no HTTP request to put the built body into');
    }
    request.body = body;
    // The client may keep the first input of a cached handler's context: not its body too.
    delete input[BUILT_BODY];
  }
  return next(args);
};

const PUT_BUILT_BODY = {
  step: 'serialize',
  priority: 'low',
  name: 'lambdaAsyncSinkBuiltBody',
  override: true,
} as const;

/** The part of an SDK v3 command this module touches. */
interface BodyCommand {
  readonly input: object;
  readonly middlewareStack: { add: unknown };
}

/**
 * Makes a client the destination created itself send built bodies at the least cost: the
 * body middleware once on the client rather than on every command, so that the client can
 * resolve its middleware once per operation (`cacheMiddleware: true`, which it only does for
 * a `send` without options; the abort signal then travels with the body, see
 * {@link abortSignalOfBody}). A client the user passes in is never changed.
 */
export function withBuiltBodies<Client extends { readonly middlewareStack: { add: unknown } }>(
  client: Client,
): Client {
  (client.middlewareStack as Pick<MiddlewareStack<object, object>, 'add'>).add(putBuiltBody, PUT_BUILT_BODY);
  return client;
}

/**
 * The abort signal of the request with this body, when the destination built the body and
 * sent it through its own client without options: the destinations' HTTP handler passes it
 * on, so that a request the sink abandons is still cancelled.
 */
export function abortSignalOfBody(body: unknown): AbortSignal | undefined {
  return typeof body === 'object' && body !== null ? bodySignals.get(body) : undefined;
}

/** A batch call: the SDK command, and the body the destination built for it (`undefined`: the SDK serializes the input). */
export interface BatchRequest<Command extends BodyCommand> {
  readonly command: Command;
  readonly body: Uint8Array | undefined;
}

/**
 * Readies a batch call, its body built or left to the SDK, and returns the options to send
 * it with: `client.send(request.command, sendOptions(...))`. Through the destination's own
 * client (prepared by {@link withBuiltBodies}) a built body goes without options, so the
 * client's cached middleware serves, and the signal travels with the body; through the
 * user's client the body middleware goes on the command and the signal in the options.
 */
export function sendOptions(
  { command, body }: BatchRequest<BodyCommand>,
  signal: AbortSignal,
  ownClient: boolean,
): { readonly abortSignal: AbortSignal } | undefined {
  if (body === undefined) return { abortSignal: signal };
  (command.input as Record<symbol, unknown>)[BUILT_BODY] = body;
  if (ownClient) {
    bodySignals.set(body, signal);
    return undefined;
  }
  (command.middlewareStack as Pick<MiddlewareStack<object, object>, 'add'>).add(putBuiltBody, PUT_BUILT_BODY);
  return { abortSignal: signal };
}

/** `bytes` in base64, as the SDK writes a blob: standard alphabet, padded. No copy of the data. */
export function base64Of(bytes: Uint8Array): string {
  const view = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.toString('base64');
}

/**
 * A string as a JSON string literal. `JSON.stringify` escapes exactly what the SDK's
 * writer escapes: `"`, `\`, control characters (short forms where JSON has them) and
 * lone surrogates as lowercase `\uXXXX`; everything else passes as UTF-8.
 */
export const jsonStringOf: (text: string) => string = JSON.stringify;

/** The UTF-8 bytes of a body written as a string. */
export function bodyBytes(json: string): Buffer {
  return Buffer.from(json, 'utf8');
}
