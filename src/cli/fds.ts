/**
 * `kcmp fds [-p PIDS | --tree PID] [--all] [-J] [-o COLS] [-r] [-n] [--paranoid] [--stop]`: which fds share
 * one open file description. Output formats live in FORMATS (one place to add `--format`).
 *
 * The table lists descriptions held more than once (all with --all), one row per holder (with -D one per
 * description, fds-descriptions.ts), then error rows, then a summary line on stdout (as lsfd --summary=append; left out with -r or -n, which are for scripts).
 * -J prints the kcmp.fds/2 document and nothing else. Progress goes to stderr, only when it is a terminal
 * and the scan takes more than a second.
 */
import { availableParallelism } from 'node:os';
import { type Command, Option } from 'commander';
import { detectRunMethod } from '../compare/run-method.js';
import { InvalidArgumentError } from '../errors.js';
import { ENGINE_REQUESTS, type EngineRequest } from '../inspect/fds/fd-engine.js';
import { type FdsOptions, type FdsProgress, inspectFds } from '../inspect/fds/fds.js';
import { normalizeFdsOptions } from '../inspect/fds/fds-options.js';
import type { FdsReport } from '../inspect/fds/fds-report.js';
import { parseObject } from '../inspect/fds/objects.js';
import { type ProcessDetails, readProcessDetailsOf } from '../procfs/process-details.js';
import { renderCounters } from '../report/counters.js';
import {
  DESCRIPTION_COLUMNS,
  descriptionColumns,
  renderDescriptionTable,
} from '../report/fds-descriptions.js';
import { filterFdsReport } from '../report/fds-filter.js';
import {
  addHolderFields,
  FDS_COLUMNS,
  FDS_DEFAULT_COLUMNS,
  type FdsRow,
  fdsFootnote,
  fdsRows,
  fdsSummary,
  needsFdinfo,
  needsFileStat,
  needsPeers,
  needsSockets,
  renderFdsTable,
  withTellingColumns,
} from '../report/fds-table.js';
import { renderJson } from '../report/json-text.js';
import { needsDetails } from '../report/process-columns.js';
import { selectColumns } from '../report/table.js';
import { completes } from './completion-values.js';
import { EXIT } from './exit-codes.js';
import { type FilterFlags, type RowSelection, rowSelectionOf, withFilterOptions } from './filter-options.js';
import { cmdlinesOf, formatOption, isPicture, resolveFormat, writePicture } from './format.js';
import { type JsonFlags, prettyOption } from './json-output.js';
import { action, out, warn } from './run.js';
import { announceRunMethod } from './run-notice.js';
import { type SelectionFlags, selectionOf, withSelectionOptions } from './selection.js';
import { whileStopping } from './stopping.js';
import { listedColumns, type TableFlags, tableOptionsOf, withTableOptions } from './table-options.js';
import { missedAny, nothingRead, readNothing } from './unreadable.js';

interface FdsFlags extends SelectionFlags, TableFlags, FilterFlags, JsonFlags {
  all?: boolean;
  descriptions?: boolean;
  format?: string;
  paranoid?: boolean;
  stop?: boolean;
  workers?: string;
  borrow?: boolean;
  engine?: string;
}

interface Format {
  /** The columns whose sources (fdinfo, sockets, peers, process details) this format shows. */
  columns(flags: FdsFlags): string[];
  /** `unit`: what the comparisons counted, for the summary line. Rows not kept by `rows` are left out.
   * `details`: the user and command line of each process, for the columns that show them. */
  render(
    report: FdsReport,
    flags: FdsFlags,
    unit: string,
    rows: RowSelection<FdsRow>,
    details?: Details,
  ): Iterable<string>;
}

type Details = ReadonlyMap<number, ProcessDetails>;

const FORMATS = {
  table: {
    columns: (flags) => requestedColumns(flags),
    *render(report, flags, unit, rows, details) {
      const keep = rows.filter ? (row: FdsRow) => rows.filter?.test(row) === true : undefined;
      const summary = rows.summary;
      if (summary !== 'only' && flags.descriptions) {
        const shown = rows.filter ? filterFdsReport(report, rows.filter, details) : report;
        yield* renderDescriptionTable(shown, requestedColumns(flags), tableOptionsOf(flags), details);
      } else if (summary !== 'only') {
        yield* renderFdsTable(report, shownColumns(flags, report), tableOptionsOf(flags), details, keep);
      }
      if (summary === 'only' || summary === 'append') {
        const shown = keep ? fdsRows(report, details).filter(keep) : fdsRows(report, details);
        yield* renderCounters(shown, rows.counters, (row) => String(FDS_COLUMNS.TYPE.get(row)));
      }
      const totals = summary === undefined ? !(flags.raw || flags.noheadings) : summary !== 'never';
      if (totals) yield `${fdsSummary(report.stats, unit)}\n${fdsFootnote(report)}`;
    },
  },
  json: {
    // What -o names (the defaults: NAME, so sockets; peers and watchers with -o +PEERS, …). Without -o,
    // less the fdinfo fields, which the document leaves out; with -o, each holder carries what it names.
    columns: (flags) =>
      requestedColumns(flags).filter((n) => flags.output !== undefined || !needsFdinfo([n])),
    render(report, flags, _unit, rows, details) {
      if (flags.output !== undefined) addHolderFields(report, requestedColumns(flags), details);
      return renderJson(
        rows.filter ? filterFdsReport(report, rows.filter, details) : report,
        flags.pretty ?? false,
      );
    },
  },
} satisfies Record<string, Format>;

