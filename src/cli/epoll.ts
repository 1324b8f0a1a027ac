/** `kcmp epoll PID EPFD [-p PIDS | --all-processes] [-J] [-o COLS] [-r] [-n]`: what an epoll really watches. */
import { Argument, type Command, Option } from 'commander';
import { parseDecimal } from '../compare/validate.js';
import { InvalidArgumentError } from '../errors.js';
import { inspectEpoll } from '../inspect/epoll/epoll.js';
import { assertProcPidsAreOurs } from '../procfs/namespaces.js';
import { type Selection, selectProcesses } from '../procfs/select.js';
import { addTargetFields, EPOLL_COLUMNS, EPOLL_DEFAULT_COLUMNS } from '../report/epoll-table.js';
import { renderTable, selectColumns } from '../report/table.js';
import { completes, PID, PID_LIST } from './completion-values.js';
import { EXIT } from './exit-codes.js';
import { type JsonFlags, outJson, prettyOption } from './json-output.js';
import { parsePid, parsePidList } from './parse.js';
import { action, out, warn } from './run.js';
import { scanErrorLine } from './scan-error-line.js';
import { collect } from './selection.js';
import { listedColumns, type TableFlags, tableOptionsOf, withTableOptions } from './table-options.js';

interface EpollFlags extends TableFlags, JsonFlags {
  pid?: string[];
  allProcesses?: boolean;
}

/** The other processes whose fds are searched for holders: none by default. */
function searched(flags: EpollFlags): number[] {
  if (flags.pid !== undefined && flags.allProcesses) {
    throw new InvalidArgumentError('-p and --all-processes are exclusive: choose one');
  }
  let selection: Selection | undefined;
  if (flags.pid !== undefined)
    selection = { kind: 'pids', pids: [...new Set(flags.pid.flatMap(parsePidList))] };
  else if (flags.allProcesses) selection = { kind: 'all' };
  if (!selection) return [];
  return selectProcesses(selection)
    .filter((p) => !p.zombie)
    .map((p) => p.pid);
}

export function registerEpoll(program: Command): void {
  withTableOptions(program.command('epoll'), Object.keys(EPOLL_COLUMNS))
    .summary('list what an epoll instance watches and flag stale registrations')
    .description(
      'List the registrations of epoll fd EPFD of process PID (from /proc/PID/fdinfo/EPFD) and verify each ' +
        'with kcmp(KCMP_EPOLL_TFD): which fds hold its target now, and whether the fd number it was added ' +
        'under still holds it (ok), was closed while the file lives on (fd-closed), now holds another file ' +
        '(fd-reused), or whether the file is registered again under another number (duplicate). The fds ' +
        'of PID are searched; -p or --all-processes search other processes too.',
    )
    .addArgument(completes(new Argument('[pid]'), PID))
    .argument('[epfd]')
    .addOption(
      completes(
        new Option('-p, --pid <pids>', 'also search the fds of these processes for holders (repeatable)'),
        PID_LIST,
      ).argParser(collect),
    )
    .option('--all-processes', 'also search the fds of every visible process')
    .option('-J, --json', 'print the kcmp.epoll/2 JSON report')
    .addOption(prettyOption())
    .addHelpText('after', '\nExamples:\n  kcmp epoll 1234 4\n  kcmp epoll 1234 4 --all-processes -J')
    .action(
      action(async (pidText: string | undefined, epfdText: string | undefined, flags: EpollFlags) => {
        if (listedColumns(flags, EPOLL_COLUMNS)) return EXIT.OK;
        if (pidText === undefined || epfdText === undefined) {
          const missing = pidText === undefined ? 'PID and EPFD' : 'EPFD (the epoll fd of that process)';
          throw new InvalidArgumentError(`missing ${missing}: e.g. kcmp epoll 1234 4`);
        }
        const columns = selectColumns(EPOLL_COLUMNS, EPOLL_DEFAULT_COLUMNS, flags.output);
        const pid = parsePid(pidText, 'PID');
        const epfd = parseDecimal(epfdText.trim());
        if (epfd === undefined) {
          throw new InvalidArgumentError(`invalid EPFD ${JSON.stringify(epfdText)}: expected an fd number`);
        }
        assertProcPidsAreOurs(); // before searched() reads /proc
        const report = await inspectEpoll({ pid, epfd, search: searched(flags) });
        if (flags.json) {
          if (flags.output !== undefined) addTargetFields(report, columns);
          await outJson(report, flags);
          return EXIT.OK;
        }
        for (const error of report.errors) warn(scanErrorLine(error));
        // A heading alone reads as "output cut off"; scripts (-r, -n) get the empty table as it is.
        if (report.targets.length === 0 && !flags.raw && !flags.noheadings) {
          out(`no registrations: epoll fd ${epfd} of process ${pid} watches nothing\n`);
          return EXIT.OK;
        }
        out(renderTable(report.targets, EPOLL_COLUMNS, columns, tableOptionsOf(flags)));
        return EXIT.OK;
      }),
    );
}
