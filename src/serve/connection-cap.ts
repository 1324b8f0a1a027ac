/**
 * At most `max` connections to the exporter at once, counted as TCP connections (before any TLS
 * handshake): each holds an fd and buffers, and a scan needs fds too (a directory fd per process, a
 * sock_diag socket per network namespace). Without a cap, clients holding thousands of idle connections
 * took every fd, so scrapes got no answer and every scan failed with EMFILE.
 *
 * Refusing the newest connection at the cap (net.Server's maxConnections) would let whoever holds the cap
 * lock scrapes out. Instead, a connection beyond the cap evicts the oldest one that is not being answered:
 * a client that connects and then idles, or sends half a request, loses its connection to the next one,
 * while a scrape, which sends its request at once, is answered before `max` newer connections arrive.
 * Only when every connection is mid-request is the newcomer refused.
 *
 *   connect ─▶ under the cap? ── yes ─▶ kept, oldest first
 *                  └─ no ─▶ oldest idle one closed ─▶ kept   (none idle ─▶ the newcomer closed)
 *   request ─▶ its connection is busy until the response ends ─▶ idle again (keep-alive)
 *
 * Under TLS the request arrives on a TLSSocket wrapped around the counted TCP socket: both have the same
 * peer address and port, which is how a request finds its connection (only public socket fields).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server, Socket } from 'node:net';

interface Connection {
  socket: Socket;
  /** Requests being answered on it (pipelined requests can overlap). */
  requests: number;
}

function peerOf(socket: Socket): string | undefined {
  return socket.remoteAddress === undefined ? undefined : `[${socket.remoteAddress}]:${socket.remotePort}`;
}

export class ConnectionCap {
  /** Open connections by peer, oldest first (a Map iterates in insertion order). */
  readonly #open = new Map<string, Connection>();

  constructor(readonly max: number) {}

  /** Counts every TCP connection `server` accepts from now on. */
  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.#admit(socket));
  }

  /** Marks the connection of `req` busy until `res` ends: it is not evicted for a newer one meanwhile. */
  serving(req: IncomingMessage, res: ServerResponse): void {
    const peer = peerOf(req.socket);
    const connection = peer === undefined ? undefined : this.#open.get(peer);
    if (connection === undefined) return;
    connection.requests++;
    res.once('close', () => connection.requests--);
  }

  #admit(socket: Socket): void {
    const peer = peerOf(socket);
    if (peer === undefined) {
      socket.destroy(); // reset before we saw it
      return;
    }
    if (this.#open.size >= this.max && !this.#evictIdle()) {
      socket.destroy();
      return;
    }
    const connection = { socket, requests: 0 };
    this.#open.set(peer, connection);
    socket.once('close', () => {
      if (this.#open.get(peer) === connection) this.#open.delete(peer);
    });
  }

  /** Closes the oldest connection not being answered; false when every one is. */
  #evictIdle(): boolean {
    for (const [peer, connection] of this.#open) {
      if (connection.requests > 0) continue;
      this.#open.delete(peer);
      connection.socket.destroy();
      return true;
    }
    return false;
  }
}
