/**
 * A Firehose and SQS endpoint that answers at once, speaking each service's protocol
 * (AWS JSON 1.1 `PutRecordBatch`, AWS JSON 1.0 `SendMessageBatch` with the body's MD5 that
 * the SQS client checks). Like kinesis-stub.ts it exists so that a CPU figure measures the
 * client, not an emulator; it runs in the destination process.
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import { listenOnLoopback } from '../local/services/listen-on-loopback.js';

/** A running stub. */
export interface BatchStub {
  readonly endpoint: string;
  /** Entries accepted since the last reset. */
  accepted(): number;
  reset(): void;
  close(): Promise<void>;
}

const DATA_FIELD = Buffer.from('"Data":"');
const RECORD_ID = 'bench-record-0000000000000000000000000000000000000000000000000000000000000000';

function count(body: Buffer, field: Buffer): number {
  let n = 0;
  for (let at = body.indexOf(field); at !== -1; at = body.indexOf(field, at + field.length)) n++;
  return n;
}

function putRecordBatchAnswer(body: Buffer): unknown {
  // Data is base64 and holds no quotes: counting the field counts the records.
  const records = count(body, DATA_FIELD);
  return {
    FailedPutCount: 0,
    Encrypted: false,
    RequestResponses: Array.from({ length: records }, () => ({ RecordId: RECORD_ID })),
  };
}

function sendMessageBatchAnswer(body: Buffer): unknown {
  const request = JSON.parse(body.toString('utf8')) as { Entries?: { Id: string; MessageBody: string }[] };
  return {
    Successful: (request.Entries ?? []).map((entry) => ({
      Id: entry.Id,
      MessageId: randomUUID(),
      MD5OfMessageBody: createHash('md5').update(entry.MessageBody, 'utf8').digest('hex'),
    })),
    Failed: [],
  };
}

const OPERATIONS: Readonly<Record<string, { contentType: string; answer: (body: Buffer) => unknown }>> = {
  'Firehose_20150804.PutRecordBatch': {
    contentType: 'application/x-amz-json-1.1',
    answer: putRecordBatchAnswer,
  },
  'AmazonSQS.SendMessageBatch': { contentType: 'application/x-amz-json-1.0', answer: sendMessageBatchAnswer },
};

/** Starts the stub on 127.0.0.1, on a free port. */
export async function startBatchStub(): Promise<BatchStub> {
  let accepted = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const operation = OPERATIONS[String(req.headers['x-amz-target'] ?? '')];
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      let status = 200;
      let text: string;
      if (operation === undefined) {
        status = 400;
        text = JSON.stringify({
          __type: 'UnknownOperationException',
          message: 'not implemented by the stub',
        });
      } else {
        const answer = operation.answer(body) as { RequestResponses?: unknown[]; Successful?: unknown[] };
        accepted += (answer.RequestResponses ?? answer.Successful ?? []).length;
        text = JSON.stringify(answer);
      }
      res.writeHead(status, {
        'content-type': operation?.contentType ?? 'application/x-amz-json-1.1',
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': randomUUID(),
      });
      res.end(text);
    });
  });
  server.keepAliveTimeout = 60_000;
  const endpoint = await listenOnLoopback(server);
  return {
    endpoint,
    accepted: () => accepted,
    reset: () => {
      accepted = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
