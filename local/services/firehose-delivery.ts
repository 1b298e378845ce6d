/**
 * How the local Firehose endpoint delivers: each delivery stream buffers the records it
 * accepted and writes them to a file when the buffer reaches its size or its interval ends,
 * in the folders Firehose uses in S3 (`<dir>/<stream>/YYYY/MM/DD/HH/<file>`).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** One delivery stream, and the records it buffers. */
export interface StreamState {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: number;
  readonly type: string;
  pending: Buffer[];
  pendingBytes: number;
  timer: NodeJS.Timeout | undefined;
}

interface DeliveredFile {
  readonly path: string;
  readonly lengths: number[];
}

interface Delivery {
  files: DeliveredFile[];
  count: number;
  // Writes are chained so files appear, and are indexed, in the order records were accepted.
  chain: Promise<void>;
}

/** Buffering hints, as Firehose's S3 destination has them. */
export interface Buffering {
  readonly dir: string;
  readonly bufferSizeBytes: number;
  readonly bufferIntervalMs: number;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** The folder and file name Firehose would write now. */
function fileFor(dir: string, stream: string): { folder: string; file: string } {
  const now = new Date();
  const [y, mo, day, h] = [
    String(now.getUTCFullYear()),
    pad(now.getUTCMonth() + 1),
    pad(now.getUTCDate()),
    pad(now.getUTCHours()),
  ];
  const stamp = `${y}-${mo}-${day}-${h}-${pad(now.getUTCMinutes())}-${pad(now.getUTCSeconds())}`;
  const folder = path.join(dir, stream, y, mo, day, h);
  return { folder, file: path.join(folder, `${stream}-1-${stamp}-${randomUUID()}`) };
}

/** The delivery streams of one endpoint, their buffers and what they delivered. */
export class FirehoseDeliveries {
  readonly streams = new Map<string, StreamState>();
  private readonly deliveries = new Map<string, Delivery>();
  private deliveryError: Error | undefined;

  constructor(readonly buffering: Buffering) {}

  /** A stream's deliveries, made on first use. */
  delivery(name: string): Delivery {
    let d = this.deliveries.get(name);
    if (!d) {
      d = { files: [], count: 0, chain: Promise.resolve() };
      this.deliveries.set(name, d);
    }
    return d;
  }

  /** Buffers records; delivers when the buffer is full, or starts the interval's timer. */
  accept(stream: StreamState, records: Buffer[]): void {
    for (const record of records) {
      stream.pending.push(record);
      stream.pendingBytes += record.length;
    }
    if (stream.pendingBytes >= this.buffering.bufferSizeBytes) {
      void this.deliver(stream).catch(() => undefined);
    } else if (!stream.timer && stream.pending.length > 0) {
      stream.timer = setTimeout(
        () => void this.deliver(stream).catch(() => undefined),
        this.buffering.bufferIntervalMs,
      );
      stream.timer.unref();
    }
  }

  /** Writes the stream's buffered records to a file, after the writes before it. */
  deliver(stream: StreamState): Promise<void> {
    if (stream.timer) clearTimeout(stream.timer);
    stream.timer = undefined;
    const d = this.delivery(stream.name);
    if (stream.pending.length === 0) return d.chain;
    const records = stream.pending;
    stream.pending = [];
    stream.pendingBytes = 0;
    const { folder, file } = fileFor(this.buffering.dir, stream.name);
    d.chain = d.chain.then(async () => {
      await mkdir(folder, { recursive: true });
      // Firehose concatenates records as they are, with no separator; the index keeps their boundaries.
      await writeFile(file, Buffer.concat(records));
      d.files.push({ path: file, lengths: records.map((r) => r.length) });
      d.count += records.length;
    });
    d.chain.catch((err: Error) => {
      this.deliveryError ??= err;
    });
    return d.chain;
  }

  /** Delivers every buffered record now; throws the first failed write. */
  async flush(): Promise<void> {
    await Promise.all([...this.streams.values()].map((s) => this.deliver(s)));
    await Promise.all([...this.deliveries.values()].map((d) => d.chain));
    if (this.deliveryError) throw this.deliveryError;
  }

  /** Each delivered record's bytes, in delivery order; flushes the stream first unless told not to. */
  async read(stream: string, flush: boolean): Promise<Buffer[]> {
    const state = this.streams.get(stream);
    if (state && flush) await this.deliver(state);
    const d = this.deliveries.get(stream);
    if (!d) return [];
    await d.chain;
    const out: Buffer[] = [];
    for (const file of d.files) {
      const bytes = await readFile(file.path);
      let offset = 0;
      for (const length of file.lengths) {
        out.push(bytes.subarray(offset, offset + length));
        offset += length;
      }
    }
    return out;
  }

  count(stream: string): number {
    return this.deliveries.get(stream)?.count ?? 0;
  }

  files(stream: string): string[] {
    return (this.deliveries.get(stream)?.files ?? []).map((f) => f.path);
  }
}