/**
 * The columns -o asks for (the defaults without -o), of the view asked for (-D: descriptions). -J prints
 * the whole kcmp.fds/2 document, and with -o also the fields of the listed columns that it leaves out by
 * default.
 */
function requestedColumns(flags: FdsFlags): string[] {
  if (flags.descriptions) return descriptionColumns(flags.output);
  return selectColumns(FDS_COLUMNS, FDS_DEFAULT_COLUMNS, flags.output);
}

/** The table's columns: as requested, and those that tell its rows apart (TID, FDTABLE) after PID when
 * the report needs them, unless -o named the columns exactly. */
function shownColumns(flags: FdsFlags, report: FdsReport): string[] {
  const names = requestedColumns(flags);
  const exact = flags.output !== undefined && !flags.output.startsWith('+');
  return exact ? names : withTellingColumns(names, report);
}

/** --workers: more threads than cores only cost memory (each has its own V8 heap): capped, and said. */
function workers(text: string | undefined): FdsOptions['workers'] | undefined {
  if (text === undefined || text === 'auto') return text;
  if (!/^\d{1,2}$/.test(text))
    throw new InvalidArgumentError(`invalid --workers ${JSON.stringify(text)}: 0..99 or auto`);
  const asked = Number(text);
  const cores = availableParallelism();
  if (asked <= cores) return asked;
  warn(`--workers ${asked}: only ${cores} cores are available to this process, using ${cores} workers`);
  return cores;
}

function engine(text: string | undefined): EngineRequest | undefined {
  if (text === undefined) return undefined;
  if (!(ENGINE_REQUESTS as readonly string[]).includes(text))
    throw new InvalidArgumentError(`invalid --engine ${JSON.stringify(text)}: ${ENGINE_REQUESTS.join(', ')}`);
  return text as EngineRequest;
}

