/**
 * Where the names of descriptions are read, and nowhere else: the /proc/TID/fd/N link target of a
 * description's first holder ("/var/log/x.log", "pipe:[123]", "socket:[456]", "anon_inode:[eventfd]"),
 * read for the listed descriptions only (half the syscalls of a 50,000-fd scan are saved by not naming the
 * others), in jobs on the workers when the scan has them (work-split.ts). Each name is checked by a stat
 * after the readlink: an fd number closed and reused since the scan read it would otherwise lend the
 * description another file's name. A first holder whose fd is gone or reused by now hands over to the
 * next holder; '' when none still holds the file. The bpf engine needs none of this: its pass wrote each
 * fd's name in the same visit as its inode (FdRows.nameOf), so those two always describe one file. The check cannot see a reuse within one inode: every
 * anon-inode fd (eventfd, timerfd, epoll, …) shares the anon inode, so an eventfd's number reused for a
 * timerfd in between passes it. It costs one statx per listed description (with --all at 100,000 fds,
 * about 15% of the scan).
 *
 * A socket's link always reads `socket:[INO]` (sockfs_dname(), since 2.6): what is read in the readlink's
 * place is its protocol, the kernel's name for it (socket-protocol.ts: lsfd's TYPE), checked by the same
 * stat after it. The bpf engine's pass names sockets too, and reads their protocol in the same visit
 * (task-file-program.ts): read after it by path only where the pass could not.
 *
 * That stat is also the re-stat of an fd the group stage compared and left alone in its class
 * (group-bucket.ts: its place rests on "different" answers only, true of this inode only if its number was
 * not reused for another file since the scan): when every description is named, such a row is marked
 * `unconfirmed` and named here before the descriptions are counted (confirmByName), and a check that finds
 * it gone or reused leaves it out, as the group stage's own re-stat would have — one stat, not two.
 */

import { type FdDir, FdDirs } from '../../procfs/fd-dir.js';
import { S_IFMT, S_IFSOCK } from '../../procfs/kinds.js';
import { readSocketProtocol, type SocketProtocolName } from '../../procfs/socket-protocol.js';
import { type ErrnoName, errnoName, errnoNumber } from '../../sys/errno.js';
import { type FdRows, tableOf } from './fd-rows.js';
import type { Problems } from './fds-problems.js';
import { FATE, fail, live, restatRow, type Verdicts } from './verdicts.js';
import { JOB_SIZE, runJobs, type WorkerPool } from './work-split.js';

/** Why a name could not be read: the readlink (a socket's getxattr) or the stat after it failed, or the
 * number was reused. */
export type Unnamed =
  | { kind: 'failed'; syscall: 'readlink' | 'getxattr' | 'stat'; errno: ErrnoName }
  | { kind: 'reused' };

/** The names of descriptions, and the protocol of each that is a socket ('' for the others, and for a
 * socket whose protocol could not be read). */
export interface DescriptionNames {
  names: string[];
  protocols: SocketProtocolName[];
}

/** A checked name, and the protocol when it is a socket's (''). */
export interface Named {
  name: string;
  protocol: SocketProtocolName;
}

/**
 * The checked name of each row the group stage left unconfirmed (the header), by row. A row whose check
 * finds it gone or its number reused is given that fate (verdicts.ts), and its error row is made with the
 * others'; one whose name cannot be read is stat'ed alone, as the group stage would have, and named again
 * with the rest (readNames says why it cannot be).
 */
export async function confirmByName(
  rows: FdRows,
  v: Verdicts,
  pool: WorkerPool | undefined,
): Promise<Map<number, Named>> {
  const targets: number[] = [];
  for (let row = 0; row < v.unconfirmed.length; row++)
    if (v.unconfirmed[row] === 1 && live(v, row)) targets.push(row);
  const named = new Map<number, Named>();
  if (targets.length === 0) return named;
  const read = await readChecked(rows, targets, pool);
  const dirs = new FdDirs();
  try {
    targets.forEach((row, j) => {
      const why = read.unnamed.get(j);
      if (why === undefined)
        named.set(row, { name: read.names[j] as string, protocol: read.protocols[j] as string });
      else if (why.kind === 'reused') fail(v, row, FATE.reused);
      else if (why.syscall === 'stat') fail(v, row, FATE.failed, 'stat', errnoNumber(why.errno));
      else {
        const [fd, dev, ino] = [rows.fd[row], rows.dev[row], rows.ino[row]] as number[];
        restatRow(v, row, dirs.get(tableOf(rows, row).tid), fd as number, dev as number, ino as number);
      }
    });
  } finally {
    dirs.close();
  }
  return named;
}

