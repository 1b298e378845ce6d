/** The printed table: every figure with its parameters, its goal, and whether the goal was met. */
import type { ColdStartResult } from './cold-start.js';
import type { CoreOverheadResult } from './core-overhead.js';
import type { LambdaCostResult } from './lambda-cost.js';
import type { LatencyResult } from './latency.js';
import type { RequestCountResult } from './request-count.js';
import type { ThrottlingResult } from './throttling.js';
import type { WallTimeResult } from './wall-time.js';
import type { WholePathFigures, WholePathResult } from './whole-path.js';

/** One row of the table. */
export interface TableRow {
  readonly item: string;
  readonly figure: string;
  readonly parameters: string;
  readonly measured: string;
  readonly goal: string;
  /** 'met', 'not met', or 'info' when the issue sets no goal for the figure. */
  readonly status: 'met' | 'not met' | 'info';
}

/** Everything one run measured. */
export interface BenchResults {
  readonly coreOverhead: CoreOverheadResult;
  readonly requestCount: RequestCountResult;
  readonly latency: LatencyResult;
  readonly throttling: ThrottlingResult;
  readonly coldStart: ColdStartResult;
  readonly wholePath: WholePathResult;
  readonly wallTime: WallTimeResult;
  readonly lambdaCost: LambdaCostResult;
}

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const n = (value: number) => number.format(value);
// Lambda bills fractions of a cent per million records here: a fixed number of decimals would print $0.
const significant = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 });
const dollars = (value: number) => `$${significant.format(value)}`;
const ms = (value: number) => (value >= 10_000 ? `${n(value / 1_000)} s` : `${n(value)} ms`);
const pct = (share: number) => `${n(share * 100)} %`;
const status = (met: boolean): TableRow['status'] => (met ? 'met' : 'not met');

