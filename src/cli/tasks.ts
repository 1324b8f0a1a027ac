/** `kcmp tasks [-p PIDS | --tree PID] [-J] [-o COLS] [-r] [-n]`: which tasks share vm, files, fs, … */
import type { Command } from 'commander';
import { detectRunMethod } from '../compare/run-method.js';
import { inspectTasks } from '../inspect/tasks/tasks.js';
import { readProcessDetailsOf } from '../procfs/process-details.js';
import { needsDetails } from '../report/process-columns.js';
import { renderTable, selectColumns } from '../report/table.js';
import { addTaskFields, TASK_COLUMNS, TASK_DEFAULT_COLUMNS, taskRows } from '../report/tasks-table.js';
import { EXIT } from './exit-codes.js';
import { cmdlinesOf, formatOption, resolveFormat, writePicture } from './format.js';
import { type JsonFlags, outJson, prettyOption } from './json-output.js';
import { action, out, warn } from './run.js';
import { announceRunMethod } from './run-notice.js';
import { type SelectionFlags, selectionOf, withSelectionOptions } from './selection.js';
import { listedColumns, type TableFlags, tableOptionsOf, withTableOptions } from './table-options.js';
import { nothingRead, readNothing } from './unreadable.js';

interface TasksFlags extends SelectionFlags, TableFlags, JsonFlags {
  format?: string;
}

export function registerTasks(program: Command): void {
  withSelectionOptions(withTableOptions(program.command('tasks'), Object.keys(TASK_COLUMNS)))
    .summary(
      'group tasks by shared address space, fd table, fs, signal handlers, I/O context, SysV undo list',
    )
    .description(
      'For every task (thread) of the selected processes, find which share one vm (address space), files ' +
        '(fd table), fs (cwd, root, umask), sighand, io (I/O context) or sysvsem (SysV semaphore undo list), ' +
        'and name the clone()/unshare() relation that explains it. A task with no I/O context or undo list ' +
        'at all shows `none` (kcmp would call all such tasks equal). Zombies, kernel threads and tasks that ' +
        'cannot be inspected are ERROR rows.',
    )
    .option('-J, --json', 'print the kcmp.tasks/1 JSON report')
    .addOption(prettyOption())
    .addOption(formatOption())
    .addHelpText(
      'after',
      '\nExamples:\n  kcmp tasks --tree $$\n  kcmp tasks -p 1234 -J\n  kcmp tasks -p 1234 -o PID,TID,VM,FILES',
    )
    .action(
      action(async (flags: TasksFlags) => {
        if (listedColumns(flags, TASK_COLUMNS)) return EXIT.OK;
        const format = resolveFormat(flags);
        const columns = selectColumns(TASK_COLUMNS, TASK_DEFAULT_COLUMNS, flags.output);
        announceRunMethod(detectRunMethod({ borrow: false }), {
          effect: 'no task can be compared with another: none is grouped (certain: false, groups "?")',
          borrowable: false,
          borrow: false,
        });
        const report = await inspectTasks({ selection: selectionOf(flags) });
        const cmdlines = () => cmdlinesOf(report.tasks.map((t) => t.pid));
        if (await writePicture(format, (p) => p.tasksPicture(report, { cmdlines: cmdlines() })))
          return EXIT.OK;
        const processes = new Set(report.errors.map((e) => e.pid)).size;
        const unread = readNothing(report.tasks.length, report.errors);
        if (unread && format !== 'json') return nothingRead(processes, report.errors);
        const details = needsDetails(TASK_COLUMNS, columns)
          ? readProcessDetailsOf(
              [...report.tasks, ...report.errors].flatMap((t) => (t.pid === null ? [] : [t.pid])),
            )
          : undefined;
        if (format === 'json') {
          // With -o, each task also carries the listed columns the document leaves out.
          if (flags.output !== undefined) addTaskFields(report, columns, details);
          await outJson(report, flags);
          return unread ? nothingRead(processes, report.errors) : EXIT.OK;
        }
        for (const error of report.errors)
          if (error.pid === null && error.kind !== null) warn(`${error.kind}: ${error.message}, skipping`);
        out(
          renderTable(taskRows(report, details), TASK_COLUMNS, columns, {
            ...tableOptionsOf(flags),
          }),
        );
        return EXIT.OK;
      }),
    );
}
