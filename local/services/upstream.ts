/**
 * The fault proxy's way to its upstream: forwards a call (streamed, or with a body read or
 * rewritten), reads the answer whole, and writes answers back with the headers recomputed.
 */
import http from 'node:http';

/** An upstream's answer, read whole. */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

// Hop-by-hop headers, plus those we recompute when a body is rewritten.
const DROPPED_HEADERS = ['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host'];

/** Everything a stream holds, as one buffer. */
export async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

function forwardHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = { ...headers };
  for (const name of DROPPED_HEADERS) delete out[name];
  return out;
}

/** Writes an answer with its length recomputed. */
export function reply(
  res: http.ServerResponse,
  status: number,
  headers: http.IncomingHttpHeaders,
  body: Buffer,
): void {
  const out = forwardHeaders(headers);
  out['content-length'] = body.length;
  res.writeHead(status, out);
  res.end(body);
}

/** The service behind the proxy, reached over keep-alive connections. */
export class Upstream {
  private readonly url: URL;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  /** `onFailure` is told of every call the upstream could not be reached for. */
  constructor(
    url: string,
    private readonly onFailure: () => void,
  ) {
    this.url = new URL(url);
  }

  /** Sends the call with `body` and reads the answer whole. */
  send(req: http.IncomingMessage, body: Buffer): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      const up = this.request(req, body);
      up.once('error', reject);
      up.once('response', (res) => {
        readAll(res).then(
          (data) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: data }),
          reject,
        );
      });
      up.end(body);
    });
  }

  /** Sends the call with `body` and writes the upstream's answer back. */
  async sendAndReply(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const answer = await this.send(req, body);
    reply(res, answer.status, answer.headers, answer.body);
  }

  /** Streams the call upstream and the answer back, untouched. */
  passThrough(req: http.IncomingMessage, res: http.ServerResponse): void {
    const up = this.request(req);
    up.once('response', (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, forwardHeaders(upRes.headers));
      upRes.pipe(res);
    });
    up.once('error', () => this.failed(res));
    req.pipe(up);
  }

  /** Answers 502, or cuts the connection when the answer has begun. */
  failed(res: http.ServerResponse): void {
    this.onFailure();
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end('fault proxy: upstream unreachable');
  }

  destroy(): void {
    this.agent.destroy();
  }

  private request(req: http.IncomingMessage, body?: Buffer): http.ClientRequest {
    const headers = forwardHeaders(req.headers);
    if (body) headers['content-length'] = body.length;
    else if (req.headers['content-length'] !== undefined)
      headers['content-length'] = req.headers['content-length'];
    else if (req.headers['transfer-encoding'] !== undefined)
      headers['transfer-encoding'] = req.headers['transfer-encoding'];
    return http.request({
      agent: this.agent,
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      port: this.url.port,
      method: req.method,
      path: req.url,
      headers,
    });
  }
}
