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

/**
 * Puts `body` in place of whatever the SDK serialized, right after its serializer: the
 * build step then sets Content-Length from it and the signer hashes it. The command's
 * input must carry everything but the entries (stream or queue names: endpoint rules
 * read them), so the SDK serializes only a small shell.
 */
export function sendWithBody<Input extends object, Output extends object>(
  command: { readonly middlewareStack: MiddlewareStack<Input, Output> },
  body: Uint8Array,
): void {
  const putBody: SerializeMiddleware<Input, Output> = (next) => (args) => {
    const request = args.request as { body?: unknown } | undefined;
    if (request === null || typeof request !== 'object') {
      throw new TypeError('the SDK serialized no HTTP request to put the built body into');
    }
    request.body = body;
    return next(args);
  };
  command.middlewareStack.add(putBody, {
    step: 'serialize',
    priority: 'low',
    name: 'lambdaAsyncSinkBuiltBody',
    override: true,
  });
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
