/** `kcmp same PID:FD PID:FD [--borrow] [-J]`: one pair, answered like cmp(1): 0 same, 1 different, 2 undecided. */

import type { Command } from 'commander';
import { REMEDY, remedyFor } from '../compare/remedies.js';
import { detectRunMethod } from '../compare/run-method.js';
import { sameFile } from '../compare/same-file.js';
import type { ChangedReason, FdRef, Method, StepReason, Verdict } from '../compare/types.js';
import { InvalidArgumentError } from '../errors.js';
import { escapeCell } from '../report/cell-text.js';
import { EXIT } from './exit-codes.js';
import { type JsonFlags, outJson, prettyOption } from './json-output.js';
import { parseFdRef } from './parse.js';
import { action, out } from './run.js';
import { announceRunMethod } from './run-notice.js';

export const SAME_SCHEMA = 'kcmp.same/1';

/** The `kcmp.same/1` document: one pair's verdict, as `kcmp same --json` prints it. */
export interface SameReport {
  schema: typeof SAME_SCHEMA;
  a: FdRef;
  b: FdRef;
  /** null: undecided — no method could tell, see `reason`. */
  same: boolean | null;
  /** How the answer was obtained ('none' when nothing could decide). */
  method: Method;
  /** Why a stronger method was not available, with the remedy when there is one. */
  reason?: (StepReason | ChangedReason) & { remedy?: string };
}

interface SameFlags extends JsonFlags {
  borrow?: boolean;
  silent?: boolean;
}

function exitCode(verdict: Verdict): number {
  if (verdict.same === null) return EXIT.TROUBLE;
  return verdict.same ? EXIT.OK : EXIT.DIFFERENT;
}

/** The remedy for an undecided verdict; suggests --borrow when it was not tried. */
function remedyOf(verdict: Verdict, flags: SameFlags): string | undefined {
  if (verdict.same !== null) return undefined;
  if (verdict.reason.syscall === null) return REMEDY.changed;
  const remedy = remedyFor(verdict.reason);
  const kcmpFailed = verdict.reason.syscall === 'kcmp';
  if (kcmpFailed && !flags.borrow) return remedy ? `${remedy}; or try --borrow` : 'try --borrow';
  return remedy;
}

/** The verdict line; the reason is escaped as table cells are (it may quote a file name). */
function text(verdict: Verdict, remedy: string | undefined): string {
  if (verdict.same === null) {
    const why = verdict.reason.message;
    return `${escapeCell(`undecided: ${why}${remedy ? `; ${remedy}` : ''}`)}\n`;
  }
  return `${verdict.same ? 'same' : 'different'} (${verdict.method})\n`;
}

function json(a: FdRef, b: FdRef, verdict: Verdict, remedy: string | undefined): SameReport {
  const reason = verdict.same === null ? { ...verdict.reason, ...(remedy ? { remedy } : {}) } : undefined;
  const doc: SameReport = {
    schema: SAME_SCHEMA,
    a,
    b,
    same: verdict.same,
    method: verdict.method,
    ...(reason ? { reason } : {}),
  };
  return doc;
}

export function registerSame(program: Command): void {
  program
    .command('same')
    .summary('do two fds share one open file description? exit 0 same, 1 different, 2 undecided')
    .description(
      'Tell whether fd A of one process and fd B of another (or the same) process share one open file ' +
        'description: one file offset, one set of status flags, as after dup(2), fork(2) or SCM_RIGHTS. ' +
        'Two separate open(2)s of one file are different descriptions. The answer names its method: ' +
        'identical, dupfd-query, different-inode, socket-inode, o-path, kcmp, borrowed-dupfd-query; when none ' +
        'can decide, it says undecided and why. Exit status as cmp(1): 0 same, 1 different, 2 undecided or error.',
    )
    .argument('[a]', 'first fd, as PID:FD')
    .argument('[b]', 'second fd, as PID:FD')
    .option(
      '--borrow',
      'if kcmp cannot answer, borrow both fds with pidfd_getfd and compare them with F_DUPFD_QUERY ' +
        '(Linux 6.10; needs ptrace attach rights; closing them drops POSIX locks this process holds on the file)',
    )
    .option('-J, --json', `print a ${SAME_SCHEMA} JSON document`)
    .addOption(prettyOption())
    .option('-s, --silent', 'print nothing; the exit status is the answer (as cmp -s)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  kcmp same 1234:3 1235:3           same (kcmp)          fd 3 inherited across fork\n' +
        '  kcmp same 1234:3 1234:4           different (kcmp)     two open()s of one file\n' +
        '  kcmp same 1234:3 1234:5           different (different-inode)\n' +
        '  kcmp same --json 1234:3 1235:3    {"schema": "kcmp.same/1", "same": true, "method": "kcmp", …}\n' +
        '  kcmp same --borrow 1234:3 1235:3  where a container blocks kcmp but allows pidfd_getfd\n' +
        '  kcmp same -s 1234:3 1235:3 && echo shared',
    )
    .action(
      action((aText: string | undefined, bText: string | undefined, flags: SameFlags) => {
        if (bText === undefined) {
          const given = aText === undefined ? 'none was given' : `only ${JSON.stringify(aText)} was given`;
          throw new InvalidArgumentError(
            `two fds are needed, as PID:FD PID:FD (e.g. kcmp same 1234:3 1235:3): ${given}`,
          );
        }
        const a = parseFdRef(aText as string);
        const b = parseFdRef(bText);
        announceRunMethod(detectRunMethod({ borrow: Boolean(flags.borrow) }), {
          effect: 'fds of one file cannot be compared (fds of different files, and of one socket, still can)',
          borrowable: true,
          borrow: Boolean(flags.borrow),
        });
        const verdict = sameFile(a, b, { borrow: Boolean(flags.borrow) });
        const remedy = remedyOf(verdict, flags);
        if (flags.silent) return exitCode(verdict);
        if (flags.json) outJson(json(a, b, verdict, remedy), flags);
        else out(text(verdict, remedy));
        return exitCode(verdict);
      }),
    );
}
