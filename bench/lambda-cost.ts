/**
 * P9 (issue 13): what forwarding a million records costs in Lambda, estimated from the
 * client CPU and wall time measured here at +LATENCY.latencyMs per call.
 *
 * The model: at `m` MB a function gets a CPU share s = min(1, m / 1,769) (1,769 MB is one
 * vCPU). Its CPU work takes cpu / s; the rest of the measured wall time (waiting on the
 * network) is taken to overlap no CPU, so duration = cpu / s + max(0, wall − cpu), which
 * is the measured wall time at one vCPU. Billed GB-seconds = duration × m / 1,024, plus
 * one request per invocation of `records` records. CPU was measured on this machine, not
 * on Lambda's processors: the figures compare the contenders, they do not quote a bill.
 */
import { LAMBDA_COST } from './parameters.js';
import { round } from './statistics.js';

/** What one contender spent on one invocation of `records` records. */
export interface MeasuredCost {
  readonly contender: string;
  readonly records: number;
  readonly cpuMs: number;
  readonly elapsedMs: number;
}

/** The estimate at one memory size. */
export interface CostAtMemory {
  readonly memoryMb: number;
  readonly cpuShare: number;
  /** Estimated duration of one invocation. */
  readonly durationMs: number;
  readonly gbSecondsPerMillionRecords: number;
  readonly dollarsPerMillionRecords: { readonly arm64: number; readonly x86_64: number };
}

/** One contender's estimates. */
export interface ContenderCost extends MeasuredCost {
  readonly byMemory: readonly CostAtMemory[];
}

/** P9's result. */
export interface LambdaCostResult {
  readonly model: string;
  readonly prices: typeof LAMBDA_COST;
  readonly contenders: readonly ContenderCost[];
}

function atMemory(measured: MeasuredCost, memoryMb: number): CostAtMemory {
  const cpuShare = Math.min(1, memoryMb / LAMBDA_COST.oneVcpuMb);
  const durationMs = measured.cpuMs / cpuShare + Math.max(0, measured.elapsedMs - measured.cpuMs);
  const invocationsPerMillion = 1_000_000 / measured.records;
  const gbSeconds = (durationMs / 1_000) * (memoryMb / 1_024) * invocationsPerMillion;
  const requests = (invocationsPerMillion / 1_000_000) * LAMBDA_COST.pricePerMillionRequests;
  return {
    memoryMb,
    cpuShare: round(cpuShare),
    durationMs: round(durationMs, 4),
    gbSecondsPerMillionRecords: round(gbSeconds),
    dollarsPerMillionRecords: {
      arm64: round(gbSeconds * LAMBDA_COST.pricePerGbSecond.arm64 + requests, 4),
      x86_64: round(gbSeconds * LAMBDA_COST.pricePerGbSecond.x86_64 + requests, 4),
    },
  };
}

/** The estimates for each contender at each memory size of LAMBDA_COST. */
export function estimateLambdaCost(measured: readonly MeasuredCost[]): LambdaCostResult {
  return {
    model:
      'CPU share s = min(1, MB / 1,769); duration = client CPU / s + (wall − CPU); GB-s = duration × MB / 1,024; $ = GB-s × price per GB-s + $0.20 per million invocations; on-demand, us-east-1, first tier; CPU measured on this machine',
    prices: LAMBDA_COST,
    contenders: measured.map((m) => ({
      ...m,
      byMemory: LAMBDA_COST.memoryMb.map((memoryMb) => atMemory(m, memoryMb)),
    })),
  };
}
