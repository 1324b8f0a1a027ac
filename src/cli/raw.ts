/** `kcmp raw PID1 PID2 TYPE [IDX1 [IDX2]]`: the system call itself. */
import { Argument, type Command } from 'commander';
import { KCMP_TYPE_VALUES, kcmp, parseKcmpType } from '../compare/kcmp.js';
import type { EpollSlot, KcmpType, Order } from '../compare/types.js';
import { parseDecimal } from '../compare/validate.js';
import { InvalidArgumentError } from '../errors.js';
import { assertProcPidsAreOurs } from '../procfs/namespaces.js';
import { completes, PID } from './completion-values.js';
import { EXIT } from './exit-codes.js';
import { type JsonFlags, outJson, prettyOption } from './json-output.js';
import { parsePid } from './parse.js';
import { action, out } from './run.js';

export const RAW_SCHEMA = 'kcmp.raw/1';

/** The `kcmp.raw/1` document: one kcmp(2) call and its answer, as `kcmp raw -J` prints it. */
export interface RawReport {
  schema: typeof RAW_SCHEMA;
  pid1: number;
  pid2: number;
  type: KcmpType;
  /** The fd of pid1 (file, epoll-tfd). */
  idx1?: number;
  /** The fd of pid2 (file), or the epoll slot (epoll-tfd). */
  idx2?: number | EpollSlot;
  /** The kernel's answer: 0 equal, 1 less, 2 greater, 3 unordered. An order for one boot: never store it. */
  order: Order;
}

export function registerRaw(program: Command): void {
  program
    .command('raw')
    .summary('call kcmp(2) once and print its answer')
    .description(
      'Call kcmp(2) once and print equal, less, greater or unordered. TYPE is file, vm, files, fs, sighand, ' +
        'io, sysvsem or epoll-tfd (or 0..7). file takes IDX1 and IDX2 (fd numbers); epoll-tfd takes IDX1 (an ' +
        'fd of PID1) and IDX2 as EPFD:TFD[:TOFF] (an epoll fd of PID2, the fd number the target was added ' +
        'under, and its index among items added under that number).',
    )
    .addArgument(completes(new Argument('<pid1>'), PID))
    .addArgument(completes(new Argument('<pid2>'), PID))
    .addArgument(completes(new Argument('<type>'), { words: Object.keys(KCMP_TYPE_VALUES) }))
    .argument('[idx1]')
    .argument('[idx2]')
    .option('-J, --json', `print a ${RAW_SCHEMA} JSON document`)
    .addOption(prettyOption())
    .addHelpText(
      'after',
      '\nExamples:\n  kcmp raw $$ $$ vm                 equal\n  kcmp raw 1234 1235 file 3 3       equal (fd 3 inherited across fork)\n  kcmp raw 1234 1234 epoll-tfd 5 4:5   is fd 5 the target registered as fd 5 in epoll fd 4?',
    )
    .action(
      action(
        (
          pid1: string,
          pid2: string,
          typeText: string,
          idx1: string | undefined,
          idx2: string | undefined,
          flags: JsonFlags,
        ) => {
          const type = parseKcmpType(typeText);
          const p1 = parsePid(pid1, 'PID1');
          const p2 = parsePid(pid2, 'PID2');
          assertProcPidsAreOurs(); // the user read these pids in /proc (ps, pgrep); kcmp(2) reads them in ours
          const call = { schema: RAW_SCHEMA, pid1: p1, pid2: p2, type } as const;
          let report: RawReport;
          if (type === 'file') {
            const [fd1, fd2] = [parseIndex(idx1, 'IDX1'), parseIndex(idx2, 'IDX2')];
            report = { ...call, idx1: fd1, idx2: fd2, order: kcmp(p1, p2, type, fd1, fd2) };
          } else if (type === 'epoll-tfd') {
            const [fd1, slot] = [parseIndex(idx1, 'IDX1'), parseSlot(idx2)];
            report = { ...call, idx1: fd1, idx2: slot, order: kcmp(p1, p2, type, fd1, slot) };
          } else {
            if (idx1 !== undefined) throw new InvalidArgumentError(`type ${type} takes no fd indexes`);
            report = { ...call, order: kcmp(p1, p2, type) };
          }
          if (flags.json) outJson(report, flags);
          else out(`${report.order}\n`);
          return EXIT.OK;
        },
      ),
    );
}

function parseIndex(text: string | undefined, what: string): number {
  if (text === undefined) throw new InvalidArgumentError(`${what} is missing: this type compares fds`);
  const n = parseDecimal(text);
  if (n === undefined)
    throw new InvalidArgumentError(`invalid ${what} ${JSON.stringify(text)}: expected an fd number`);
  return n;
}

function parseSlot(text: string | undefined): EpollSlot {
  const parts = text?.split(':') ?? [];
  const numbers = parts.map(parseDecimal);
  if (parts.length < 2 || parts.length > 3 || numbers.some((n) => n === undefined)) {
    throw new InvalidArgumentError(
      `invalid epoll slot ${JSON.stringify(text ?? '')}: expected EPFD:TFD or EPFD:TFD:TOFF, e.g. 4:5`,
    );
  }
  const [epfd, targetFd, offset] = numbers as number[];
  return { epfd: epfd as number, targetFd: targetFd as number, offset: offset ?? 0 };
}
