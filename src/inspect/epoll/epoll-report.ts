/**
 * The `kcmp.epoll/2` report: what one epoll instance really watches, and whether each registration still
 * matches its fd number. A stable JSON contract (additive changes only; anything else bumps the schema).
 */
import type { EpollItem } from '../../procfs/fdinfo-epoll.js';
import type { ScanError } from '../fds/fds-report.js';

/** The `schema` of an {@link EpollReport}. */
export const EPOLL_SCHEMA = 'kcmp.epoll/2';

/**
 * Whether a registration still matches its fd number:
 * - ok: fd number `tfd` of the owner still holds the registered description;
 * - fd-closed: `tfd` is closed, yet the registration lives on because the description is still open
 *   elsewhere (a dup, a child, an SCM_RIGHTS message): events keep coming for an fd the program thinks is
 *   gone, and EPOLL_CTL_DEL on that number fails (the item stays until the last reference is closed);
 * - fd-reused: `tfd` now holds a different file; the program's idea of what the number means and the
 *   registration disagree;
 * - duplicate: `tfd` holds it, but the same description is registered again under another number, so
 *   each event is reported twice.
 */
export type EpollStatus = 'ok' | 'fd-closed' | 'fd-reused' | 'duplicate';

/** An fd that holds a target's open file description now. */
export interface EpollHolder {
  /** The process (or task) holding it. */
  pid: number;
  /** Its fd number there. */
  fd: number;
}

/**
 * One registration of the epoll instance (its fdinfo `tfd:` line: fd number at EPOLL_CTL_ADD time, offset
 * among registrations under that number, events, data, inode), with the fds that hold its file now.
 */
export interface EpollTarget extends EpollItem {
  /** What the target is, from a holder's /proc link ("pipe:[123]"); null when no holder was found. */
  name: string | null;
  /** The exact bytes of `name`, base64, when they are not valid UTF-8 (`name` has U+FFFD for each bad one). */
  nameBytes?: string;
  /** Every searched fd that holds the target description now (proven with KCMP_EPOLL_TFD). */
  holders: EpollHolder[];
  /** Whether the registration still matches fd number `tfd` of the owner. */
  status: EpollStatus;
  /** fd-reused only: what fd `tfd` of the owner holds now ("anon_inode:[eventfd]"). */
  current: string | null;
  /** The exact bytes of `current`, base64, when they are not valid UTF-8 (`current` has U+FFFD for each bad one). */
  currentBytes?: string;
  /** The other registrations (tfd, offset) of the same description in this instance, when known: a
   * registration with no holder in the searched processes cannot be matched. */
  sameAs: {
    /** The other registration's fd number at EPOLL_CTL_ADD time. */
    tfd: number;
    /** Its index among the registrations under that number. */
    offset: number;
  }[];
  /** Only with `-J -o EVENTS`: `events` by name, as the table shows them ("IN|ERR|HUP"). */
  eventNames?: string;
  /** Only with `-J -o NOTE`: the registration's problem in words, as the table shows it ("" for none). */
  note?: string;
}

/** What an epoll scan cost. */
export interface EpollStats {
  /** Processes (fd tables) searched for holders. */
  processes: number;
  /** Fds searched. */
  fds: number;
  /** Registrations listed. */
  targets: number;
  /** kcmp calls made. */
  comparisons: number;
  /** Wall-clock time of the scan, in milliseconds. */
  elapsedMs: number;
}

/**
 * What {@link inspectEpoll} returns (`kcmp epoll --json`): every registration of one epoll instance, what
 * holds each target now, and whether the registration still matches its fd number.
 */
export interface EpollReport {
  /** Always {@link EPOLL_SCHEMA}. */
  schema: typeof EPOLL_SCHEMA;
  /** The process that holds the epoll instance. */
  pid: number;
  /** Its epoll fd. */
  epfd: number;
  /** In the epoll tree's order, i.e. fdinfo's. */
  targets: EpollTarget[];
  /** Fd tables or fds that could not be searched: their holders may be missing from `holders`. */
  errors: ScanError[];
  /** What the scan cost. */
  stats: EpollStats;
}
