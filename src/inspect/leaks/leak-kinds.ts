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
 * The access mode comes from fdinfo `flags` (O_ACCMODE), the listening state from the socket's state in
 * the sock_diag dumps of its network namespace (leak-finder.ts).
 */

import type { FileTypeName, StatTypeName } from '../../procfs/kinds.js';
import type { LeakKind } from './leaks-report.js';

export interface LeakFacts {
  /** kcmp.fds/2 type: FIFO, REG, TCP, … */
  type: FileTypeName;
  /** kcmp.fds/2 stType: SOCK for every socket, whatever its protocol. */
  stType: StatTypeName;
  name: string;
  /** "r", "w", "rw", "-" or null (unknown). */
  mode: string | null;
  /** fdinfo flags without O_CLOEXEC, or null. */
  flags: number | null;
  /** For a socket: whether it is listening; null when unknown or not a socket. */
  listening: boolean | null;
}

const O_APPEND = 0o2000;

/** Per kind: its tier, how to create it close-on-exec, what to close before exec, and why it hurts. */
export interface KindAdvice {
  tier: number;
  create: string;
  /** What to close in the child before exec; absent where closing is no cure (a lock lives on). */
  close?: string;
  why?: string;
}

export const LEAK_KINDS: Record<LeakKind, KindAdvice> = {
  'listening-socket': {
    tier: 1,
    create: 'set O_CLOEXEC (SOCK_CLOEXEC) on the listening socket',
    close: 'it',
  },
  'pipe-write-end': {
    tier: 1,
    create: 'create the pipe with pipe2(O_CLOEXEC)',
    close: 'the write end',
    why: 'the reader waits for EOF until every writer is gone',
  },
  socket: {
    tier: 2,
    create: 'create the socket with SOCK_CLOEXEC (accept4(…, SOCK_CLOEXEC) for accepted ones)',
    close: 'it',
  },
  'pipe-read-end': { tier: 3, create: 'create the pipe with pipe2(O_CLOEXEC)', close: 'the read end' },
  pipe: { tier: 3, create: 'create the pipe with pipe2(O_CLOEXEC)', close: 'it' },
  'log-file': { tier: 4, create: 'open the log with O_CLOEXEC (fopen mode "e")', close: 'it' },
  file: { tier: 4, create: 'open the file with O_CLOEXEC', close: 'it' },
  'lock-file': {
    tier: 5,
    create: 'open the lock file with O_CLOEXEC',
    why: 'an flock() lock is held until the child closes it too',
  },
  other: {
    tier: 6,
    create: 'create it with its close-on-exec flag (EFD_CLOEXEC, EPOLL_CLOEXEC, O_CLOEXEC, …)',
    close: 'it',
  },
};

/** The fix of a leak across exec: create it close-on-exec, or close it in the child before exec. */
export function execFix(kind: LeakKind): string {
  return EXEC_FIXES[kind];
}

const EXEC_FIXES = Object.fromEntries(
  Object.entries(LEAK_KINDS).map(([kind, k]) => {
    const close = k.close ? `, or close ${k.close} in the child before exec` : '';
    return [kind, `${k.create}${close}${k.why ? `: ${k.why}` : ''}`];
  }),
) as Record<LeakKind, string>;

const LOCK_NAME = /(\.lock|\.lck|\.pid)$|\/(lock|locks)\//;
const LOG_NAME = /\.log(\.\d+)?$|\/log\//;

export function leakKind(facts: LeakFacts): LeakKind {
  if (facts.stType === 'SOCK') return facts.listening === true ? 'listening-socket' : 'socket';
  switch (facts.type) {
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
