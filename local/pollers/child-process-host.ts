/**
 * The program a forked child runs for {@link childProcessHandlers}: it plays one Lambda
 * execution environment. At start it imports the function module (the cold start) and says
 * `ready`; then it runs one invocation at a time as the parent sends them over IPC and
 * answers with the handler's response or error.
 *
 * argv: the module's URL, the name of the handler export.
 */
import type { Context } from 'aws-lambda';
import type { ChildMessage, ParentMessage, SerializedContext } from './child-process-protocol.js';

function send(message: ChildMessage): void {
  process.send?.(message);
}

function describe(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/** A context like the runtime's, whose countdown ends at the deadline the parent set. */
function contextOf(serialized: SerializedContext, deadlineAt: number): Context {
  return {
    ...serialized,
    getRemainingTimeInMillis: () => Math.max(0, deadlineAt - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

type Handler = (event: unknown, context: Context) => unknown;

/**
 * Blocks the event loop (without burning CPU) until well past the deadline, as a long
 * garbage-collection pause or CPU-bound work would: requests already written stay written,
 * their answers are never read, and the parent kills the child at the deadline.
 */
function freezeUntilPast(deadlineAt: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, deadlineAt - Date.now()) + 30_000);
}

async function main(): Promise<void> {
  const [moduleUrl, exportName] = process.argv.slice(2);
  // Without the parent there is nobody to answer: an orphan must not linger.
  process.on('disconnect', () => process.exit(0));
  const startedAt = performance.now();
  let handler: Handler;
  try {
    const module = (await import(moduleUrl)) as Record<string, unknown>;
    const exported = module[exportName];
    if (typeof exported !== 'function') {
      throw new TypeError(`${moduleUrl} does not export a function named ${exportName}`);
    }
    handler = exported as Handler;
  } catch (error) {
    send({ type: 'initError', ...describe(error) });
    return;
  }
  process.on('message', (message: ParentMessage) => {
    if (message.type !== 'invoke') return;
    const context = contextOf(message.context, message.deadlineAt);
    const stall =
      message.stallAfterMs === undefined
        ? undefined
        : setTimeout(() => freezeUntilPast(message.deadlineAt), message.stallAfterMs);
    void (async () => {
      let answer: ChildMessage;
      try {
        const value = await handler(message.event, context);
        answer = { type: 'result', id: message.id, value: value ?? null };
      } catch (error) {
        answer = { type: 'error', id: message.id, ...describe(error) };
      }
      clearTimeout(stall);
      // A hung function does its work and never answers: the parent's timeout ends it.
      if (message.hangAfterHandler) return;
      send(answer);
    })();
  });
  send({ type: 'ready', initMs: Math.round(performance.now() - startedAt) });
}

void main();
