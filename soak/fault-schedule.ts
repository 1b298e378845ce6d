/**
 * The soak's faults, varying over time: the run is cut into phases, and each phase draws its
 * weather from a seeded PRNG (steady, calm, a throttling storm, server errors, latency
 * spikes, a flaky network, crashing functions), which scales the base levels. The same seed
 * gives the same sequence of phases.
 */
import type { FaultConfig } from '../local/services/fault-proxy.js';
import { seededRandom } from '../local/services/seeded-random.js';

/** The base levels of every fault kind; a phase's weather scales them. Rates are probabilities. */
export interface FaultLevels {
  /** Entries of a batch write that fail (throttled or internal error), on average over the run. */
  readonly entryFailureRate: number;
  /** Share of failed entries that are throttled rather than internal errors. */
  readonly entryThrottleShare: number;
  /** Calls throttled as a whole. */
  readonly throttleRate: number;
  /** Calls answered with HTTP 500. */
  readonly internalErrorRate: number;
  /** Calls answered with HTTP 503. */
  readonly unavailableRate: number;
  /** Connections dropped before the call is forwarded (nothing stored). */
  readonly dropBeforeRate: number;
  /** Connections dropped after the call was forwarded (stored, answer lost). */
  readonly dropAfterRate: number;
  /** Latency added to every call, plus up to `latencyJitterMs`. */
  readonly latencyMs: number;
  readonly latencyJitterMs: number;
  /** Calls that get a latency spike of `spikeMs`, meant to outlast the function's remaining time. */
  readonly spikeRate: number;
  readonly spikeMs: number;
  /** Invocations whose process is killed part-way through (SIGKILL). */
  readonly killRate: number;
  /** Invocations whose function does its work and then hangs into its timeout. */
  readonly hangRate: number;
  /** Invocations whose process freezes mid-batch (as in a long GC pause) until past its deadline. */
  readonly stallRate: number;
}

/** The kinds of weather a phase can have, with their weights and what they do to the base levels. */
export const FAULT_WEATHERS = {
  /** Every level drawn between half and one and a half times its base. */
  steady: 'steady',
  /** Half the entry failures, a fifth of everything else. */
  calm: 'calm',
  /** A quarter of the calls throttled, one and a half times the entry failures, nearly all throttled. */
  throttlingStorm: 'throttlingStorm',
  /** Eight times the 500s and 503s. */
  serverErrors: 'serverErrors',
  /** Ten times the latency spikes, five times the latency. */
  latencyStorm: 'latencyStorm',
  /** Eight times the dropped connections, before and after forwarding. */
  flakyNetwork: 'flakyNetwork',
  /** Five times the killed processes, four times the hung and the frozen functions. */
  crashes: 'crashes',
} as const;
export type FaultWeather = (typeof FAULT_WEATHERS)[keyof typeof FAULT_WEATHERS];

/** How often each weather comes up; entry failures average out at the base level over the weights. */
const WEATHER_WEIGHTS: readonly (readonly [FaultWeather, number])[] = [
  ['steady', 4],
  ['calm', 1],
  ['throttlingStorm', 1],
  ['serverErrors', 1],
  ['latencyStorm', 1],
  ['flakyNetwork', 1],
  ['crashes', 1],
];

/** Faults inside the function's process, per invocation. */
export interface ProcessFaultRates {
  readonly killRate: number;
  readonly hangRate: number;
  readonly stallRate: number;
}

/** One phase of the run. */
export interface FaultPhase {
  readonly index: number;
  readonly weather: FaultWeather;
  /** What the fault proxy in front of the destination injects during the phase. */
  readonly proxy: FaultConfig;
  readonly process: ProcessFaultRates;
}

/** A seeded, time-varying sequence of phases. */
export interface FaultSchedule {
  readonly phaseMs: number;
  /** The phase in force `elapsedMs` after the start. */
  phaseAt(elapsedMs: number): FaultPhase;
  /** Every phase drawn so far. */
  phases(): readonly FaultPhase[];
}

const clamp = (value: number) => Math.min(1, Math.max(0, value));

function pickWeather(random: () => number): FaultWeather {
  const total = WEATHER_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
  let r = random() * total;
  for (const [weather, weight] of WEATHER_WEIGHTS) {
    if (r < weight) return weather;
    r -= weight;
  }
  return 'steady';
}

