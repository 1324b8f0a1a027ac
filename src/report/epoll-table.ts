/**
 * The `kcmp epoll` table: one row per registration of the epoll instance, in the kernel's order, with the
 * fds that hold its target now (PID:FD, as `kcmp same` takes them), a STATUS, and a NOTE in words.
 */
import type { EpollReport, EpollTarget } from '../inspect/epoll/epoll-report.js';
import { addColumnFields, type FieldColumn } from './column-fields.js';

/** include/uapi/linux/eventpoll.h, in bit order. */
const EVENT_BITS: readonly [number, string][] = [
  [0x1, 'IN'],
  [0x2, 'PRI'],
  [0x4, 'OUT'],
  [0x8, 'ERR'],
  [0x10, 'HUP'],
  [0x20, 'NVAL'],
  [0x40, 'RDNORM'],
  [0x80, 'RDBAND'],
  [0x100, 'WRNORM'],
  [0x200, 'WRBAND'],
  [0x400, 'MSG'],
  [0x2000, 'RDHUP'],
  [2 ** 28, 'EXCLUSIVE'],
  [2 ** 29, 'WAKEUP'],
  [2 ** 30, 'ONESHOT'],
  [2 ** 31, 'ET'],
];

/** "IN|ERR|HUP" for 0x19; unknown bits as hex. */
export function eventNames(events: number): string {
  let rest = events >>> 0;
  const names: string[] = [];
  for (const [bit, name] of EVENT_BITS) {
    if ((rest & bit) >>> 0 === bit) {
      names.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest !== 0) names.push(`0x${rest.toString(16)}`);
  return names.join('|');
}

function holderList(target: EpollTarget): string {
  return target.holders.map((h) => `${h.pid}:${h.fd}`).join(',');
}

/** The registration's problem in words, or '' when there is none. */
export function epollNote(target: EpollTarget): string {
  const held = target.holders.length ? `held as ${holderList(target)}` : 'held by no searched fd';
  const twice = target.sameAs.length
    ? `also registered as ${target.sameAs.map((s) => (s.offset ? `${s.tfd}/${s.offset}` : s.tfd)).join(', ')}`
    : '';
  switch (target.status) {
    case 'fd-closed':
      return [`fd ${target.tfd} is closed but the registration lives on, ${held}`, twice]
        .filter(Boolean)
        .join('; ');
    case 'fd-reused':
      return [
        `fd ${target.tfd} now holds ${target.current ?? 'another file'}; the registered file is ${held}`,
        twice,
      ]
        .filter(Boolean)
        .join('; ');
    case 'duplicate':
      return twice;
    default:
      return '';
  }
}

export const EPOLL_COLUMNS = {
  TFD: {
    help: 'fd number the target was registered under',
    align: 'right',
    json: 'number',
    get: (t) => t.tfd,
  },
  TOFF: {
    help: 'index among registrations under the same TFD (kernel order)',
    align: 'right',
    json: 'number',
    get: (t) => t.offset,
  },
  EVENTS: {
    help: 'registered events (EPOLL* without the prefix)',
    json: 'string',
    field: 'eventNames',
    get: (t) => eventNames(t.events),
  },
  DATA: { help: 'the registration user data, hex', json: 'string', get: (t) => t.data },
  INO: { help: 'target inode number', align: 'right', json: 'string', get: (t) => t.ino },
  DEV: { help: 'target device major:minor (superblock)', json: 'string', get: (t) => t.dev },
  NAME: { help: 'what the target is, from a holder (e.g. pipe:[123])', json: 'string', get: (t) => t.name },
  HOLDERS: { help: 'PID:FD of every searched fd holding the target now', json: 'string', get: holderList },
  STATUS: { help: 'ok, fd-closed, fd-reused or duplicate', json: 'string', get: (t) => t.status },
  CURRENT: { help: 'fd-reused: what TFD holds now', json: 'string', get: (t) => t.current },
  NOTE: { help: 'the problem in words', json: 'string', field: 'note', get: epollNote },
} satisfies Record<string, FieldColumn<EpollTarget>>;

export const EPOLL_DEFAULT_COLUMNS = ['TFD', 'TOFF', 'EVENTS', 'NAME', 'HOLDERS', 'STATUS', 'NOTE'];

/** For `-J -o LIST`: each target gains the fields of the listed columns kcmp.epoll/2 leaves out
 * (eventNames, note), as the table shows them; the other columns are target fields already. */
export function addTargetFields(report: EpollReport, names: readonly string[]): void {
  addColumnFields<EpollTarget>(EPOLL_COLUMNS, names, report.targets, (t) => t);
}
