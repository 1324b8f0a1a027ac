/**
 * The one-line fix printed for a leak, written for its fds: which case it is (leak-case.ts) and the
 * ancestor fd's close-on-exec bit decide what is true to say.
 *   exec, ancestor fd without close-on-exec  create it close-on-exec, or close it in the child before exec
 *   exec, ancestor fd close-on-exec now      it was set after the child's exec (fcntl(F_SETFD) after
 *                                            creation races with fork+exec), or the child got a copy made
 *                                            without it: create it with the flag instead
 *   fork, the reader holds the write end     close that write end in the reader after fork
 *   unknown                                  both, each under its condition
 */
import { execFix, LEAK_KINDS } from './leak-kinds.js';
import type { LeakCase, LeakEnd, LeakKind } from './leaks-report.js';

export interface AdviceFacts {
  case: LeakCase;
  kind: LeakKind;
  ancestor: LeakEnd;
  child: LeakEnd;
  /** Fork case: the process (ancestor or child) that reads the pipe whose write end it holds. */
  reader: { pid: number; fd: number } | null;
}

function acrossExec(f: AdviceFacts): string {
  if (f.ancestor.cloexec !== true) return execFix(f.kind);
  return (
    `${f.ancestor.pid}:${f.ancestor.fd} is close-on-exec now, but ${f.child.pid} holds a copy across exec: ` +
    `${LEAK_KINDS[f.kind].create} when it is created, not with fcntl(F_SETFD) afterwards`
  );
}

function afterFork(f: AdviceFacts): string {
  if (f.reader === null) return 'shared by fork without exec, as pre-fork servers do';
  const writer = f.reader.pid === f.child.pid ? f.child : f.ancestor;
  return (
    `${f.reader.pid} reads this pipe (fd ${f.reader.fd}) and holds its write end (fd ${writer.fd}): its read ` +
    `never sees EOF while it does; close fd ${writer.fd} in ${f.reader.pid} after fork`
  );
}

export function adviceFor(f: AdviceFacts): string {
  switch (f.case) {
    case 'exec':
      return acrossExec(f);
    case 'fork':
      return afterFork(f);
    case 'unknown':
      return `/proc could not tell whether ${f.child.pid} exec'd: if it did, ${acrossExec(f)}; if it only forked, the sharing may be deliberate`;
  }
}
