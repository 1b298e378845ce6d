/**
 * A handler source whose handlers run a function module in forked child processes, one per
 * execution environment, as Lambda runs a function in its own runtime process. A child can
 * be killed in the middle of an invocation; the poller then sees a failed invocation, as with
 * Lambda's `Runtime.ExitError`, and the next invocation gets a fresh child, as a new
 * execution environment. A child still busy at the invocation's deadline is killed too: Lambda
 * resets the environment after a timeout, so the function cannot go on sending afterwards.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import readline from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { ChildMessage, InvokeMessage, SerializedContext } from './child-process-protocol.js';
import type { HandlerFactory } from './handler-source.js';
import type { BatchHandler, BatchHandlerResult } from './types.js';

/** Faults to inject into one invocation; see {@link ChildProcessHandlerOptions.faults}. */
export interface ChildInvocationFaults {
  /** Kill the child (SIGKILL) this many ms after the event was handed to it, if it is still running it. */
  readonly killAfterMs?: number;
  /** The function does its work and never answers, so the invocation runs into its timeout. */
  readonly hangAfterHandler?: boolean;
  /**
   * The child's event loop freezes this many ms into the invocation (if it is still running)
   * until past the deadline, as in a long GC pause: calls already written reach the
   * destination, their answers are never read, and the invocation times out mid-batch.
   */
  readonly stallAfterMs?: number;
}

/** One invocation about to be handed to a child. */
export interface ChildInvocation<Event> {
  readonly environment: number;
  readonly event: Event;
  readonly context: Context;
}

/** How an invocation ended, as the child process handler saw it. */
export const CHILD_INVOCATION_OUTCOMES = {
  /** The handler answered in time. */
  returned: 'returned',
  /** The handler threw or rejected. */
  threw: 'threw',
  /** The child was killed by an injected fault. */
  killed: 'killed',
  /** The deadline came first; the child was killed, as Lambda resets the environment. */
  timedOut: 'timedOut',
  /** The child died on its own (a crash, or a failed cold start). */
  exited: 'exited',
} as const;
export type ChildInvocationOutcome =
  (typeof CHILD_INVOCATION_OUTCOMES)[keyof typeof CHILD_INVOCATION_OUTCOMES];

/** One settled invocation; given to `onSettled`. */
export interface ChildInvocationReport {
  readonly environment: number;
  readonly requestId: string;
  readonly outcome: ChildInvocationOutcome;
  /** The handler's response, when it returned. */
  readonly value?: unknown;
  /** The error, when it did not. */
  readonly error?: string;
  /** From handing the event to the child until the outcome. */
  readonly durationMs: number;
  readonly faults: ChildInvocationFaults;
}

/** Counters of a {@link ChildProcessHandlers}. */
export interface ChildProcessStats {
  /** Children started (cold starts), and the time they took in total. */
  spawned: number;
  initMs: number;
  initFailures: number;
  invocations: number;
  returned: number;
  threw: number;
  /** Children killed by an injected fault while running an invocation. */
  killed: number;
  /** Invocations that ran into their deadline (their child killed). */
  timedOut: number;
  /** Of those, the ones told to hang after their work. */
  hung: number;
  /** Of those, the ones whose event loop was frozen mid-batch. */
  stalled: number;
  /** Children that died on their own during an invocation. */
  exited: number;
}