/** The rows of the table, in the issue's order. */
export function tableRows(results: BenchResults): TableRow[] {
  const { coreOverhead: core, requestCount: req, latency: lat, throttling: thr, coldStart: cold } = results;
  const coreParams = `${n(core.parameters.records)} entries of ${core.parameters.entryBytes.minBytes}–${core.parameters.entryBytes.maxBytes} B, ${core.parameters.requests} PutRecords of 500; median of ${core.parameters.repetitions} runs after ${core.parameters.warmupRepetitions} warm-up`;
  const latParams = `${n(lat.parameters.records)} SQS records of ${lat.parameters.bodyBytes.minBytes}–${lat.parameters.bodyBytes.maxBytes} B, +${lat.parameters.latencyMs} ms per call at the fault proxy, stub answers at once`;
  const fail = lat.underFailures;
  const sdkMs = (core.sdkSendMicrosPerEntry * lat.parameters.records) / 1_000;
  const rows: TableRow[] = [
    {
      item: '1',
      figure: 'Core overhead: the sink (AsyncSink alone) per entry vs the SDK serializing the same requests',
      parameters: `${coreParams}; destination in process, answers at once`,
      measured: `${core.sinkCoreMicrosPerEntry} µs vs ${core.sdkSerializeMicrosPerEntry} µs = ${pct(core.coreShareOfSerialize)}`,
      goal: `< ${pct(core.goalShare)}`,
      status: status(core.met),
    },
    {
      item: '1',
      figure: 'Core overhead with the Kinesis shim (entry checks, request building, response mapping)',
      parameters: coreParams,
      measured: `${core.sinkWithShimMicrosPerEntry} µs vs ${core.sdkSerializeMicrosPerEntry} µs = ${pct(core.withShimShareOfSerialize)}`,
      goal: `< ${pct(core.goalShare)}`,
      status: status(core.withShimMet),
    },
    {
      item: '1',
      figure: "Core overhead against the SDK's whole send() (serialize, sign, deserialize) in memory",
      parameters: coreParams,
      measured: `core ${core.sinkCoreMicrosPerEntry} µs, with shim ${core.sinkWithShimMicrosPerEntry} µs vs ${core.sdkSendMicrosPerEntry} µs = ${pct(core.coreShareOfSend)} / ${pct(core.withShimShareOfSend)}`,
      goal: '—',
      status: 'info',
    },
    {
      item: '2',
      figure: 'Requests vs the minimum possible',
      parameters: `${n(req.parameters.records)} records: ${req.parameters.mix}; ${n(req.parameters.totalBytes / 1024 / 1024)} MiB in all; real Kinesis destination and SDK, in-memory network`,
      measured: `${req.requests} requests; in-order minimum ${req.inOrderMinimum} (order-free lower bound ${req.lowerBound}); largest request ${req.largestRequestEntries} entries, ${n(req.largestRequestBytes)} B; ${n(req.recordsDone)} done`,
      goal: 'minimum + 1',
      status: status(req.met),
    },
    {
      item: '3',
      figure: 'Wall time under latency vs ideal ⌈requests / maxInFlightRequests⌉ × latency',
      parameters: `${latParams}; maxInFlightRequests ${lat.parameters.maxInFlightRequests}; median of ${lat.parameters.sinkRepetitions}`,
      measured: `${ms(lat.sink.elapsedMs)} vs ⌈${lat.sink.sinkRequests}/${lat.parameters.maxInFlightRequests}⌉ × ${lat.parameters.latencyMs} = ${ms(lat.idealMs)}: ${n(lat.sinkOverIdeal)}× (client CPU ${ms(lat.sink.cpuMs)})`,
      goal: `≤ ${lat.goalRatio}×`,
      status: status(lat.met),
    },
    {
      item: '3',
      figure: "The same against the ideal plus the SDK's own CPU for these requests (item 1's whole send())",
      parameters: 'as above; SDK CPU = item 1 µs per entry × records, run in this process',
      measured: `${ms(lat.sink.elapsedMs)} vs ${ms(lat.idealMs)} + ${ms(sdkMs)} = ${ms(lat.idealMs + sdkMs)}: ${n(lat.sink.elapsedMs / (lat.idealMs + sdkMs))}×`,
      goal: '—',
      status: 'info',
    },
    {
      item: '3',
      figure: '(a) Powertools BatchProcessor, one PutRecord per record, parallel (its default)',
      parameters: `${latParams}; one run`,
      measured: `${ms(lat.powertools.elapsedMs)}, ${n(lat.powertools.requests)} requests, client CPU ${ms(lat.powertools.cpuMs)}: ${n(lat.powertoolsOverSink)}× the sink's time`,
      goal: '—',
      status: 'info',
    },
    {
      item: '3',
      figure: '(a) the same, sequential (processInParallel: false)',
      parameters: `${n(lat.powertoolsSequential.records)} records, +${lat.parameters.latencyMs} ms, extrapolated to ${n(lat.parameters.records)}`,
      measured: `${ms(lat.powertoolsSequential.elapsedMs)} for ${n(lat.powertoolsSequential.records)}, about ${ms(lat.powertoolsSequential.extrapolatedMs)} for ${n(lat.parameters.records)}: ${n(lat.powertoolsSequential.extrapolatedMs / lat.sink.elapsedMs)}× the sink's time`,
      goal: '—',
      status: 'info',
    },
    {
      item: '3',
      figure: '(b) hand-rolled chunks of 500 with Promise.all, no retry',
      parameters: `${latParams}; median of ${lat.parameters.sinkRepetitions}`,
      measured: `${ms(lat.handRolled.elapsedMs)}, ${lat.handRolled.requests} requests (all at once), client CPU ${ms(lat.handRolled.cpuMs)}: ${n(lat.handRolledOverSink)}× the sink's time`,
      goal: '—',
      status: 'info',
    },
    {
      item: '3',
      figure: `Records reported done but missing at the destination, ${pct(lat.parameters.entryFailureRate)} injected failures`,
      parameters: `${latParams}; ${pct(lat.parameters.entryFailureRate)} of entries (PutRecords) or calls (PutRecord) failed, half throttled`,
      measured: `sink ${n(fail.sink.doneButMissing)} (${n(fail.sink.reportedFailed)} reported failed, ${ms(fail.sink.elapsedMs)}, ${n(fail.sink.requests)} requests); Powertools ${n(fail.powertools.doneButMissing)} (${n(fail.powertools.reportedFailed)} reported failed, ${ms(fail.powertools.elapsedMs)}); hand-rolled ${n(fail.handRolled.doneButMissing)} (${ms(fail.handRolled.elapsedMs)})`,
      goal: 'sink: 0',
      status: status(fail.sink.doneButMissing === 0),
    },
    {
      item: '3',
      figure: `The sink under ${pct(lat.parameters.entryFailureRate)} failed entries, all InternalFailure (none throttled)`,
      parameters: latParams,
      measured: `${ms(fail.sinkWithoutThrottles.elapsedMs)}, ${n(fail.sinkWithoutThrottles.requests)} requests, ${n(fail.sinkWithoutThrottles.doneButMissing)} done but missing, ${n(fail.sinkWithoutThrottles.reportedFailed)} reported failed`,
      goal: '—',
      status: 'info',
    },
    {
      item: '4',
      figure: 'Throttling: delivered per second as a fraction of X, nothing lost',
      parameters: `X = ${n(thr.parameters.entriesPerSecond)} entries/s (token bucket of ${thr.parameters.bucketCapacity}), +${thr.parameters.latencyMs} ms, ${thr.parameters.invocations} invocations × ${n(thr.parameters.recordsPerInvocation)} records in a row`,
      measured: `sink ${n(thr.sink.deliveredFraction)} (${n(thr.sink.accepted)} delivered in ${ms(thr.sink.elapsedMs)}; floor ${ms(thr.floorMs)}), ${n(thr.sink.reportedFailed)} reported failed, ${n(thr.sink.doneButMissing)} done but missing, ${n(thr.sink.sendsPerDelivery)} sends per delivery`,
      goal: `≥ ${thr.goal.match(/≥ ([\d.]+)/)?.[1] ?? ''}, 0 lost`,
      status: status(thr.met),
    },
    {
      item: '4',
      figure: 'Against a fixed-delay retry',
      parameters: `the same load; ${thr.parameters.contenders[thr.fixedDelay.contender] ?? ''}`,
      measured: `${n(thr.fixedDelay.deliveredFraction)} (${n(thr.fixedDelay.accepted)} delivered in ${ms(thr.fixedDelay.elapsedMs)}), ${n(thr.fixedDelay.reportedFailed)} reported failed, ${n(thr.fixedDelay.doneButMissing)} done but missing, ${n(thr.fixedDelay.sendsPerDelivery)} sends per delivery`,
      goal: '—',
      status: 'info',
    },
  ];
  rows.push(...issue13Rows(results));
  for (const row of cold.rows) {
    rows.push({
      item: '5',
      figure: `Cold start: ${row.function.name} vs a bare function importing only the ${row.client} client`,
      parameters: `${cold.parameters.bundler}; median of ${cold.parameters.imports} imports in fresh processes, Node ${cold.parameters.node}`,
      measured: `${n(row.function.bytes / 1024)} KiB vs ${n(row.bare.bytes / 1024)} KiB (${n(row.sizeRatio)}×); import ${ms(row.function.importMsMedian)} vs ${ms(row.bare.importMsMedian)} (${n(row.importRatio)}×)`,
      goal: '—',
      status: 'info',
    });
  }
  return rows;
}

