/**
 * Says once, on stderr, which method a run compares with and why — only when it is not plain kcmp:
 *
 *   kcmp: kcmp cannot be used: a seccomp filter refuses it with EPERM, even on our own process; fds of one
 *   file cannot be told apart: each is listed alone, marked "?" (certain: false); --borrow would compare
 *   them exactly with pidfd_getfd + F_DUPFD_QUERY; remedy: … --cap-add SYS_PTRACE …
 *
 * With --borrow in use, a second line warns what closing a borrowed fd costs (its POSIX record locks).
 */
import { BORROW_LOCK_WARNING, type RunMethod } from '../compare/run-method.js';
import { warn } from './run.js';

export interface NoticeOptions {
  /** What a missing kcmp means for this command's answer. */
  effect: string;
  /** Whether this command has --borrow (fds, same), and whether it was given. */
  borrowable: boolean;
  borrow: boolean;
}

export function announceRunMethod(run: RunMethod, options: NoticeOptions): void {
  if (run.method === 'kcmp') return;
  const parts = [`kcmp cannot be used: ${run.kcmp.detail}`];
  const blocker = run.borrow;
  if (run.method === 'borrowed-dupfd-query') {
    parts.push(
      'fds of one file are compared with pidfd_getfd + F_DUPFD_QUERY instead (--borrow): exact, but one ' +
        'query per description of that file for each fd, where kcmp needs a handful',
    );
  } else {
    parts.push(options.effect);
    if (options.borrowable && blocker) {
      parts.push(
        `--borrow ${options.borrow ? 'cannot help' : 'would not help'}: ${blocker.call}: ${blocker.detail}`,
      );
    } else if (options.borrowable) {
      parts.push('--borrow would compare them exactly with pidfd_getfd + F_DUPFD_QUERY');
    }
  }
  const remedies = [run.remedy, options.borrow && blocker ? `for --borrow: ${blocker.remedy}` : undefined];
  parts.push(`remedy: ${remedies.filter(Boolean).join('; ')}`);
  warn(parts.join('; '));
  if (run.method === 'borrowed-dupfd-query') warn(`warning: ${BORROW_LOCK_WARNING}`);
}
