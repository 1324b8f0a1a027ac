/**
 * What a leaked description is, how likely its leak is a bug, and the one-line fix. Tiers, most likely a
 * bug first:
 *   1  a listening socket (the port stays bound after the parent exits: "address already in use") and the
 *      write end of a pipe (the reader never sees EOF while the child holds it);
 *   2  any other socket (a connection the peer sees as open);
 *   3  a pipe's read end, or a pipe whose end is unknown;
 *   4  a log file, or another file;
 *   5  a lock file (an flock() lock lives on in the child);
 *   6  anything else (eventfd, epoll, device, directory, …).
 * The access mode comes from fdinfo `flags` (O_ACCMODE), the listening state from /proc/PID/net/*.
 */
import type { LeakKind } from './leaks-report.js';

export interface LeakFacts {
  /** kcmp.fds/1 type: SOCK, FIFO, REG, … */
  type: string;
  name: string;
  /** "r", "w", "rw", "-" or null (unknown). */
  mode: string | null;
  /** fdinfo flags without O_CLOEXEC, or null. */
  flags: number | null;
  /** For a socket: whether it is listening; null when unknown or not a socket. */
  listening: boolean | null;
}

const O_APPEND = 0o2000;

export const LEAK_KINDS: Record<LeakKind, { tier: number; fix: string }> = {
  'listening-socket': {
    tier: 1,
    fix: 'set O_CLOEXEC (SOCK_CLOEXEC) on the listening socket, or close it in the child before exec',
  },
  'pipe-write-end': {
    tier: 1,
    fix: 'create the pipe with pipe2(O_CLOEXEC), or close the write end in the child before exec: the reader waits for EOF until every writer is gone',
  },
  socket: {
    tier: 2,
    fix: 'create the socket with SOCK_CLOEXEC (accept4(…, SOCK_CLOEXEC) for accepted ones), or close it in the child before exec',
  },
  'pipe-read-end': {
    tier: 3,
    fix: 'create the pipe with pipe2(O_CLOEXEC), or close the read end in the child before exec',
  },
  pipe: { tier: 3, fix: 'create the pipe with pipe2(O_CLOEXEC), or close it in the child before exec' },
  'log-file': {
    tier: 4,
    fix: 'open the log with O_CLOEXEC (fopen mode "e"), or close it in the child before exec',
  },
  file: { tier: 4, fix: 'open the file with O_CLOEXEC, or close it in the child before exec' },
  'lock-file': {
    tier: 5,
    fix: 'open the lock file with O_CLOEXEC: an flock() lock is held until the child closes it too',
  },
  other: {
    tier: 6,
    fix: 'create it with its close-on-exec flag (EFD_CLOEXEC, EPOLL_CLOEXEC, O_CLOEXEC, …), or close it in the child before exec',
  },
};

const LOCK_NAME = /(\.lock|\.lck|\.pid)$|\/(lock|locks)\//;
const LOG_NAME = /\.log(\.\d+)?$|\/log\//;

export function leakKind(facts: LeakFacts): LeakKind {
  switch (facts.type) {
    case 'SOCK':
      return facts.listening === true ? 'listening-socket' : 'socket';
    case 'FIFO':
      // A FIFO opened O_RDWR is a writer too: its reader sees no EOF while it is open.
      if (facts.mode === 'w' || facts.mode === 'rw') return 'pipe-write-end';
      return facts.mode === 'r' ? 'pipe-read-end' : 'pipe';
    case 'REG': {
      if (LOCK_NAME.test(facts.name)) return 'lock-file';
      const appending = facts.flags !== null && (facts.flags & O_APPEND) !== 0;
      return appending || LOG_NAME.test(facts.name) ? 'log-file' : 'file';
    }
    default:
      return 'other';
  }
}
