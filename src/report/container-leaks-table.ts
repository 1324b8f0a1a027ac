/**
 * The `kcmp leaks --container` table: one row per host file a container can reach, most dangerous first
 * — the container process's pid:fd (or cwd/root), what it is, and the process outside holding it — then a
 * summary line per container.
 */
import type { ContainerLeak, ContainerLeaksReport } from '../inspect/leaks/container-leaks-report.js';
import { plural } from './graph.js';
import type { Columns } from './table.js';

export const CONTAINER_LEAK_COLUMNS = {
  KIND: { help: 'what the container reaches, most dangerous first', json: 'string', get: (l) => l.kind },
  TIER: {
    help: '1 (most dangerous) … 3 (runtime stdio)',
    align: 'right',
    json: 'number',
    get: (l) => l.tier,
  },
  CONTAINER: {
    help: "the container's pid (its init, as the host sees it)",
    json: 'number',
    get: (l) => l.container,
  },
  FD: {
    help: 'the container process as PID:FD, PID:cwd or PID:root',
    json: 'string',
    get: (l) => `${l.pid}:${l.fd ?? (l.kind === 'foreign-root' ? 'root' : 'cwd')}`,
  },
  COMMAND: { help: "the container process's command", json: 'string', get: (l) => l.command },
  OUTSIDE: {
    help: 'a holder outside the container as PID:FD (- for a mount finding)',
    json: 'string',
    get: (l) => (l.outside ? `${l.outside.pid}:${l.outside.fd}` : '-'),
  },
  OCOMMAND: { help: "the outside holder's command", json: 'string', get: (l) => l.outside?.command ?? '-' },
  MNTID: {
    help: 'the foreign mount id (mountinfo field 1), for a mount finding',
    align: 'right',
    json: 'number',
    get: (l) => l.mountId,
  },
  TYPE: {
    help: "file type, as kcmp fds's TYPE (a socket: its protocol)",
    json: 'string',
    get: (l) => l.type,
  },
  STTYPE: { help: 'file type in st_mode: REG, DIR, FIFO, SOCK, …', json: 'string', get: (l) => l.stType },
  NAME: { help: 'the file as the host names it', json: 'string', get: (l) => l.name },
} satisfies Columns<ContainerLeak>;

export const CONTAINER_LEAK_DEFAULT_COLUMNS = [
  'KIND',
  'CONTAINER',
  'FD',
  'COMMAND',
  'OUTSIDE',
  'OCOMMAND',
  'NAME',
];

/** One line per container, then the totals. */
export function containerLeaksSummary(report: ContainerLeaksReport): string {
  const lines = report.containers.map((c) => {
    const found = report.leaks.filter((l) => l.container === c.pid && l.kind !== 'runtime-stdio').length;
    const name = c.unit ?? c.cgroup ?? '-';
    return `container ${c.pid} (${name}, ${plural(c.processes.length, 'process', 'processes')}): ${found === 0 ? 'nothing found' : plural(found, 'host file')}\n`;
  });
  const { stats } = report;
  const truncated = stats.truncated > 0 ? `, ${stats.truncated} more not listed` : '';
  const undecided =
    stats.undecided === 0 ? '' : `, ${plural(stats.undecided, 'process', 'processes')} undecided`;
  return (
    `${lines.join('')}${plural(stats.found, 'finding')}${truncated} in ${plural(stats.containers, 'container')}: ` +
    `${plural(stats.processes, 'process', 'processes')} scanned, ${plural(stats.errors, 'error')}${undecided}, ${stats.elapsedMs} ms\n`
  );
}
