/**
 * The HTTP side of --metrics: serves a PrometheusRenderer's text on /metrics.
 * It is itself a renderer (render() hands the snapshot on), so main.ts wires
 * it like any other output, next to the dashboard, lines or JSON.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { SockexError } from '../errors.js';
import type { PrometheusRenderer } from './prometheus.js';
import type { Renderer } from './renderer.js';

export interface MetricsServer extends Renderer {
  /** Where it listens, e.g. http://127.0.0.1:9469/metrics. */
  readonly url: string;
}

export interface ListenAddress {
  /** An IPv4 address, an IPv6 address (without brackets) or a host name. */
  host: string;
  port: number;
}

const METRICS_PATH = '/metrics';
/** Bytes sent at a time: large enough for few writes, small enough to stay out of the way. */
export const PIECE_BYTES = 64 * 1024;

/** Listen on address; resolves once listening, or rejects with a one-line SockexError. */
export function serveMetrics(address: ListenAddress, exposition: PrometheusRenderer): Promise<MetricsServer> {
  const authority = address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => void answer(req, res, exposition));
  // Prometheus keeps its connection alive between scrapes: track them, so
  // close() does not wait for the next idle timeout.
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, authority, address.port)));
    server.listen({ host: address.host, port: address.port }, () => {
      server.removeAllListeners('error');
      // A failure after listening (EMFILE on accept) must not end the run.
      server.on('error', () => undefined);
      let closed = false;
      resolve({
        url: `http://${authority}${METRICS_PATH}`,
        render(snapshot, status) {
          exposition.render(snapshot, status);
        },
        close() {
          if (closed) return;
          closed = true;
          server.close();
          for (const socket of sockets) socket.destroy();
          exposition.close();
        },
      });
    });
  });
}

async function answer(req: IncomingMessage, res: ServerResponse, exposition: PrometheusRenderer): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('only GET and HEAD\n');
    return;
  }
  if (path === '/') {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`sockex: metrics are on ${METRICS_PATH}\n`);
    return;
  }
  if (path !== METRICS_PATH) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`not found: metrics are on ${METRICS_PATH}\n`);
    return;
  }
  let pieces: string[];
  try {
    pieces = await exposition.exposition();
  } catch (err) {
    res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`cannot render metrics: ${(err as Error).message}\n`);
    return;
  }
  res.writeHead(200, { 'Content-Type': exposition.contentType });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // Packed into one buffer, sent and waited for in turn: megabytes of text never become one string.
  const buffer = Buffer.allocUnsafe(PIECE_BYTES);
  let used = 0;
  for (const piece of pieces) {
    // At most 3 bytes a UTF-16 unit: a piece that may not fit waits for the next buffer.
    if (used + 3 * piece.length > buffer.length && used > 0) {
      await sent(res, buffer.subarray(0, used));
      used = 0;
    }
    if (3 * piece.length > buffer.length) await sent(res, piece);
    else used += buffer.write(piece, used);
    // The scraper hung up: nothing more to write.
    if (res.destroyed) return;
  }
  if (used > 0) await sent(res, buffer.subarray(0, used));
  res.end();
}

/** Resolves once chunk has left (the buffer it is in may be filled again), or the response is closed. */
function sent(res: ServerResponse, chunk: Buffer | string): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('close', done);
      resolve();
    };
    res.on('close', done);
    res.write(chunk, done);
  });
}

function listenError(err: NodeJS.ErrnoException, authority: string, port: number): SockexError {
  const what = `cannot serve metrics on ${authority}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return new SockexError('metrics-address', `${what}: the port is already in use; choose another with --metrics, or see what holds it with: ss -ltnp 'sport = :${port}'`);
    case 'EADDRNOTAVAIL':
      return new SockexError('metrics-address', `${what}: that address is not on this host; use 127.0.0.1, one of this host's addresses, or 0.0.0.0 for every address`);
    case 'EACCES':
      return new SockexError('metrics-address', `${what}: ports below 1024 need root or CAP_NET_BIND_SERVICE; use a port from 1024 up, e.g. 9469`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new SockexError('metrics-address', `${what}: the host name does not resolve; give an IP address instead`);
    default:
      return new SockexError('metrics-address', `${what} (${err.code ?? err.message}); try another address with --metrics`);
  }
}