const DESTINATION_NAMES = {
  kinesis: 'Kinesis PutRecords',
  firehose: 'Firehose PutRecordBatch',
  sqs: 'SQS SendMessageBatch',
};

function wholePathRow(result: WholePathResult, figures: WholePathFigures): TableRow {
  const p = result.parameters;
  const us = figures.microsPerRecord;
  const ratio = figures.defaultOverMinimal;
  return {
    item: 'P6',
    figure: `Whole path client CPU per record, ${DESTINATION_NAMES[figures.destination as keyof typeof DESTINATION_NAMES]}: default client vs a minimal client`,
    parameters: `${n(figures.records)} SQS records of ${p.bodyBytes.minBytes}–${p.bodyBytes.maxBytes} B → ${n(figures.requests)} requests over loopback to a stub, maxInFlightRequests ${p.maxInFlightRequests}; ${p.rounds} interleaved rounds after ${p.warmupRounds} warm-up, ratio per round, median (p25–p75)`,
    measured: `${n(us['default client'].median)} µs vs ${n(us['minimal client'].median)} µs: ${n(ratio.median)}× (${n(ratio.p25)}–${n(ratio.p75)}); before issue 13 ${n(us['before issue 13'].median)} µs: ${n(figures.beforeOverMinimal.median)}×`,
    goal: `≤ ${result.goalRatio}×`,
    status: status(figures.met),
  };
}

