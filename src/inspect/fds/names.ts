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
 */
import { type FdDir, FdDirs } from '../../procfs/fd-dir.js';
import { type ErrnoName, errnoName } from '../../sys/errno.js';
import { type FdRows, tableOf } from './fd-rows.js';
import type { Problems } from './fds-problems.js';
import { JOB_SIZE, runJobs, type WorkerPool } from './work-split.js';

/** Why a name could not be read: the readlink or the stat after it failed, or the number was reused. */
export type Unnamed = { kind: 'failed'; syscall: 'readlink' | 'stat'; errno: ErrnoName } | { kind: 'reused' };

/** The name of each description (given as its rows, first holder first); '' when no holder's link reads,
 * and then an error row says why the first holder's did not. */
export async function readNames(
  rows: FdRows,
  descriptions: readonly ArrayLike<number>[],
  pool: WorkerPool | undefined,
  problems: Problems,
): Promise<string[]> {
  // The bpf engine's pass read each file's name with its inode: nothing to read again, nothing to check.
  const names = descriptions.map((members) => rows.nameOf?.(members[0] as number) ?? '');
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
      names[i] = why ? nextHolderName(rows, dirs, members) : (read.names[j] as string);
      if (why && names[i] === '') noteUnnamed(rows, members[0] as number, why, problems);
    });
  } finally {
    dirs.close();
  }
  return names;
}

/** The error row of a description none of whose holders' names could be read: its first holder's cause. */
function noteUnnamed(rows: FdRows, row: number, why: Unnamed, problems: Problems): void {
  const { pid, tid } = tableOf(rows, row);
  const fd = rows.fd[row] as number;
  if (why.kind === 'reused') problems.reused(pid, fd, tid);
  else problems.add(pid, fd, why.syscall, why.errno, tid);
}

/**
 * The link target of fd `fd` of `dir`'s task, if it still refers to inode (dev, ino) once it is read:
 * readlink, then stat. The fd's number may have been closed and reused since (dev, ino) were read; a stat
 * that still shows them after the readlink means the name read was that file's. Else why not.
 */
export function verifiedName(dir: FdDir, fd: number, dev: number, ino: number): string | Unnamed {
  let errno = dir.readlink(fd);
  if (errno !== 0) return { kind: 'failed', syscall: 'readlink', errno: errnoName(errno) };
  const name = dir.name;
  errno = dir.stat(fd);
  if (errno !== 0) return { kind: 'failed', syscall: 'stat', errno: errnoName(errno) };
  return dir.holds(dev, ino) ? name : { kind: 'reused' };
}

/** The checked names of a job ('' where unread), and why each unread one is (by index in the job). */
export interface CheckedNames {
  names: string[];
  unnamed: Map<number, Unnamed>;
}

/** verifiedName of fd `fds[i]` of task `tids[i]` for each i: the work of a names job (fds-worker.ts). */
export function verifiedNames(
  tids: Int32Array,
  fds: Int32Array,
  devs: Float64Array,
  inos: Float64Array,
): CheckedNames {
  const dirs = new FdDirs();
  const out: CheckedNames = { names: new Array<string>(fds.length).fill(''), unnamed: new Map() };
  try {
    fds.forEach((fd, i) => {
      const name = verifiedName(dirs.get(tids[i] as number), fd, devs[i] as number, inos[i] as number);
      if (typeof name === 'string') out.names[i] = name;
      else out.unnamed.set(i, name);
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
  const out: CheckedNames = { names: new Array<string>(targets.length).fill(''), unnamed: new Map() };
  const request = (job: number[]) => ({
    tids: Int32Array.from(job, (row) => tableOf(rows, row).tid),
    fds: Int32Array.from(job, (row) => rows.fd[row] as number),
    devs: Float64Array.from(job, (row) => rows.dev[row] as number),
    inos: Float64Array.from(job, (row) => rows.ino[row] as number),
  });
  const offset = new Map(jobs.map((job, i) => [job, i * JOB_SIZE]));
  const done = (job: number[], read: CheckedNames) => {
    const at = offset.get(job) as number;
    read.names.forEach((name, i) => {
      out.names[at + i] = name;
    });
    for (const [i, why] of read.unnamed) out.unnamed.set(at + i, why);
  };
  const check = {
    request: (job: number[]) => ({ op: 'names', ...request(job) }) as const,
    here: (job: number[]) => {
      const { tids, fds, devs, inos } = request(job);
      return verifiedNames(tids, fds, devs, inos);
    },
  };
  await runJobs(pool, jobs, check, done);
  return out;
}

/** The checked name of any row, '' when it cannot be read (gone, unreadable or reused). */
function checkedName(rows: FdRows, dirs: FdDirs, row: number): string {
  const dir = dirs.get(tableOf(rows, row).tid);
  const name = verifiedName(dir, rows.fd[row] as number, rows.dev[row] as number, rows.ino[row] as number);
  return typeof name === 'string' ? name : '';
}

function nextHolderName(rows: FdRows, dirs: FdDirs, members: ArrayLike<number>): string {
  for (let m = 1; m < members.length; m++) {
    const name = checkedName(rows, dirs, members[m] as number);
    if (name !== '') return name;
  }
  return '';
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
      name = checkedName(this.rows, this.dirs, row);
      this.read.set(row, name);
    }
    return name;
  }

  close(): void {
    this.dirs.close();
  }
}
