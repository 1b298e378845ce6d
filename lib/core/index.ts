export { fullJitterBackoff } from './backoff.js';
export { AsyncSinkError, OptionError, SinkConfigurationError } from './errors.js';
export {
  type ResolvedSinkOptions,
  resolveSinkOptions,
  SINK_DEFAULTS,
  SINK_OPTION_RANGES,
  type SinkOptions,
} from './options.js';
export {
  type AimdOptions,
  AimdRateLimiter,
  type RateLimitingStrategy,
  type RequestInfo,
  type ResultInfo,
} from './rate-limiter.js';
export type { RecordReader, SinkInput } from './record-input.js';
export { AsyncSink, type RunOptions } from './sink.js';
export * from './types.js';
