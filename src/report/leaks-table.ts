/**
 * The `kcmp leaks` table: one row per leaked fd, most likely a bug first — what leaked, the ancestor's
 * pid:fd, the child's pid:fd, and the description — then one line per distinct fix, then a summary.
 */

import type { Leak, LeaksReport, UndecidedProcess } from '../inspect/leaks/leaks-report.js';
import { addColumnFields, type FieldColumn } from './column-fields.js';
import { plural } from './graph.js';

export const LEAK_COLUMNS = {
  KIND: { help: 'what leaked, most likely a bug first', json: 'string', get: (l) => l.kind },
  TIER: { help: 'how likely a bug: 1 (most) … 6', align: 'right', json: 'number', get: (l) => l.tier },
  ANCESTOR: {
    help: 'the holding ancestor as PID:FD',
    json: 'string',
    get: (l) => `${l.ancestor.pid}:${l.ancestor.fd}`,
  },
  ACOMMAND: { help: "the ancestor's command", json: 'string', get: (l) => l.ancestor.command },
  CHILD: { help: 'the child as PID:FD', json: 'string', get: (l) => `${l.child.pid}:${l.child.fd}` },
  COMMAND: { help: "the child's command", json: 'string', get: (l) => l.child.command },
  GEN: {
    help: 'generations between them: 1 = parent',
    align: 'right',
    json: 'number',
    get: (l) => l.generations,
  },
  CASE: {
    help: 'exec: it crossed an exec (missing O_CLOEXEC); fork: shared by a fork without exec (--fork); unknown',
    json: 'string',
    get: (l) => l.case,
  },
  PROGRAM: {
    help: 'other: the child runs another executable; same: the same file; ? unknown',
    json: 'string',
    field: 'program',
    get: (l) => (l.sameProgram === null ? '?' : l.sameProgram ? 'same' : 'other'),
  },
  CLOEXEC: {
    help: "close-on-exec bits of the ancestor's and the child's fd: y/n, ? unknown",
    json: 'string',
    field: 'cloexecs',
    get: (l) => `${yn(l.ancestor.cloexec)}/${yn(l.child.cloexec)}`,
  },
  MODE: { help: 'access mode: r, w, rw', json: 'string', get: (l) => l.mode },
  DESC: {
    help: 'description id in the fds scan (? = uncertain)',
    json: 'string',
    get: (l) => (l.certain ? l.description : `${l.description}?`),
  },
  TYPE: {
    help: "file type, as kcmp fds's TYPE (a socket: its protocol)",
    json: 'string',
    get: (l) => l.type,
  },
  STTYPE: { help: 'file type in st_mode: REG, DIR, FIFO, SOCK, …', json: 'string', get: (l) => l.stType },
  NAME: {
    help: 'the description: path, pipe:[ino], socket:[ino]',
    json: 'string',
    truncate: 'late',
    get: (l) => l.name,
  },
  FIX: { help: 'the fix, in one line', json: 'string', get: (l) => l.fix },
} satisfies Record<string, FieldColumn<Leak>>;

/** For `-J -o LIST`: each leak gains the fields of the listed columns kcmp.leaks/2 leaves out (program,
 * cloexecs), as the table shows them; the other columns are leak fields already. */
export function addLeakFields(report: LeaksReport, names: readonly string[]): void {
  addColumnFields<Leak>(LEAK_COLUMNS, names, report.leaks, (l) => l);
}

function yn(bit: boolean | null): string {
  return bit === null ? '?' : bit ? 'y' : 'n';
}

export const LEAK_DEFAULT_COLUMNS = ['KIND', 'ANCESTOR', 'ACOMMAND', 'CHILD', 'COMMAND', 'CASE', 'NAME'];

/** "fix listening-socket: …", once per distinct (kind, fix), in rank order. */
export function fixLines(report: LeaksReport): string {
  const lines = new Set(report.leaks.map((l) => `fix ${l.kind}: ${l.fix}\n`));
  return [...lines].join('');
}

/** One stderr line for a process whose leaks could not be decided: "undecided: process 12 (x): readdir:
 * EACCES: " and what it leaves undecided (`consequence`). */
export function undecidedLine(
  u: UndecidedProcess,
  consequence = 'leaks to or from it cannot be ruled out',
): string {
  const below =
    u.descendants.length === 0
      ? ''
      : `, with ${u.descendants.length} selected below it (${u.descendants.join(', ')})`;
  return `undecided: process ${u.pid}${u.command ? ` (${u.command})` : ''}${below}: ${u.syscall === null ? u.reason : `${u.syscall}: ${u.errno}`}: ${consequence}`;
}

export function leaksSummary(report: LeaksReport): string {
  const { stats } = report;
  const found = stats.leaks === 0 ? 'no leaked fds' : plural(stats.leaks, 'leaked fd');
  const children = new Set(report.leaks.map((l) => l.child.pid)).size;
  const inChildren = stats.leaks === 0 ? '' : ` in ${plural(children, 'child', 'children')}`;
  const fork =
    stats.forkShared === 0
      ? ''
      : `, ${plural(stats.forkShared, 'fd')} shared by fork without exec (not leaks)`;
  const undecided =
    stats.undecided === 0 ? '' : ` found, ${plural(stats.undecided, 'process', 'processes')} undecided`;
  return (
    `${found}${inChildren}${undecided}: ${plural(stats.processes, 'process', 'processes')}, ` +
    `${plural(stats.shared, 'shared description')}${fork}, ${plural(stats.errors, 'error')}, ${stats.elapsedMs} ms\n`
  );
}
