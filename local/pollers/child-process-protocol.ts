/** The IPC messages between {@link childProcessHandlers} and the child it forks (child-process-host.ts). */
import type { Context } from 'aws-lambda';

/** The context's data; the child rebuilds the methods. */
export type SerializedContext = Omit<Context, 'getRemainingTimeInMillis' | 'done' | 'fail' | 'succeed'>;

/** Parent to child: run one invocation. */
export interface InvokeMessage {
  readonly type: 'invoke';
  readonly id: number;
  readonly event: unknown;
  readonly context: SerializedContext;
  /** Epoch ms at which the invocation times out. */
  readonly deadlineAt: number;
  /** Freeze the child's event loop this many ms into the invocation, until after the deadline. */
  readonly stallAfterMs?: number;
  /** Run the handler, then never answer. */
  readonly hangAfterHandler?: boolean;
}

export type ParentMessage = InvokeMessage;

/** Child to parent. */
export type ChildMessage =
  | { readonly type: 'ready'; readonly initMs: number }
  | { readonly type: 'initError'; readonly name: string; readonly message: string }
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  | { readonly type: 'error'; readonly id: number; readonly name: string; readonly message: string };