/** Options of {@link childProcessHandlers}. */
export interface ChildProcessHandlerOptions<Event> {
  /** The function module (a path or a file URL), e.g. `functions/sqs-to-firehose/index.ts`. */
  readonly module: string | URL;
  /** The handler's export. Default `handler`. */
  readonly exportName?: string;
  /** The child's environment variables, as a function's configuration gives them (the parent's are not inherited, but PATH, HOME and TMPDIR). */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /**
   * The program the child runs: local/pollers/child-process-host.ts by default. A bundle of it
   * (e.g. made with esbuild) starts faster, as does a bundled function module.
   */
  readonly host?: string | URL;
  /** Node.js flags of the child. Default: tsx's loader when the host or the module is TypeScript, else none. */
  readonly execArgv?: readonly string[];
  /** Longest cold start, in ms, before the child is killed and the invocation fails. Default 10,000 (Lambda's init limit). */
  readonly initTimeoutMs?: number;
  /** Start a child as soon as the previous one died, so the next invocation does not wait for its cold start. Default true. */
  readonly prewarm?: boolean;
  /** Called before each invocation: the faults to inject into it. */
  readonly faults?: (invocation: ChildInvocation<Event>) => ChildInvocationFaults | undefined;
  /** Called when an invocation is settled. */
  readonly onSettled?: (report: ChildInvocationReport) => void;
  /** Every line a child writes. Without it the children's output goes to this process's stdout and stderr. */
  readonly onOutput?: (line: string, stream: 'stdout' | 'stderr', environment: number) => void;
}

/** Handlers in child processes: give `createHandler` to a poller, and `close()` when done. */
export interface ChildProcessHandlers<Event> {
  readonly createHandler: HandlerFactory<Event>;
  /** A copy of the counters. */
  stats(): ChildProcessStats;
  /** Kills every child and waits for them to exit. */
  close(): Promise<void>;
}

/** The defaults of {@link ChildProcessHandlerOptions}, as data. */
export const CHILD_PROCESS_HANDLER_DEFAULTS = {
  exportName: 'handler',
  initTimeoutMs: 10_000,
  prewarm: true,
  /** After the deadline, the poller's own timeout must see the invocation fail first. */
  timeoutAnswerDelayMs: 100,
} as const;

/** The child died while running an invocation: Lambda's `Runtime.ExitError`. */
export class ChildProcessExitError extends Error {
  override readonly name = 'ChildProcessExitError';

  constructor(
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(
      `Runtime exited with error: ${signal ? `signal: ${signal === 'SIGKILL' ? 'killed' : signal}` : `exit status ${code}`}`,
    );
  }
}

/** The child did not answer before the invocation's deadline. */
export class ChildProcessTimeoutError extends Error {
  override readonly name = 'ChildProcessTimeoutError';

  constructor(readonly timeoutMs: number) {
    super(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
  }
}

/** The child's cold start failed: Lambda's `Runtime.ImportModuleError` or an init timeout. */
export class ChildProcessInitError extends Error {
  override readonly name = 'ChildProcessInitError';
}

const INHERITED_VARIABLES = ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT'] as const;

function defaultHost(): string {
  const ts = fileURLToPath(new URL('./child-process-host.ts', import.meta.url));
  return existsSync(ts) ? ts : fileURLToPath(new URL('./child-process-host.js', import.meta.url));
}

function toPath(file: string | URL): string {
  return file instanceof URL || file.startsWith('file:') ? fileURLToPath(file) : file;
}

const TYPESCRIPT = /\.[cm]?ts$/;

/** tsx's ESM loader, so that the child can import TypeScript. */
function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

function serializeContext(context: Context): SerializedContext {
  const { getRemainingTimeInMillis, done, fail, succeed, ...data } = context;
  return JSON.parse(JSON.stringify(data)) as SerializedContext;
}

function emptyStats(): ChildProcessStats {
  return {
    spawned: 0,
    initMs: 0,
    initFailures: 0,
    invocations: 0,
    returned: 0,
    threw: 0,
    killed: 0,
    timedOut: 0,
    hung: 0,
    stalled: 0,
    exited: 0,
  };
}

/** When an invocation must end, and what to inject into it. */
interface InvocationPlan {
  /** The function timeout as the invocation started. */
  readonly remainingMs: number;
  readonly deadlineAt: number;
  readonly faults: ChildInvocationFaults;
}

/** A child that finished its cold start. */
interface LiveChild {
  readonly process: ChildProcess;
  readonly exited: Promise<void>;
}

/** How every child is started, with the defaults filled in. */
interface ChildSpawning {
  readonly host: string;
  readonly moduleUrl: string;
  readonly exportName: string;
  readonly execArgv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly initTimeoutMs: number;
  readonly prewarm: boolean;
}

function spawning<Event>(options: ChildProcessHandlerOptions<Event>): ChildSpawning {
  const d = CHILD_PROCESS_HANDLER_DEFAULTS;
  const modulePath = toPath(options.module);
  const host = options.host === undefined ? defaultHost() : toPath(options.host);
  const env: Record<string, string> = {};
  for (const name of INHERITED_VARIABLES) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(options.environment ?? {})) {
    if (value !== undefined) env[name] = value;
  }
  return {
    host,
    moduleUrl: pathToFileURL(modulePath).href,
    exportName: options.exportName ?? d.exportName,
    execArgv:
      options.execArgv ??
      (TYPESCRIPT.test(host) || TYPESCRIPT.test(modulePath) ? ['--import', tsxLoader()] : []),
    env,
    initTimeoutMs: options.initTimeoutMs ?? d.initTimeoutMs,
    prewarm: options.prewarm ?? d.prewarm,
  };
}

