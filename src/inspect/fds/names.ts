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
import { FdDirs, verifiedNames } from '../../procfs/fd-dir.js';
import { type FdRows, tableOf } from './fd-rows.js';
import { JOB_SIZE, runJobs, type WorkerPool } from './work-split.js';

/** The name of each description (given as its rows, first holder first); '' when no holder's link reads. */
export async function readNames(
  rows: FdRows,
  descriptions: readonly (readonly number[])[],
  pool: WorkerPool | undefined,
): Promise<string[]> {
  // The bpf engine's pass read each file's name with its inode: nothing to read again, nothing to check.
  const names = descriptions.map((members) => rows.nameOf?.(members[0] as number) ?? '');
  const unread = names.flatMap((name, i) => (name === '' ? [i] : []));
  const read = await readChecked(
    rows,
    unread.map((i) => (descriptions[i] as readonly number[])[0] as number),
    pool,
  );
  const dirs = new FdDirs();
  try {
    unread.forEach((i, j) => {
      names[i] = read[j] || nextHolderName(rows, dirs, descriptions[i] as readonly number[]);
    });
  } finally {
    dirs.close();
  }
  return names;
}

/** The checked name of each of `targets` (rows), '' where gone or reused: in jobs, on the workers if any. */
async function readChecked(rows: FdRows, targets: readonly number[], pool: WorkerPool | undefined) {
  const jobs: number[][] = [];
  for (let at = 0; at < targets.length; at += JOB_SIZE) jobs.push(targets.slice(at, at + JOB_SIZE));
  const names = new Array<string>(targets.length).fill('');
  const request = (job: number[]) => ({
    tids: Int32Array.from(job, (row) => tableOf(rows, row).tid),
    fds: Int32Array.from(job, (row) => rows.fd[row] as number),
    devs: Float64Array.from(job, (row) => rows.dev[row] as number),
    inos: Float64Array.from(job, (row) => rows.ino[row] as number),
  });
  const offset = new Map(jobs.map((job, i) => [job, i * JOB_SIZE]));
  const done = (job: number[], read: string[]) => {
    read.forEach((name, i) => {
      names[(offset.get(job) as number) + i] = name;
    });
  };
  const check = {
    request: (job: number[]) => ({ op: 'names', ...request(job) }) as const,
    here: (job: number[]) => {
      const { tids, fds, devs, inos } = request(job);
      return verifiedNames(tids, fds, devs, inos);
    },
  };
  await runJobs(pool, jobs, check, done);
  return names;
}

function nextHolderName(rows: FdRows, dirs: FdDirs, members: readonly number[]): string {
  for (let m = 1; m < members.length; m++) {
    const row = members[m] as number;
    const dir = dirs.get(tableOf(rows, row).tid);
    const name = dir.verifiedName(rows.fd[row] as number, rows.dev[row] as number, rows.ino[row] as number);
    if (name !== '') return name;
  }
  return '';
}

/** The name of any row (checked as above), read once and kept (the peer finders ask for the same rows again). */
export class LinkReader {
  private readonly dirs = new FdDirs();
  private readonly read = new Map<number, string>();

  constructor(private readonly rows: FdRows) {}

  of(row: number): string {
    let name = this.read.get(row) ?? this.rows.nameOf?.(row);
    if (name === undefined) {
      const { fd, dev, ino } = this.rows;
      const dir = this.dirs.get(tableOf(this.rows, row).tid);
      name = dir.verifiedName(fd[row] as number, dev[row] as number, ino[row] as number);
      this.read.set(row, name);
    }
    return name;
  }

  close(): void {
    this.dirs.close();
  }
}
