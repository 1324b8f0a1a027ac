/**
 * How an fd scan compares the fds of one (dev, ino) bucket, settled before it starts: the run's method
 * (compare/run-method.ts: kcmp if usable; else pidfd_getfd + F_DUPFD_QUERY with --borrow; else nothing),
 * and what that method needs — the borrow session and its comparator, or what the probe of a blocked
 * kcmp found (its errno, if it answered one) for the error rows. Without kcmp, fd tables cannot be compared either (KCMP_FILES), so the scan
 * takes every thread to share its leader's table and says so (fd-tables.ts).
 */

import { BorrowSession } from './fd-borrow-comparator.js';
import type { FdComparator, FdMethod } from './fd-comparator.js';
import type { ProbeResult } from './probe.js';
import { detectRunMethod } from './run-method.js';

export interface ScanMethod {
  method: FdMethod;
  /** When kcmp cannot be used here: what probing it on our own process found. Its errno (EPERM, ENOSYS) is
   * the one error rows show; without one (a seccomp kill policy) kcmp is never called, and rows say so. */
  blocked?: ProbeResult;
  /** 'borrowed-dupfd-query': the fds and pidfds it holds; close it when the scan ends, on every path. */
  session?: BorrowSession;
  comparator?: FdComparator;
}

/** The detected method: kcmp if usable, else (with `borrow`) pidfd_getfd + F_DUPFD_QUERY, else none. */
export function scanMethod(borrow: boolean): ScanMethod {
  const run = detectRunMethod({ borrow });
  const chosen = run.method;
  const blocked = run.kcmp.outcome === 'usable' ? {} : { blocked: run.kcmp };
  if (chosen !== 'borrowed-dupfd-query') return { method: chosen, ...blocked };
  const session = BorrowSession.open();
  return { method: chosen, session, comparator: session.comparator(), ...blocked };
}