/** Waits for a fresh child's cold start: its `ready`, or a failure that kills it. */
function coldStart(child: ChildProcess, initTimeoutMs: number, onFailure: () => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => fail(`the child could not start: ${error.message}`);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(`the child exited during its cold start (${signal ?? `exit status ${code}`})`);
    const onMessage = (message: ChildMessage) => {
      if (message.type === 'ready') {
        stopListening();
        resolve();
      } else if (message.type === 'initError') fail(`${message.name}: ${message.message}`);
      else fail(`unexpected message ${message.type} during the cold start`);
    };
    const timer = setTimeout(() => fail(`the cold start took more than ${initTimeoutMs} ms`), initTimeoutMs);
    function stopListening() {
      clearTimeout(timer);
      child.off('error', onError);
      child.off('exit', onExit);
      child.off('message', onMessage);
    }
    function fail(message: string) {
      stopListening();
      onFailure();
      child.kill('SIGKILL');
      reject(new ChildProcessInitError(message));
    }
    // A child that fails later is seen through its exit; an 'error' event must not go unhandled.
    child.on('error', () => undefined);
    child.on('error', onError);
    child.on('exit', onExit);
    child.on('message', onMessage);
  });
}

/** The children of one set of handlers, their counters, and how to start one. */
class ChildProcesses<Event> {
  readonly stats = emptyStats();
  readonly children = new Set<ChildProcess>();
  closed = false;
  private nextId = 0;

  constructor(
    readonly options: ChildProcessHandlerOptions<Event>,
    readonly spawning: ChildSpawning,
  ) {}

  /** A fresh invocation id, unique among the children. */
  invocationId(): number {
    this.nextId += 1;
    return this.nextId;
  }

  /** Forks a child for an execution environment and waits for its cold start. */
  async spawn(environment: number): Promise<LiveChild> {
    const startedAt = Date.now();
    const { host, moduleUrl, exportName, execArgv, env, initTimeoutMs } = this.spawning;
    const onOutput = this.options.onOutput;
    const child = fork(host, [moduleUrl, exportName], {
      execArgv: [...execArgv],
      env,
      stdio: onOutput ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    this.children.add(child);
    this.stats.spawned++;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        this.children.delete(child);
        resolve();
      });
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const input = child[stream];
      if (onOutput && input) {
        readline.createInterface({ input }).on('line', (line) => onOutput(line, stream, environment));
      }
    }
    await coldStart(child, initTimeoutMs, () => this.stats.initFailures++);
    this.stats.initMs += Date.now() - startedAt;
    return { process: child, exited };
  }

  /** Kills every child and waits for them to exit. */
  async close(): Promise<void> {
    this.closed = true;
    const exits = [...this.children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) resolve();
          else child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    );
    await Promise.all(exits);
  }
}

