/**
 * Which sockets are listening, from the socket tables of a process's network namespace (proc(5)):
 * /proc/PID/net/tcp and tcp6 (column `st` 0A = TCP_LISTEN, column 10 the inode) and /proc/PID/net/unix
 * (column `Flags` with __SO_ACCEPTCON 0x10000 set after listen(2); column 7 the inode). A socket's inode
 * is the N of its fd link "socket:[N]". The tables are per namespace, so results are cached by the
 * namespace link /proc/PID/ns/net. Other families (SCTP, vsock, …) are not read: their sockets count as
 * "not known to listen", never as proven idle.
 */
import { readFileSync, readlinkSync } from 'node:fs';

const TCP_LISTEN = '0A';
const SO_ACCEPTCON = 0x10000;

/** Inodes of listening sockets in one /proc/PID/net/tcp or tcp6 text. */
export function parseTcpListening(text: string): number[] {
  const inodes: number[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols[3] === TCP_LISTEN && cols[9] !== undefined) inodes.push(Number(cols[9]));
  }
  return inodes;
}

/** Inodes of listening sockets in one /proc/PID/net/unix text. */
export function parseUnixListening(text: string): number[] {
  const inodes: number[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols[3] !== undefined && (Number.parseInt(cols[3], 16) & SO_ACCEPTCON) !== 0)
      inodes.push(Number(cols[6]));
  }
  return inodes;
}

/** Listening-socket inodes per network namespace, read once per namespace. */
export class ListeningSockets {
  private readonly byNamespace = new Map<string, Set<number> | null>();

  /** Whether socket inode `inode`, held by process `pid`, is listening; null if the tables are unreadable. */
  isListening(pid: number, inode: number): boolean | null {
    const set = this.of(pid);
    return set === null ? null : set.has(inode);
  }

  private of(pid: number): Set<number> | null {
    let ns: string;
    try {
      ns = readlinkSync(`/proc/${pid}/ns/net`);
    } catch {
      ns = `pid:${pid}`; // no namespace link to read (gone, or denied): cache per pid instead
    }
    let set = this.byNamespace.get(ns);
    if (set === undefined) {
      set = read(pid);
      this.byNamespace.set(ns, set);
    }
    return set;
  }
}

function read(pid: number): Set<number> | null {
  const inodes = new Set<number>();
  let readable = false;
  for (const [file, parse] of [
    ['tcp', parseTcpListening],
    ['tcp6', parseTcpListening],
    ['unix', parseUnixListening],
  ] as const) {
    try {
      for (const inode of parse(readFileSync(`/proc/${pid}/net/${file}`, 'latin1'))) inodes.add(inode);
      readable = true;
    } catch {
      // this family is not configured (no IPv6) or the process is gone
    }
  }
  return readable ? inodes : null;
}
