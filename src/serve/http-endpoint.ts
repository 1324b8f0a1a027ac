/**
 * The exporter's HTTP endpoint: GET /metrics answers with the last completed scan, rendered in the format
 * the scraper asks for — OpenMetrics when its Accept header names application/openmetrics-text (Prometheus
 * sends that first), else the Prometheus text format 0.0.4. Nothing here waits for a scan: before the first
 * one completes, /metrics answers 503 with Retry-After. A scrape renders the registry its scan built
 * (metrics.ts) and shares nothing the scanner writes: a slow or concurrent scraper cannot hold it up.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CONTENT_TYPE, type Format } from './metrics.js';

/** What the endpoint serves: the rendering of the last scan, or null before the first one. */
export type Render = (format: Format) => Promise<string> | null;

/** The format an Accept header asks for. */
export function negotiate(accept: string | undefined): Format {
  return accept !== undefined && /application\/openmetrics-text/i.test(accept) ? 'openmetrics' : 'prometheus';
}

const INDEX =
  '<html><head><title>kcmp exporter</title></head><body><a href="/metrics">/metrics</a></body></html>\n';

export function metricsServer(render: Render): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
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
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found: try /metrics\n');
      return;
    }
    const format = negotiate(req.headers.accept);
    const text = render(format);
    if (text === null) {
      res
        .writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '1' })
        .end('no scan has completed yet\n');
      return;
    }
    text.then(
      (body) =>
        res.writeHead(200, { 'Content-Type': CONTENT_TYPE[format] }).end(req.method === 'HEAD' ? '' : body),
      (error: Error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${error.message}\n`),
    );
  });
}
