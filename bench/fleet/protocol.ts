/** Messages between the coordinator and the worker threads that host the environments. */
import type { FleetMode, FleetPacing } from './parameters.js';

/** A record as the source hands it to an environment; the environment builds its data. */
export interface SourceRecord {
  readonly id: number;
  readonly partitionKey: string;
  readonly bytes: number;
}

/** What a worker is started with. */
export interface WorkerSetup {
  readonly mode: FleetMode;
  readonly environmentIds: readonly number[];
  readonly endpoint: string;
  readonly streamName: string;
  readonly timeoutMs: number;
  /** The per-shard limits the environments' limiters assume (the scaled service's). */
  readonly shardLimits: { readonly recordsPerSecond: number; readonly bytesPerSecond: number };
  /** Per-shard pacing: an entry whose shard is booked further ahead than this goes back to the source. */
  readonly deferAfterMs: number;
  /** Per-shard pacing: the limiter's growth and cut, when not its defaults. */
  readonly pacing?: FleetPacing;
}

/** Worker → coordinator. */
export type WorkerMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'receive'; readonly environment: number }
  | {
      readonly kind: 'invoked';
      readonly environment: number;
      readonly done: readonly number[];
      readonly failed: readonly number[];
      readonly entriesSent: number;
      readonly requests: number;
    }
  | { readonly kind: 'finished'; readonly activeMs: number; readonly idleMs: number };

/** Coordinator → worker. */
export type CoordinatorMessage =
  | { readonly kind: 'batch'; readonly environment: number; readonly records: readonly SourceRecord[] }
  | { readonly kind: 'stop' };

/** The data of a record: its id first, so that the stream's contents can be traced back. */
export function recordData(record: SourceRecord): Buffer {
  const head = `r${record.id}:`;
  return Buffer.from(head.padEnd(Math.max(head.length, record.bytes), 'x'));
}

/** The id a record's data starts with, or undefined for data this simulation did not write. */
export function recordIdOf(data: Buffer): number | undefined {
  const colon = data.indexOf(58);
  if (data[0] !== 114 || colon < 0 || colon > 20) return undefined;
  const id = Number(data.subarray(1, colon).toString('latin1'));
  return Number.isInteger(id) ? id : undefined;
}