export function registerFds(program: Command): void {
  withSelectionOptions(withFilterOptions(withTableOptions(program.command('fds'), Object.keys(FDS_COLUMNS))))
    .summary('group the fds of processes into shared open file descriptions')
    .description(
      'List the fds of the selected processes (all visible ones by default) that share one open file ' +
        'description — one offset, one set of status flags — found with kcmp(2): one row per fd, the fds of ' +
        'a description together. --all lists unshared fds too; so does a filter (-Q sees every fd). FILE or ' +
        'PID:FD operands list only the fds of those objects, searched among every process you may read ' +
        '(narrowed by -p/--tree). Fds that vanish or cannot be read are ERROR rows (NAME = syscall:ERRNO); ' +
        'nothing is merged on a guess.',
    )
    .argument(
      '[object...]',
      "only the fds of these: FILE (its inode, symlinks followed) or PID:FD (that fd's description); every " +
        'process you may read is searched (./NAME for a file named like PID:FD)',
    )
    .option(
      '--all',
      'list every description, also those held by one fd only (implied by -Q and by FILE or PID:FD operands)',
    )
    .option(
      '-D, --descriptions',
      'one row per open file description, its holders summarised by process (HELDBY), instead of one per fd',
    )
    .option('-J, --json', 'print the kcmp.fds/2 JSON report')
    .addOption(prettyOption())
    .addOption(formatOption())
    .option(
      '--paranoid',
      'compare socket fds with kcmp too, instead of trusting one description per socket (for its fds that are not O_PATH)',
    )
    .option('--stop', 'SIGSTOP the selected processes while scanning, for an exact snapshot')
    .option('--workers <n>', 'worker threads for large scans with the kcmp engine (default: auto)')
    .addOption(
      completes(
        new Option(
          '--engine <name>',
          'how fds are told apart: kcmp (/proc + kcmp), bpf (one BPF iterator pass, every shared description ' +
            'proven by kcmp; root, BTF, Linux 5.8), borrow (as --borrow), or auto (default: bpf for large ' +
            'selections where it can run, else kcmp; `kcmp doctor` says which and why)',
        ),
        { words: ENGINE_REQUESTS },
      ),
    )
    .option(
      '--borrow',
      'the borrow engine: where kcmp is blocked, borrow each fd with pidfd_getfd and compare with F_DUPFD_QUERY ' +
        '(Linux 6.10; needs ptrace attach rights; slower; closing a borrowed fd drops POSIX locks this process ' +
        'holds on the file); also names a socket in a network namespace no readable process is in (SIOCGSKNS)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  kcmp fds --tree $(pgrep -o nginx)     which workers share which sockets and logs\n' +
        '  kcmp fds -p 1234,1235 --all -J        every fd of two processes, grouped, as JSON\n' +
        '  kcmp fds -D --tree $(pgrep -o nginx)  one row per description: who holds it, folded\n' +
        '  kcmp fds -o +FLAGS,METHOD             more columns\n' +
        '  kcmp fds /var/log/syslog              who holds this file, and which fds share one description\n' +
        "  kcmp fds 1234:3 -o +PEERS             that fd's description, every holder, and who holds the other end\n" +
        '  kcmp fds -Q "SOCK.STATE == \'LISTEN\'"   every listening socket and its holders (-Q sees every fd)\n' +
        '  kcmp fds -p 1234 --all -o +PEERS      who holds the other end of each pipe and socket (* outside -p)',
    )
    .action(
      action(async (operands: string[], flags: FdsFlags) => {
        if (listedColumns(flags, flags.descriptions ? DESCRIPTION_COLUMNS : FDS_COLUMNS)) return EXIT.OK;
        const kind = resolveFormat(flags);
        const format: Format = kind === 'json' ? FORMATS.json : FORMATS.table;
        const rows = rowSelectionOf<FdsRow>(flags, FDS_COLUMNS);
        const shown = [...format.columns(flags), ...rows.columns]; // also validates -o before the scan
        const fdinfo = needsFdinfo(shown);
        // Only what the flags say: the defaults live in normalizeFdsOptions, which also reads --borrow
        // as the borrow engine (and refuses it beside another engine).
        const objects = operands.map(parseObject);
        if (objects.length > 0 && flags.stop && selectionOf(flags).kind === 'all')
          throw new InvalidArgumentError(
            '--stop with FILE or PID:FD operands would stop every process of the machine',
            { remedy: 'name the processes to stop with -p or --tree' },
          );
        const options = normalizeFdsOptions({
          selection: selectionOf(flags),
          objects,
          // A picture reads every fd: what a process holds alone is counted in its box, its listeners named.
          // A filter sees every fd too: "shared only" is the view when nothing narrower was asked for.
          all: isPicture(kind) || rows.filter !== undefined ? true : flags.all,
          fdinfo,
          fileStat: needsFileStat(shown),
          sockets: needsSockets(shown),
          // A picture draws what the selection holds: its peers are looked for among it alone.
          peers: isPicture(kind) ? 'selection' : needsPeers(shown),
          paranoid: flags.paranoid,
          stop: flags.stop,
          workers: workers(flags.workers),
          borrow: flags.borrow,
          engine: engine(flags.engine),
          ...(process.env.KCMP_BTF ? { btfPath: process.env.KCMP_BTF } : {}),
        });
        const borrow = options.engine === 'borrow';
        const run = detectRunMethod({ borrow });
        announceRunMethod(run, {
          effect: 'fds of one file cannot be told apart: each is listed alone, marked "?" (certain: false)',
          borrowable: true,
          borrow,
        });
        const progress = new Progress();
        const report = await whileStopping(options.stop, () =>
          inspectFds({
            ...options,
            onProgress: (p) => progress.update(p),
            onEngine: (choice) => {
              if (options.engine === 'bpf' && choice.engine !== 'bpf')
                warn(
                  `--engine bpf ${choice.reason.replace(/^bpf /, '')}; the ${choice.engine} engine runs instead`,
                );
            },
          }),
        );
        progress.clear();
        // Read after the scan, for the listed processes only (process-details.ts); a filter's columns count.
        const details = needsDetails(FDS_COLUMNS, shown)
          ? readProcessDetailsOf(report.processes.map((p) => p.pid))
          : undefined;
        const unshared = flags.all ? 'show' : 'collapse';
        const picture = rows.filter ? filterFdsReport(report, rows.filter, details) : report;
        const cmdlines = () => cmdlinesOf(report.processes.map((p) => p.pid));
        if (await writePicture(kind, (p) => p.fdsPicture(picture, { unshared, cmdlines: cmdlines() })))
          return EXIT.OK;
        const unread = readNothing(report.stats.fds, report.errors);
        if (unread && kind !== 'json') return nothingRead(report.processes.length, report.errors);
        const unit = report.stats.engine === 'borrow' ? 'comparison' : 'kcmp call';
        await out(format.render(report, flags, unit, rows, details));
        return unread ? nothingRead(report.processes.length, report.errors) : missedAny(report.errors);
      }),
    );
}

/** "kcmp: scanning 12000/50000 fds" on a terminal's stderr, once a scan has run for a second. */
class Progress {
  private readonly started = Date.now();
  private shown = false;
  private last = 0;

  update(p: FdsProgress): void {
    const now = Date.now();
    // the clock first: process.stderr is built at its first use (run.ts `out` says what that costs)
    if (now - this.started < 1000 || now - this.last < 100 || !process.stderr.isTTY) return;
    this.last = now;
    this.shown = true;
    process.stderr.write(
      `\rkcmp: ${p.phase === 'scan' ? 'reading' : 'grouping'} ${p.done}/${p.total} fds\x1b[K`,
    );
  }

  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
  }
}