/** The levels of one phase: the base levels scaled by its weather (and, when steady, by chance). */
function phaseLevels(base: FaultLevels, weather: FaultWeather, random: () => number): FaultLevels {
  const vary = () => 0.5 + random();
  const scaled = (factors: Partial<Record<keyof FaultLevels, number>>, rest = 1): FaultLevels => {
    const out = { ...base } as Record<keyof FaultLevels, number>;
    for (const key of Object.keys(base) as (keyof FaultLevels)[]) {
      if (key === 'entryThrottleShare' || key === 'spikeMs') continue;
      out[key] = base[key] * (factors[key] ?? rest);
    }
    return out;
  };
  switch (weather) {
    case 'steady': {
      const out = { ...base } as Record<keyof FaultLevels, number>;
      for (const key of Object.keys(base) as (keyof FaultLevels)[]) {
        if (key !== 'entryThrottleShare' && key !== 'spikeMs') out[key] = base[key] * vary();
      }
      return out;
    }
    case 'calm':
      return scaled({ entryFailureRate: 0.5 }, 0.2);
    case 'throttlingStorm':
      return { ...scaled({ entryFailureRate: 1.5 }), throttleRate: 0.25, entryThrottleShare: 0.9 };
    case 'serverErrors':
      return scaled({ internalErrorRate: 8, unavailableRate: 8 });
    case 'latencyStorm':
      return scaled({ spikeRate: 10, latencyMs: 5, latencyJitterMs: 5 });
    case 'flakyNetwork':
      return scaled({ dropBeforeRate: 8, dropAfterRate: 8 });
    case 'crashes':
      return scaled({ killRate: 5, hangRate: 4, stallRate: 4 });
  }
}

function toPhase(index: number, weather: FaultWeather, levels: FaultLevels): FaultPhase {
  // The proxy refuses request-level rates that add up above 1: scale them down together if needed.
  const requestRates = [
    levels.throttleRate,
    levels.internalErrorRate,
    levels.unavailableRate,
    levels.dropBeforeRate,
    levels.dropAfterRate,
  ];
  const sum = requestRates.reduce((a, b) => a + b, 0);
  const shrink = sum > 0.9 ? 0.9 / sum : 1;
  return {
    index,
    weather,
    proxy: {
      entryFailureRate: clamp(levels.entryFailureRate),
      entryThrottleShare: clamp(levels.entryThrottleShare),
      throttleRate: levels.throttleRate * shrink,
      internalErrorRate: levels.internalErrorRate * shrink,
      unavailableRate: levels.unavailableRate * shrink,
      dropBeforeRate: levels.dropBeforeRate * shrink,
      dropAfterRate: levels.dropAfterRate * shrink,
      latencyMs: Math.max(0, levels.latencyMs),
      latencyJitterMs: Math.max(0, levels.latencyJitterMs),
      spikeRate: clamp(levels.spikeRate),
      spikeMs: Math.max(0, levels.spikeMs),
    },
    process: {
      killRate: clamp(levels.killRate),
      hangRate: clamp(levels.hangRate),
      stallRate: clamp(levels.stallRate),
    },
  };
}

/** The schedule for a run: phases of `phaseMs`, drawn lazily from `seed`, in order. */
export function faultSchedule(base: FaultLevels, seed: number, phaseMs: number): FaultSchedule {
  if (!(phaseMs > 0)) throw new RangeError(`phaseMs must be above 0; got ${phaseMs}`);
  // A stream of its own, apart from the proxy's: the phases do not depend on how many calls were made.
  const random = seededRandom((seed ^ 0x5eed) >>> 0);
  const drawn: FaultPhase[] = [];
  return {
    phaseMs,
    phaseAt(elapsedMs) {
      const index = Math.max(0, Math.floor(elapsedMs / phaseMs));
      while (drawn.length <= index) {
        // The first phase is always steady, so a short run still sees every kind at its base level.
        const weather = drawn.length === 0 ? 'steady' : pickWeather(random);
        drawn.push(toPhase(drawn.length, weather, phaseLevels(base, weather, random)));
      }
      return drawn[index];
    },
    phases: () => [...drawn],
  };
}