/** The name of each description (given as its rows, first holder first); '' when no holder's link reads,
 * and then an error row says why the first holder's did not. `confirmed`: names confirmByName read, by
 * row. */
export async function readNames(
  rows: FdRows,
  descriptions: readonly ArrayLike<number>[],
  pool: WorkerPool | undefined,
  problems: Problems,
  confirmed: ReadonlyMap<number, Named> = new Map(),
): Promise<DescriptionNames> {
  // Names confirmByName read are not read again. The bpf engine's pass read each file's name with its
  // inode: nothing to read again, nothing to check.
  const known = descriptions.map((members) => confirmed.get(members[0] as number));
  const names = descriptions.map((members, i) => known[i]?.name ?? rows.nameOf?.(members[0] as number) ?? '');
  const protocols = names.map(
    (name, i) =>
      known[i]?.protocol ?? (name === '' ? '' : protocolOf(rows, descriptions[i] as ArrayLike<number>)),
  );
  const unread = names.flatMap((name, i) => (name === '' ? [i] : []));
  const read = await readChecked(
    rows,
    unread.map((i) => (descriptions[i] as ArrayLike<number>)[0] as number),
    pool,
  );
  const dirs = new FdDirs();
  try {
    unread.forEach((i, j) => {
      const members = descriptions[i] as ArrayLike<number>;
      const why = read.unnamed.get(j);
      const next = why ? nextHolderName(rows, dirs, members) : undefined;
      names[i] = next ? next.name : (read.names[j] as string);
      protocols[i] = next ? next.protocol : (read.protocols[j] as string);
      if (why && names[i] === '') noteUnnamed(rows, members[0] as number, why, problems);
    });
  } finally {
    dirs.close();
  }
  return { names, protocols };
}

/** A socket's protocol where the bpf engine's pass named it: the pass's, else read now ('' for anything
 * else). */
function protocolOf(rows: FdRows, members: ArrayLike<number>): string {
  const row = members[0] as number;
  if (((rows.mode[row] as number) & S_IFMT) !== S_IFSOCK) return '';
  return rows.protocolOf?.(row) ?? readSocketProtocol(tableOf(rows, row).tid, rows.fd[row] as number) ?? '';
}

/** The error row of a description none of whose holders' names could be read: its first holder's cause. */
function noteUnnamed(rows: FdRows, row: number, why: Unnamed, problems: Problems): void {
  const { pid, tid } = tableOf(rows, row);
  const fd = rows.fd[row] as number;
  if (why.kind === 'reused') problems.reused(pid, fd, tid);
  else problems.add(pid, fd, why.syscall, why.errno, tid);
}

/**
 * The link target of fd `fd` of `dir`'s task, if it still refers to inode (dev, ino) of mode `mode` once
 * it is read: readlink (for a socket, its protocol: `dir.protocol` then holds it), then stat. The fd's
 * number may have been closed and reused since (dev, ino) were read; a stat that still shows them after
 * the read means what was read was that file's. Else why not.
 */
export function verifiedName(
  dir: FdDir,
  fd: number,
  dev: number,
  ino: number,
  mode: number,
): string | Unnamed {
  const socket = (mode & S_IFMT) === S_IFSOCK;
  let errno = socket ? dir.readProtocol(fd) : dir.readlink(fd);
  if (errno !== 0)
    return { kind: 'failed', syscall: socket ? 'getxattr' : 'readlink', errno: errnoName(errno) };
  const name = socket ? `socket:[${ino}]` : dir.name;
  errno = dir.stat(fd);
  if (errno !== 0) return { kind: 'failed', syscall: 'stat', errno: errnoName(errno) };
  return dir.holds(dev, ino) ? name : { kind: 'reused' };
}

/** The checked names (and sockets' protocols) of a job ('' where unread), and why each unread one is (by
 * index in the job). */
export interface CheckedNames extends DescriptionNames {
  unnamed: Map<number, Unnamed>;
}

/** The fds of a names job: fd `fds[i]` of task `tids[i]`, of inode (devs[i], inos[i]) and mode modes[i]. */
export interface NamesJob {
  tids: Int32Array;
  fds: Int32Array;
  devs: Float64Array;
  inos: Float64Array;
  modes: Uint32Array;
}

