/**
 * What the group stage decided, per row of the scan, as typed columns written in place by whoever decides
 * a row (the main thread, or a worker through shared memory when the scan has workers):
 *
 *   row ─▶ description: the row of the description's first holder (the least row of its class: numbering
 *          needs no coordination between jobs), or -1 for a row left out
 *       ─▶ fate: member, or why not (below), with the failing call and its errno number
 *   first row of a description ─▶ its method and whether it is certain
 *
 * Every failure carries the call that failed and the errno that call returned; what no call explains (a
 * bucket that never held still, an fd number reused) has a fate of its own, never a made-up errno.
 *
 * Certainty (settleBucket): a bucket in which some fd could not be compared (refused: privilege, not
 * supported; unsettled; uncalled) keeps what was proved — holders found equal do share a description —
 * but none of its descriptions can be told apart from those fds, so all are `certain: false`; each such fd
 * is its own description with method 'none' (never merged on a guess), and so is any single-fd
 * description of that bucket (nothing proved it alone).
 */
import type { FdDir } from '../../procfs/fd-dir.js';
import type { FdsMethod } from './fds-report.js';

/** Why a row is or is not a plain member of its description. */
export const FATE = {
  /** Holds its description, as its method decided (also: not decided yet, while its bucket is grouped). */
  member: 0,
  /** Could not be compared (the call was refused: privilege, not supported, no fd left to borrow into): a
   * description of its own, uncertain. */
  uncompared: 1,
  /** Its bucket gave other answers each time it was grouped and checked: a description of its own,
   * uncertain; no call failed. */
  unsettled: 2,
  /** Not compared, and no call made: kcmp cannot be used in this run and answered no errno (a seccomp
   * filter kills any process calling it). A description of its own, uncertain. */
  uncalled: 3,
  /** Read or compared, it failed (gone, or unreadable): left out, an error row. */
  failed: 4,
  /** Its number names another file than when it was read (closed and reused meanwhile): left out. */
  reused: 5,
} as const;
export type Fate = (typeof FATE)[keyof typeof FATE];

/** The calls whose failure a row's fate names, by code (the index). */
export const CALLS = ['stat', 'kcmp', 'pidfd_getfd'] as const;
export type FateCall = (typeof CALLS)[number];
/** The calls that compare two fds: kcmp(KCMP_FILE), or pidfd_getfd to borrow them for F_DUPFD_QUERY. */
export type ComparingCall = Exclude<FateCall, 'stat'>;

/** The methods a description's first row names, by code (the index). */
export const METHODS: readonly FdsMethod[] = [
  'none',
  'kcmp',
  'borrowed-dupfd-query',
  'different-inode',
  'socket-inode',
  'o-path',
  'bpf-pass',
];
const METHOD_CODE = new Map(METHODS.map((m, i) => [m, i]));

/** Per row of the scan (see the header). Typed arrays only, so that a worker can be given them. */
export interface Verdicts {
  description: Int32Array;
  fate: Uint8Array;
  /** 1 on a member the group stage did not stat again after comparing it (an fd alone in its class, when
   * every description is named: group-bucket.ts): the name check's stat confirms it (names.ts). */
  unconfirmed: Uint8Array;
  /** With fate failed or uncompared: the call that failed (CALLS) and its errno number. */
  call: Uint8Array;
  errno: Uint16Array;
  /** At a description's first row: its method (METHODS) and 1 when certain. */
  method: Uint8Array;
  certain: Uint8Array;
}

/** Verdicts for `size` rows, none decided; in shared memory when workers write them. `statErrno`: per
 * row, the errno of its stat (0: read), whose rows are failed from the start (they are in no bucket). */
export function allocVerdicts(statErrno: Uint16Array, shared: boolean): Verdicts {
  const size = statErrno.length;
  const of = <T>(Column: new (buffer: ArrayBuffer) => T, bytes: number) =>
    new Column((shared ? new SharedArrayBuffer(size * bytes) : new ArrayBuffer(size * bytes)) as ArrayBuffer);
  const v: Verdicts = {
    description: of(Int32Array, 4),
    fate: of(Uint8Array, 1),
    unconfirmed: of(Uint8Array, 1),
    call: of(Uint8Array, 1),
    errno: of(Uint16Array, 2),
    method: of(Uint8Array, 1),
    certain: of(Uint8Array, 1),
  };
  v.description.fill(-1);
  for (let row = 0; row < size; row++) {
    const errno = statErrno[row] as number;
    if (errno !== 0) fail(v, row, FATE.failed, 'stat', errno);
  }
  return v;
}

/** Row `row` left out or set apart: `fate`, and the call that failed with its errno (0: none). */
export function fail(v: Verdicts, row: number, fate: Fate, call: FateCall = 'stat', errno = 0): void {
  v.fate[row] = fate;
  v.call[row] = CALLS.indexOf(call);
  v.errno[row] = errno;
  v.description[row] = -1;
}

/** Still a member (or undecided): no fate has set it apart. */
export function live(v: Verdicts, row: number): boolean {
  return v.fate[row] === FATE.member;
}

/** A fate that leaves its fd a description of its own, uncertain (the others leave it out of the report). */
export function alone(fate: number): boolean {
  return fate === FATE.uncompared || fate === FATE.unsettled || fate === FATE.uncalled;
}

/** Rows `members` (in row order) hold one description, decided by `method`. */
export function describeAll(
  v: Verdicts,
  members: ArrayLike<number>,
  method: FdsMethod,
  certain: boolean,
): void {
  const key = members[0] as number;
  for (let i = 0; i < members.length; i++) v.description[members[i] as number] = key;
  v.method[key] = METHOD_CODE.get(method) as number;
  v.certain[key] = certain ? 1 : 0;
}

/**
 * One compared bucket, decided: its classes (rows; those given a fate since are skipped, and a class left
 * empty is none) and the fate each other row of `bucket` was given; `method`: what decided a class of
 * `size` members. Applies the certainty rule of the header.
 */
export function settleBucket(
  v: Verdicts,
  bucket: ArrayLike<number>,
  classes: readonly (readonly number[])[],
  method: (size: number) => FdsMethod,
): void {
  let certain = true;
  for (let i = 0; i < bucket.length; i++) if (alone(v.fate[bucket[i] as number] as number)) certain = false;
  for (const members of classes) {
    const held = members.filter((row) => live(v, row)).sort((a, b) => a - b);
    if (held.length === 0) continue;
    describeAll(v, held, certain || held.length > 1 ? method(held.length) : 'none', certain);
  }
  for (let i = 0; i < bucket.length; i++) {
    const row = bucket[i] as number;
    if (alone(v.fate[row] as number)) {
      v.description[row] = row;
      v.method[row] = METHOD_CODE.get('none') as number;
      v.certain[row] = 0;
    }
  }
}

/**
 * Does fd `fd` of `dir`'s task still refer to inode (dev, ino)? If not, row `row` is failed (the stat
 * failed: closed, exited) or reused (its number now names another file: closed and reused since it was
 * read). True when it still does.
 */
export function restatRow(
  v: Verdicts,
  row: number,
  dir: FdDir,
  fd: number,
  dev: number,
  ino: number,
): boolean {
  const errno = dir.stat(fd);
  if (errno !== 0) fail(v, row, FATE.failed, 'stat', errno);
  else if (!dir.holds(dev, ino)) fail(v, row, FATE.reused);
  return live(v, row);
}