/** What settles one invocation: its answer, its error, and the report of how it ended. */
interface InvocationEnd {
  readonly outcome: ChildInvocationOutcome;
  readonly answer: () => void;
  readonly detail: { readonly value?: unknown; readonly error?: string };
}

/** One invocation handed to a child: it ends once, by answer, error, exit, kill or deadline. */
class ChildInvocationRun<Event> {
  private settled = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly sentAt = Date.now();
  private readonly id: number;

  constructor(
    private readonly processes: ChildProcesses<Event>,
    private readonly live: LiveChild,
    private readonly environment: number,
    private readonly context: Context,
    private readonly plan: InvocationPlan,
  ) {
    this.id = processes.invocationId();
  }

  /** Hands the event to the child and settles with its answer. */
  run(event: Event): Promise<BatchHandlerResult> {
    const child = this.live.process;
    const { faults, deadlineAt, remainingMs } = this.plan;
    return new Promise<BatchHandlerResult>((resolve, reject) => {
      const onMessage = (message: ChildMessage) => {
        if (message.type === 'result' && message.id === this.id) {
          this.finish(
            {
              outcome: 'returned',
              answer: () => resolve(message.value as BatchHandlerResult),
              detail: { value: message.value },
            },
            listeners,
          );
        } else if (message.type === 'error' && message.id === this.id) {
          const error = Object.assign(new Error(message.message), { name: message.name });
          this.finish(
            {
              outcome: 'threw',
              answer: () => reject(error),
              detail: { error: `${message.name}: ${message.message}` },
            },
            listeners,
          );
        }
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        const error = new ChildProcessExitError(code, signal);
        this.finish(
          { outcome: 'exited', answer: () => reject(error), detail: { error: error.message } },
          listeners,
        );
      };
      const listeners = { onMessage, onExit };
      const kill = (outcome: 'killed' | 'timedOut', error: Error, answerDelayMs: number) =>
        this.kill(
          listeners,
          { outcome, answer: () => reject(error), detail: { error: error.message } },
          answerDelayMs,
        );
      child.on('message', onMessage);
      child.once('exit', onExit);
      this.after(deadlineAt - Date.now(), () =>
        kill(
          'timedOut',
          new ChildProcessTimeoutError(remainingMs),
          CHILD_PROCESS_HANDLER_DEFAULTS.timeoutAnswerDelayMs,
        ),
      );
      if (faults.killAfterMs !== undefined) {
        this.after(faults.killAfterMs, () => kill('killed', new ChildProcessExitError(null, 'SIGKILL'), 0));
      }
      child.send(this.message(event), (error) => {
        if (error) onExit(child.exitCode, child.signalCode);
      });
    });
  }

  private message(event: Event): InvokeMessage {
    const { faults, deadlineAt } = this.plan;
    return {
      type: 'invoke',
      id: this.id,
      event,
      context: serializeContext(this.context),
      deadlineAt,
      ...(faults.stallAfterMs === undefined ? {} : { stallAfterMs: faults.stallAfterMs }),
      ...(faults.hangAfterHandler ? { hangAfterHandler: true } : {}),
    };
  }

  private after(ms: number, run: () => void): void {
    this.timers.push(setTimeout(run, Math.max(0, ms)));
  }

  /** Kills the child and answers once it is gone, so that the next invocation gets a fresh one. */
  private kill(listeners: ChildListeners, end: InvocationEnd, answerDelayMs: number): void {
    const child = this.live.process;
    child.off('message', listeners.onMessage);
    child.off('exit', listeners.onExit);
    child.kill('SIGKILL');
    const answered = new Promise<void>((r) => setTimeout(r, answerDelayMs));
    void Promise.all([this.live.exited, answered]).then(() => this.finish(end, listeners));
  }

