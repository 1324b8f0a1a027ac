/**
 * The `kcmp leaks` table: one row per leaked fd, most likely a bug first — what leaked, the ancestor's
 * pid:fd, the child's pid:fd, and the description — then one line per kind with its fix, then a summary.
 */

import { LEAK_KINDS } from '../inspect/leaks/leak-kinds.js';
import type { Leak, LeaksReport } from '../inspect/leaks/leaks-report.js';
import { plural } from './graph.js';
import type { Columns } from './table.js';

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
  PROGRAM: {
    help: 'other: the child exec()ed another program; same: the same executable (maybe a deliberate fork); ? unknown',
    json: 'string',
    get: (l) => (l.sameProgram === null ? '?' : l.sameProgram ? 'same' : 'other'),
  },
  MODE: { help: 'access mode: r, w, rw', json: 'string', get: (l) => l.mode },
  DESC: {
    help: 'description id in the fds scan (? = uncertain)',
    json: 'string',
    get: (l) => (l.certain ? l.description : `${l.description}?`),
  },
  TYPE: { help: 'file type', json: 'string', get: (l) => l.type },
  NAME: {
    help: 'the description: path, pipe:[ino], socket:[ino]',
    json: 'string',
    truncate: true,
    get: (l) => l.name,
  },
  FIX: { help: 'the fix, in one line', json: 'string', get: (l) => l.fix },
} satisfies Columns<Leak>;

export const LEAK_DEFAULT_COLUMNS = ['KIND', 'ANCESTOR', 'ACOMMAND', 'CHILD', 'COMMAND', 'PROGRAM', 'NAME'];

/** "fix listening-socket: …", once per kind present, in rank order. */
export function fixLines(report: LeaksReport): string {
  const kinds = [...new Set(report.leaks.map((l) => l.kind))];
  return kinds.map((k) => `fix ${k}: ${LEAK_KINDS[k].fix}\n`).join('');
}

export function leaksSummary(report: LeaksReport): string {
  const { stats } = report;
  const found = stats.leaks === 0 ? 'no leaked fds' : plural(stats.leaks, 'leaked fd');
  const children = new Set(report.leaks.map((l) => l.child.pid)).size;
  const inChildren = stats.leaks === 0 ? '' : ` in ${plural(children, 'child', 'children')}`;
  return (
    `${found}${inChildren}: ${plural(stats.processes, 'process', 'processes')}, ` +
    `${plural(stats.shared, 'shared description')}, ${plural(stats.errors, 'error')}, ${stats.elapsedMs} ms\n`
  );
}
