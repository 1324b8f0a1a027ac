/**
 * The exporter's HTTP endpoint: GET /metrics answers with the last completed scan, rendered in the format
 * the scraper asks for — OpenMetrics when its Accept header names application/openmetrics-text (Prometheus
 * sends that first), else the Prometheus text format 0.0.4. Nothing here waits for a scan: before the first
 * one completes, /metrics answers 503 with Retry-After. A scrape renders the registry its scan built
 * (metrics.ts) and shares nothing the scanner writes: a slow or concurrent scraper cannot hold it up.
 *
 * Clients are not trusted (any local user can connect, and on a pod network anyone who can reach it):
 * - connections are capped, the oldest idle one giving way to a newcomer (connection-cap.ts);
 * - each step has a deadline (TIMEOUTS): the TLS handshake, the request's headers, the whole request,
 *   the pause between keep-alive requests, and any silence on the socket (a reader that stops reading);
 * - with a web configuration file (web-config.ts), HTTPS and basic authentication, on every path.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { BasicAuth } from './basic-auth.js';
import { ConnectionCap } from './connection-cap.js';
import { CONTENT_TYPE, type Format } from './metrics.js';
import type { WebConfig } from './web-config.js';

/** What the endpoint serves: the rendering of the last scan, or null before the first one. */
export type Render = (format: Format) => Promise<string> | null;

/** The format an Accept header asks for. */
export function negotiate(accept: string | undefined): Format {
  return accept !== undefined && /application\/openmetrics-text/i.test(accept) ? 'openmetrics' : 'prometheus';
}

const INDEX =
  '<html><head><title>kcmp exporter</title></head><body><a href="/metrics">/metrics</a></body></html>\n';

/** Deadlines, in ms. Prometheus's scrape_timeout is 10 s by default; a scraper sends its whole request at
 * once and reads the answer as it comes. */
export interface Timeouts {
  /** From the TCP connection to the end of the TLS handshake. */
  handshake: number;
  /** From the connection (or the previous response) to the end of the request's headers. */
  headers: number;
  /** To the end of the whole request. */
  request: number;
  /** Between a response and the next request on a kept-alive connection. */
  keepAlive: number;
  /** Of silence on a socket, either way: a client that stopped reading its answer. */
  idle: number;
}

export const TIMEOUTS: Timeouts = {
  handshake: 10_000,
  headers: 10_000,
  request: 10_000,
  keepAlive: 5_000,
  idle: 30_000,
};

/** How the endpoint meets its clients. */
export interface EndpointOptions {
  /** Connections held at once. */
  maxConnections: number;
  /** TLS and basic authentication, from --web.config.file. */
  web: WebConfig;
  /** TIMEOUTS unless given. */
  timeouts?: Partial<Timeouts>;
}

/** The endpoint's server: HTTP, or HTTPS with a tls_server_config. */
export type MetricsServer = Server | HttpsServer;

export function metricsServer(render: Render, options: EndpointOptions): MetricsServer {
  const timeouts = { ...TIMEOUTS, ...options.timeouts };
  const cap = new ConnectionCap(options.maxConnections);
  const auth = options.web.users && new BasicAuth(options.web.users);
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    cap.serving(req, res);
    if (!auth) {
      answer(req, res, render);
      return;
    }
    auth.check(req.headers.authorization).then(
      (outcome) => {
        if (outcome === 'allowed') answer(req, res, render);
        else if (outcome === 'busy')
          plain(res, 503, 'too many authentications in progress\n', { 'Retry-After': '1' });
        else
          plain(res, 401, 'unauthorized\n', {
            'WWW-Authenticate': 'Basic realm="kcmp exporter", charset="UTF-8"',
          });
      },
      (error: Error) => plain(res, 500, `${error.message}\n`),
    );
  };
  const http = {
    headersTimeout: timeouts.headers,
    requestTimeout: timeouts.request,
    keepAliveTimeout: timeouts.keepAlive,
    // How often Node looks for connections past headersTimeout/requestTimeout (default 30 s).
    connectionsCheckingInterval: Math.min(1000, timeouts.headers),
  };
  const server = options.web.tls
    ? createHttpsServer({ ...options.web.tls, ...http, handshakeTimeout: timeouts.handshake }, handler)
    : createServer(http, handler);
  server.setTimeout(timeouts.idle); // with no 'timeout' listener, a silent socket is destroyed
  cap.attach(server);
  return server;
}

function plain(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers }).end(body);
}

/** The answer to an admitted request. */
function answer(req: IncomingMessage, res: ServerResponse, render: Render): void {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  if (path === '/') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(INDEX);
    return;
  }
  if (path !== '/metrics') {
    plain(res, 404, 'not found: try /metrics\n');
    return;
  }
  const format = negotiate(req.headers.accept);
  const text = render(format);
  if (text === null) {
    plain(res, 503, 'no scan has completed yet\n', { 'Retry-After': '1' });
    return;
  }
  text.then(
    (body) =>
      res.writeHead(200, { 'Content-Type': CONTENT_TYPE[format] }).end(req.method === 'HEAD' ? '' : body),
    (error: Error) => plain(res, 500, `${error.message}\n`),
  );
}