  private finish(end: InvocationEnd, listeners: ChildListeners): void {
    if (this.settled) return;
    this.settled = true;
    const { stats, options } = this.processes;
    const { faults } = this.plan;
    for (const timer of this.timers) clearTimeout(timer);
    this.live.process.off('message', listeners.onMessage);
    this.live.process.off('exit', listeners.onExit);
    stats[end.outcome]++;
    if (end.outcome === 'timedOut' && faults.hangAfterHandler) stats.hung++;
    if (end.outcome === 'timedOut' && faults.stallAfterMs !== undefined) stats.stalled++;
    options.onSettled?.({
      environment: this.environment,
      requestId: this.context.awsRequestId,
      outcome: end.outcome,
      ...end.detail,
      durationMs: Date.now() - this.sentAt,
      faults,
    });
    end.answer();
  }
}

/** The listeners an invocation puts on its child, taken off when it ends. */
interface ChildListeners {
  readonly onMessage: (message: ChildMessage) => void;
  readonly onExit: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/** One execution environment: its child (replaced when it dies), one invocation at a time. */
class ChildEnvironment<Event> {
  private current: Promise<LiveChild> | undefined;
  /** Settles when the previous invocation's child is answered or dead: one invocation at a time. */
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly processes: ChildProcesses<Event>,
    private readonly environment: number,
  ) {
    if (processes.spawning.prewarm) this.start();
  }

  /** The environment's handler, as a poller calls it. */
  readonly handler: BatchHandler<Event> = async (event, context) => {
    // The clock runs from the call, as Lambda's does, even while the previous invocation's child is being reset.
    const remainingMs = context.getRemainingTimeInMillis();
    const plan: InvocationPlan = {
      remainingMs,
      deadlineAt: Date.now() + remainingMs,
      faults: this.processes.options.faults?.({ environment: this.environment, event, context }) ?? {},
    };
    const previous = this.idle;
    let done: () => void = () => undefined;
    this.idle = new Promise<void>((resolve) => {
      done = resolve;
    });
    try {
      await previous;
      return await this.invoke(event, context, plan);
    } finally {
      done();
    }
  };

  private async invoke(event: Event, context: Context, plan: InvocationPlan): Promise<BatchHandlerResult> {
    let live = await (this.current ?? this.start());
    if (this.processes.closed) throw new ChildProcessInitError('the child process handlers are closed');
    // It may have died between invocations: then this invocation gets a fresh one.
    if (live.process.exitCode !== null || live.process.signalCode !== null) live = await this.start();
    this.processes.stats.invocations++;
    return new ChildInvocationRun(this.processes, live, this.environment, context, plan).run(event);
  }

  private start(): Promise<LiveChild> {
    const starting = this.processes.spawn(this.environment);
    this.current = starting;
    starting.then(
      (live) => {
        void live.exited.then(() => {
          if (this.current === starting) this.replace();
        });
      },
      () => {
        // A failed cold start fails the invocation that waits for it; the next one tries again.
        if (this.current === starting) this.current = undefined;
      },
    );
    starting.catch(() => undefined);
    return starting;
  }

  private replace(): void {
    this.current = undefined;
    if (this.processes.spawning.prewarm && !this.processes.closed) this.start();
  }
}

/**
 * Handlers that run `options.module` in child processes, one child per execution
 * environment, with faults injected as `options.faults` says. The poller's invocation
 * timeout still decides the outcome it records; the child is killed at the deadline.
 */
export function childProcessHandlers<Event>(
  options: ChildProcessHandlerOptions<Event>,
): ChildProcessHandlers<Event> {
  const processes = new ChildProcesses(options, spawning(options));
  return {
    createHandler: (environment) => new ChildEnvironment(processes, environment).handler,
    stats: () => ({ ...processes.stats }),
    close: () => processes.close(),
  };
}
