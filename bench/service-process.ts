/** Starts the destination process (stub + fault proxy) and talks to it. */
import { type ChildProcess, fork } from 'node:child_process';
import type { FaultConfig } from '../local/services/fault-proxy.js';
import type { StubConfig } from './kinesis-stub.js';
import type { ServiceCommand, ServiceReply, ServiceReport } from './service-protocol.js';

/** The destination process, seen from the benchmark. */
export interface ServiceProcess {
  /** The stub itself, answering at once. */
  readonly stubEndpoint: string;
  /** The fault proxy in front of the stub. */
  readonly proxyEndpoint: string;
  /** The Firehose and SQS stub, answering at once. */
  readonly batchStubEndpoint: string;
  configure(stub: StubConfig, faults: FaultConfig): Promise<void>;
  /** Forgets what arrived and zeroes the stub's and the proxy's counters. */
  reset(): Promise<void>;
  report(): Promise<ServiceReport>;
  close(): Promise<void>;
}

type Request = ServiceCommand extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

/** Forks bench/service-process-main.ts under tsx and waits until it listens. */
export async function startServiceProcess(): Promise<ServiceProcess> {
  const child: ChildProcess = fork(new URL('./service-process-main.ts', import.meta.url), {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (reply: ServiceReply) => void>();
  let nextId = 1;
  const ready = new Promise<Extract<ServiceReply, { type: 'ready' }>>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the destination process exited with ${code}`)));
    child.on('message', (reply: ServiceReply) => {
      if (reply.type === 'ready') resolve(reply);
      else pending.get(reply.id)?.(reply);
    });
  });
  const { stubEndpoint, proxyEndpoint, batchStubEndpoint } = await ready;

  function ask(request: Request): Promise<ServiceReply> {
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, (reply) => {
        pending.delete(id);
        resolve(reply);
      });
      child.send({ ...request, id } as ServiceCommand);
    });
  }

  return {
    stubEndpoint,
    proxyEndpoint,
    batchStubEndpoint,
    configure: async (stub, faults) => {
      await ask({ type: 'configure', stub, faults });
    },
    reset: async () => {
      await ask({ type: 'reset' });
    },
    report: async () => {
      const reply = await ask({ type: 'report' });
      if (reply.type !== 'report') throw new Error(`expected a report, got ${reply.type}`);
      return reply;
    },
    close: async () => {
      // The exit is expected now: drop the listener that treats it as a failure to start.
      child.removeAllListeners('exit');
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await ask({ type: 'close' });
      await exited;
    },
  };
}
