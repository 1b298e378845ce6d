export {
  AggregatedRecordBuilder,
  decodeAggregatedRecord,
  encodeAggregatedRecord,
  isAggregatedRecord,
  KPL_FRAMING_BYTES,
  KPL_MAGIC,
  type KplTag,
  type KplUserRecord,
} from './aggregated-record.js';
export { KplFormatError } from './kpl-format-error.js';