/** P6, P7 and P9 of issue 13. */
function issue13Rows(results: BenchResults): TableRow[] {
  const { wholePath, wallTime, lambdaCost } = results;
  const rows = [wholePath.kinesis, wholePath.firehose, wholePath.sqs].map((f) => wholePathRow(wholePath, f));
  const w = wallTime.parameters;
  const p7 = [
    wallTime.sink,
    ...(wallTime.beforeStreaming ? [wallTime.beforeStreaming] : []),
    wallTime.beforeIssue13,
  ];
  for (const f of p7) {
    const isSink = f === wallTime.sink;
    rows.push({
      item: 'P7',
      figure: isSink
        ? 'Wall time vs max(client CPU, ⌈requests / in-flight⌉ × latency); first request on the wire'
        : f === wallTime.beforeIssue13
          ? 'The same with the client as before issue 13 (SDK serializer and logger)'
          : 'The same, the library before the streaming intake (event converted and checked whole first)',
      parameters: `${n(w.records)} SQS records of ${w.bodyBytes.minBytes}–${w.bodyBytes.maxBytes} B, +${w.latencyMs} ms per call, maxInFlightRequests ${w.maxInFlightRequests}; median of ${w.repetitions}, interleaved`,
      measured: `${ms(f.elapsedMs)} vs max(CPU ${ms(f.cpuMs)}, ⌈${f.requests}/${w.maxInFlightRequests}⌉ × ${w.latencyMs} = ${ms(f.idealMs)}): ${n(f.overFloor)}×; first request after ${ms(f.firstRequestMs)} (CPU per request ${ms(f.cpuPerRequestMs)})`,
      goal: isSink ? `≤ ${wallTime.goalRatio}×` : '—',
      status: isSink ? status(wallTime.met) : 'info',
    });
  }
  for (const c of lambdaCost.contenders) {
    const cells = c.byMemory.map(
      (m) =>
        `${m.memoryMb} MB: ${n(m.gbSecondsPerMillionRecords)} GB-s, ${dollars(m.dollarsPerMillionRecords.arm64)} arm64 / ${dollars(m.dollarsPerMillionRecords.x86_64)} x86`,
    );
    rows.push({
      item: 'P9',
      figure: `Estimated Lambda cost per million records: ${c.contender}`,
      parameters: `client CPU ${ms(c.cpuMs)} and wall ${ms(c.elapsedMs)} per ${n(c.records)} records at +20 ms (measured above); ${lambdaCost.model}`,
      measured: cells.join('; '),
      goal: '—',
      status: 'info',
    });
  }
  return rows;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The rows as a Markdown table. */
export function markdownTable(rows: readonly TableRow[]): string {
  const lines = [
    '| # | figure | parameters | measured | goal | status |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.item} | ${cell(row.figure)} | ${cell(row.parameters)} | ${cell(row.measured)} | ${cell(row.goal)} | ${row.status} |`,
    ),
  ];
  return lines.join('\n');
}