/** verifiedName of each fd of `job`: the work of a names job (fds-worker.ts). */
export function verifiedNames({ tids, fds, devs, inos, modes }: NamesJob): CheckedNames {
  const dirs = new FdDirs();
  const out: CheckedNames = {
    names: new Array<string>(fds.length).fill(''),
    protocols: new Array<string>(fds.length).fill(''),
    unnamed: new Map(),
  };
  try {
    fds.forEach((fd, i) => {
      const dir = dirs.get(tids[i] as number);
      const mode = modes[i] as number;
      const name = verifiedName(dir, fd, devs[i] as number, inos[i] as number, mode);
      if (typeof name !== 'string') out.unnamed.set(i, name);
      else {
        out.names[i] = name;
        if ((mode & S_IFMT) === S_IFSOCK) out.protocols[i] = dir.protocol;
      }
    });
  } finally {
    dirs.close();
  }
  return out;
}

/** The checked name of each of `targets` (rows): in jobs, on the workers if any. */
async function readChecked(
  rows: FdRows,
  targets: readonly number[],
  pool: WorkerPool | undefined,
): Promise<CheckedNames> {
  const jobs: number[][] = [];
  for (let at = 0; at < targets.length; at += JOB_SIZE) jobs.push(targets.slice(at, at + JOB_SIZE));
  const out: CheckedNames = {
    names: new Array<string>(targets.length).fill(''),
    protocols: new Array<string>(targets.length).fill(''),
    unnamed: new Map(),
  };
  const request = (job: number[]): NamesJob => ({
    tids: Int32Array.from(job, (row) => tableOf(rows, row).tid),
    fds: Int32Array.from(job, (row) => rows.fd[row] as number),
    devs: Float64Array.from(job, (row) => rows.dev[row] as number),
    inos: Float64Array.from(job, (row) => rows.ino[row] as number),
    modes: Uint32Array.from(job, (row) => rows.mode[row] as number),
  });
  const offset = new Map(jobs.map((job, i) => [job, i * JOB_SIZE]));
  const done = (job: number[], read: CheckedNames) => {
    const at = offset.get(job) as number;
    read.names.forEach((name, i) => {
      out.names[at + i] = name;
      out.protocols[at + i] = read.protocols[i] as string;
    });
    for (const [i, why] of read.unnamed) out.unnamed.set(at + i, why);
  };
  const check = {
    request: (job: number[]) => ({ op: 'names', ...request(job) }) as const,
    here: (job: number[]) => verifiedNames(request(job)),
  };
  await runJobs(pool, jobs, check, done);
  return out;
}

/** The checked name of any row, '' when it cannot be read (gone, unreadable or reused); for a socket, its
 * protocol is then the row's FdDir's `protocol`. */
function checkedName(rows: FdRows, dir: FdDir, row: number): string {
  const [fd, dev, ino, mode] = [rows.fd[row], rows.dev[row], rows.ino[row], rows.mode[row]] as number[];
  const name = verifiedName(dir, fd as number, dev as number, ino as number, mode as number);
  return typeof name === 'string' ? name : '';
}

/** The name (and a socket's protocol) read through the first holder after the first that can be read. */
function nextHolderName(
  rows: FdRows,
  dirs: FdDirs,
  members: ArrayLike<number>,
): { name: string; protocol: string } {
  for (let m = 1; m < members.length; m++) {
    const row = members[m] as number;
    const dir = dirs.get(tableOf(rows, row).tid);
    const name = checkedName(rows, dir, row);
    const socket = ((rows.mode[row] as number) & S_IFMT) === S_IFSOCK;
    if (name !== '') return { name, protocol: socket ? dir.protocol : '' };
  }
  return { name: '', protocol: '' };
}

/** The name of any row (checked as above; '' when it cannot be read: the finders then match nothing), read
 * once and kept (the peer finders ask for the same rows again). */
export class LinkReader {
  private readonly dirs = new FdDirs();
  private readonly read = new Map<number, string>();

  constructor(private readonly rows: FdRows) {}

  of(row: number): string {
    let name = this.read.get(row) ?? this.rows.nameOf?.(row);
    if (name === undefined) {
      name = checkedName(this.rows, this.dirs.get(tableOf(this.rows, row).tid), row);
      this.read.set(row, name);
    }
    return name;
  }

  close(): void {
    this.dirs.close();
  }
}
