/**
 * The records `npm start` produces: JSON, each with a unique id, padded to a chosen size,
 * so that reading the destination back can tell which records arrived, and how often.
 */

/** The id of the `index`-th record of a run of `total`, e.g. `r-000123`. */
export function sampleRecordId(index: number, total: number): string {
  return `r-${String(index).padStart(Math.max(6, String(total - 1).length), '0')}`;
}

/** The payload of the `index`-th record: `{"id":"r-000123","seq":123,"producedAt":…,"pad":"…"}`, about `bytes` long. */
export function sampleRecord(index: number, total: number, bytes: number): string {
  const head = { id: sampleRecordId(index, total), seq: index, producedAt: Date.now() };
  const bare = JSON.stringify({ ...head, pad: '' });
  return JSON.stringify({ ...head, pad: '.'.repeat(Math.max(0, bytes - bare.length)) });
}

/**
 * The `index`-th record as a CloudWatch metric datum, for the `*-to-cloudwatch` pipelines: the
 * record's id is its one dimension's value, since CloudWatch keeps no field of its own.
 */
export function sampleMetricDatum(index: number, total: number): string {
  return JSON.stringify({
    MetricName: 'SampleRecords',
    Dimensions: [{ Name: 'id', Value: sampleRecordId(index, total) }],
    Value: index,
    Unit: 'Count',
  });
}

const ID_PATTERN = /"id":"(r-\d+)"/;

/** The id inside a payload read back from a destination, or undefined when it holds none. */
export function sampleRecordIdOf(payload: string): string | undefined {
  return ID_PATTERN.exec(payload)?.[1];
}
