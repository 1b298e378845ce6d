/** The messages between the benchmark and its destination process. */
import type { FaultConfig, FaultStats } from '../local/services/fault-proxy.js';
import type { StubConfig, StubStats } from './kinesis-stub.js';

/** What the benchmark asks the destination process. */
export type ServiceCommand =
  | {
      readonly type: 'configure';
      readonly id: number;
      readonly stub: StubConfig;
      readonly faults: FaultConfig;
    }
  | { readonly type: 'reset'; readonly id: number }
  | { readonly type: 'report'; readonly id: number }
  | { readonly type: 'close'; readonly id: number };

/** What the destination process answers. */
export type ServiceReply =
  | {
      readonly type: 'ready';
      readonly stubEndpoint: string;
      readonly proxyEndpoint: string;
      /** The Firehose and SQS stub (bench/batch-stub.ts). */
      readonly batchStubEndpoint: string;
    }
  | { readonly type: 'done'; readonly id: number }
  | {
      readonly type: 'report';
      readonly id: number;
      /** Each partition key that arrived, with how many times. */
      readonly arrived: readonly (readonly [string, number])[];
      readonly stub: StubStats;
      readonly proxy: FaultStats;
      /** CPU the destination process spent since the last reset, in ms. */
      readonly cpuMs: number;
    };

/** A report of the destination process. */
export type ServiceReport = Extract<ServiceReply, { type: 'report' }>;
