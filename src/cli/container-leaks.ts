/**
 * `kcmp leaks --container PID | --containers [-p PIDS | --tree PID]`: host files running containers can
 * reach (the runc CVE-2024-21626 class). Exit 0: nothing found (runtime stdio alone is not a finding); 1:
 * found; 2: error, or undecided (a process that may be in a container could not be read or placed).
 */
import { inspectContainerLeaks } from '../inspect/leaks/container-leaks.js';
import {
  CONTAINER_LEAK_COLUMNS,
  CONTAINER_LEAK_DEFAULT_COLUMNS,
  containerLeaksSummary,
} from '../report/container-leaks-table.js';
import { undecidedLine } from '../report/leaks-table.js';
import { renderTable, selectColumns } from '../report/table.js';
import { EXIT } from './exit-codes.js';
import { type JsonFlags, outJson } from './json-output.js';
import { parsePid } from './parse.js';
import { out, warn } from './run.js';
import { scanErrorLines } from './scan-error-line.js';
import { type SelectionFlags, selectionOf } from './selection.js';
import { listedColumns, type TableFlags, tableOptionsOf } from './table-options.js';

/** What an undecided process leaves open, in its stderr line. */
const UNDECIDED = 'host files a container can reach through it cannot be ruled out';

export interface ContainerLeaksFlags extends SelectionFlags, TableFlags, JsonFlags {
  container?: string;
  containers?: boolean;
}

/** Runs the audit; the caller checked that --container or --containers was given. */
export async function runContainerLeaks(flags: ContainerLeaksFlags): Promise<number> {
  if (listedColumns(flags, CONTAINER_LEAK_COLUMNS)) return EXIT.OK;
  const columns = selectColumns(CONTAINER_LEAK_COLUMNS, CONTAINER_LEAK_DEFAULT_COLUMNS, flags.output);
  const container = flags.containers ? 'all' : parsePid(flags.container ?? '', '--container PID');
  const selection = selectionOf(flags);
  const report = await inspectContainerLeaks({ container, selection });
  const code = report.stats.undecided > 0 ? EXIT.TROUBLE : report.stats.found > 0 ? EXIT.FOUND : EXIT.OK;
  if (flags.json) {
    await outJson(report, flags);
    return code;
  }
  // Compared with every host process, the user asked about the containers: a host process outside them
  // is one line, however many of its rows -J lists.
  const audited = new Set(report.containers.flatMap((c) => c.processes));
  const asked = (pid: number) => selection.kind !== 'all' || audited.has(pid);
  for (const line of scanErrorLines(report.errors, asked)) warn(line);
  for (const u of report.undecided) warn(undecidedLine(u, UNDECIDED));
  if (report.leaks.length > 0)
    out(renderTable(report.leaks, CONTAINER_LEAK_COLUMNS, columns, tableOptionsOf(flags)));
  if (!(flags.raw || flags.noheadings)) out(containerLeaksSummary(report));
  return code;
}
