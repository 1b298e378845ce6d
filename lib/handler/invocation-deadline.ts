/** When one invocation must stop sending, and when it must stop dead-lettering. */
export interface InvocationDeadline {
  /** Aborts when sending must stop: middy's timeout signal, or the remaining time minus the margin. */
  readonly sending: AbortSignal;
  /** Aborts when dead-letter sends must stop: later than `sending`, still before Lambda's timeout. */
  readonly deadLettering: AbortSignal;
  /** Clears the timers and the listeners on middy's signal. */
  dispose(): void;
}

/** What the deadline reads of the Lambda context; tests and containers may pass a context without it. */
interface RemainingTime {
  readonly getRemainingTimeInMillis?: () => number;
}

/** Everything an invocation's deadline holds on to, released by `dispose`. */
interface Held {
  readonly timers: NodeJS.Timeout[];
  readonly listeners: (() => void)[];
}

function abortAt(ms: number, timeoutSignal: AbortSignal, held: Held): AbortSignal {
  const controller = new AbortController();
  const abort = () => controller.abort(timeoutSignal.reason ?? new Error('the invocation deadline came'));
  if (timeoutSignal.aborted) {
    abort();
  } else {
    // middy reuses its signal across the invocations of a warm container: the listener must go with the invocation.
    timeoutSignal.addEventListener('abort', abort);
    held.listeners.push(() => timeoutSignal.removeEventListener('abort', abort));
  }
  if (Number.isFinite(ms)) held.timers.push(setTimeout(abort, Math.max(0, ms)));
  return controller.signal;
}

/**
 * The deadlines of one invocation. The margin kept back is `safetyMarginMs`, but at most
 * a quarter of the remaining time, so that a short invocation still gets to send: sending
 * stops at `remaining - margin`, dead-lettering at `remaining - margin / 2`, and the
 * handler answers before Lambda's timeout. middy's signal stops both, whichever comes first.
 */
export function invocationDeadline(
  context: RemainingTime | undefined,
  timeoutSignal: AbortSignal,
  safetyMarginMs: number,
): InvocationDeadline {
  const remaining =
    typeof context?.getRemainingTimeInMillis === 'function'
      ? context.getRemainingTimeInMillis()
      : Number.POSITIVE_INFINITY;
  const margin = Math.min(safetyMarginMs, Math.floor(remaining / 4));
  const held: Held = {
    // Stryker disable next-line ArrayDeclaration: a junk first timer is a string, and clearTimeout of a string does nothing
    timers: [],
    listeners: [],
  };
  return {
    sending: abortAt(remaining - margin, timeoutSignal, held),
    deadLettering: abortAt(remaining - Math.ceil(margin / 2), timeoutSignal, held),
    dispose: () => {
      for (const timer of held.timers) clearTimeout(timer);
      for (const remove of held.listeners) remove();
    },
  };
}
