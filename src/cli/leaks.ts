/**
 * `kcmp leaks [-p PIDS | --tree PID] [--fork] [-J] [-o COLS] [-r] [-n]`: fds a child inherited from its
 * parent or another ancestor and kept across exec — a missing O_CLOEXEC or a forgotten close; with --fork
 * also the risky sharing after a fork without exec. The table lists them most likely a bug first, then one
 * line per fix, then a summary (left out with -r/-n). Exit 0: none; 1: leaks found; 2: error or undecided.
 */
import { type Command, Option } from 'commander';
import { inspectLeaks } from '../inspect/leaks/leaks.js';
import type { LeaksReport } from '../inspect/leaks/leaks-report.js';
import { CONTAINER_LEAK_COLUMNS } from '../report/container-leaks-table.js';
import {
  addLeakFields,
  fixLines,
  LEAK_COLUMNS,
  LEAK_DEFAULT_COLUMNS,
  leaksSummary,
  undecidedLine,
} from '../report/leaks-table.js';
import { renderTable, selectColumns } from '../report/table.js';
import { completes, PID } from './completion-values.js';
import { type ContainerLeaksFlags, runContainerLeaks } from './container-leaks.js';
import { EXIT } from './exit-codes.js';
import { type JsonFlags, outJson, prettyOption } from './json-output.js';
import { action, out, warn } from './run.js';
import { scanErrorLine } from './scan-error-line.js';
import { type SelectionFlags, selectionOf, withSelectionOptions } from './selection.js';
import { whileStopping } from './stopping.js';
import { listedColumns, type TableFlags, tableOptionsOf, withTableOptions } from './table-options.js';

interface LeaksFlags extends SelectionFlags, TableFlags, ContainerLeaksFlags, JsonFlags {
  stop?: boolean;
  fork?: boolean;
}

/** 2 when some leak could not be ruled out, else 1 when leaks were found, else 0 (as grep and cmp). */
function exitCodeOf(report: LeaksReport): number {
  if (report.undecided.length > 0) return EXIT.TROUBLE;
  return report.leaks.length > 0 ? EXIT.FOUND : EXIT.OK;
}

export function registerLeaks(program: Command): void {
  withSelectionOptions(
    withTableOptions(program.command('leaks'), [
      ...new Set([...Object.keys(LEAK_COLUMNS), ...Object.keys(CONTAINER_LEAK_COLUMNS)]),
    ]),
  )
    .summary('find fds a child inherited from its parent and kept across exec (missing O_CLOEXEC)')
    .description(
      'For each selected child process, list the open file descriptions it shares with its parent or ' +
        'another ancestor, other than stdin, stdout and stderr: the signature of a missing O_CLOEXEC or a ' +
        'forgotten close before exec. Listening sockets and pipe write ends come first, then other sockets, ' +
        'pipes, log and other files, lock files. Sharing after a fork without exec (a pre-fork server and its ' +
        'workers) is not a leak; --fork lists it where it is risky. Exit status: 0 no leaks, 1 leaks found, ' +
        '2 an error, or a process that could not be read or compared (undecided).',
    )
    .option('-J, --json', 'print the kcmp.leaks/2 JSON report')
    .addOption(prettyOption())
    .option(
      '--fork',
      "also list risky sharing after a fork without exec (a pipe's reader holding its write end)",
    )
    .option('--stop', 'SIGSTOP the selected processes while scanning, for an exact snapshot')
    .addOption(
      completes(
        new Option(
          '--container <pid>',
          'audit the container PID is in for host files it can reach (runc CVE-2024-21626); compared with every host process unless -p/--tree narrow it',
        ),
        PID,
      ),
    )
    .option('--containers', "audit every container (pid + mount namespace not the host's)")
    .addHelpText(
      'after',
      '\nExamples:\n  kcmp leaks --tree $(pgrep -o myserver)   what its children kept\n' +
        '  kcmp leaks -p 1234,1240 -J              as JSON\n  kcmp leaks -o +FIX,MODE                 more columns\n' +
        '  kcmp leaks --container $(pidof -s app)  host fds and mounts that container can reach (scans the host)\n' +
        '  kcmp leaks --container 812 --tree 800   compared with its runtime 800 and below\n' +
        '  kcmp leaks --containers                 every container on the host',
    )
    .action(
      action(async (flags: LeaksFlags) => {
        if (flags.container !== undefined || flags.containers) return runContainerLeaks(flags);
        if (listedColumns(flags, LEAK_COLUMNS)) return EXIT.OK;
        const columns = selectColumns(LEAK_COLUMNS, LEAK_DEFAULT_COLUMNS, flags.output);
        const stop = flags.stop ?? false;
        const report = await whileStopping(stop, () =>
          inspectLeaks({ selection: selectionOf(flags), stop, fork: flags.fork ?? false }),
        );
        if (flags.json) {
          if (flags.output !== undefined) addLeakFields(report, columns);
          await outJson(report, flags);
          return exitCodeOf(report);
        }
        for (const e of report.errors) {
          warn(scanErrorLine(e));
        }
        for (const u of report.undecided) warn(undecidedLine(u));
        const scripted = flags.raw || flags.noheadings;
        if (report.leaks.length > 0) {
          out(
            renderTable(report.leaks, LEAK_COLUMNS, columns, {
              ...tableOptionsOf(flags),
            }),
          );
          if (!scripted) out(fixLines(report));
        }
        if (!scripted) out(leaksSummary(report));
        return exitCodeOf(report);
      }),
    );
}
