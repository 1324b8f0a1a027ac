/**
 * One task's /proc/TID/fd directory, held open while its fds are read: stat (following the link: the
 * file's dev, ino, mode) and readlink (the link target) of fd N as statx/readlinkat relative to the
 * directory fd (src/sys/proc-fd.ts), so the kernel resolves only "N" — a third cheaper than node:fs,
 * which walks the whole path each time. Where that is unavailable (no statx wrapper in the C library, or
 * the directory cannot be opened), the same answers come from node:fs by path.
 *
 * Errors are those of stat(2) on the link: ENOENT (fd closed, or the task exited), EACCES (no ptrace
 * read access to the task). Not reentrant: `dev`, `ino`, `mode` belong to the last successful stat.
 */
import { closeSync, constants, lstatSync, openSync, readlinkSync, statSync } from 'node:fs';
import { type ErrnoName, errnoName } from '../sys/errno.js';
import { decodeLossless } from '../sys/lossless-text.js';
import { hasStatxAt, statxResult, sysLinkModeAt, sysReadlinkAt, sysStatxAt } from '../sys/proc-fd.js';
import { fsErrno } from './errors.js';

export class FdDir {
  dev = 0;
  ino = 0;
  mode = 0;
  private readonly path: string;
  private readonly dirfd: number | undefined;

  constructor(readonly tid: number) {
    this.path = `/proc/${tid}/fd`;
    let dirfd: number | undefined;
    try {
      if (hasStatxAt()) dirfd = openSync(this.path, constants.O_RDONLY | constants.O_DIRECTORY);
    } catch {
      // unreadable or gone: the per-fd calls below say why, by path
    }
    this.dirfd = dirfd;
  }

  /** stat of fd `fd`: undefined, with `dev`, `ino`, `mode` set; or the errno. */
  stat(fd: number): ErrnoName | undefined {
    if (this.dirfd !== undefined) {
      const r = sysStatxAt(this.dirfd, String(fd));
      if (r < 0) return errnoName(-r);
      this.dev = statxResult.dev;
      this.ino = statxResult.ino;
      this.mode = statxResult.mode;
      return undefined;
    }
    try {
      const st = statSync(`${this.path}/${fd}`, { throwIfNoEntry: false });
      if (st === undefined) return 'ENOENT';
      this.dev = st.dev;
      this.ino = st.ino;
      this.mode = st.mode;
      return undefined;
    } catch (error) {
      return fsErrno(error);
    }
  }

  /**
   * Does fd `fd` still refer to inode (dev, ino)? undefined if so; the errno if the stat fails; 'reused'
   * when it now refers to another file — the fd that was read has been closed and its number reused.
   */
  restat(fd: number, dev: number, ino: number): ErrnoName | 'reused' | undefined {
    const errno = this.stat(fd);
    if (errno !== undefined) return errno;
    return this.dev === dev && this.ino === ino ? undefined : 'reused';
  }

  /** The st_mode of fd `fd`'s link itself (its r/w bits are the fd's f_mode: fd-access.ts), or the errno. */
  linkMode(fd: number): number | ErrnoName {
    if (this.dirfd !== undefined) {
      const r = sysLinkModeAt(this.dirfd, String(fd));
      return r < 0 ? errnoName(-r) : r;
    }
    try {
      return lstatSync(`${this.path}/${fd}`).mode;
    } catch (error) {
      return fsErrno(error);
    }
  }

  /**
   * The link target of fd `fd`, if the fd still refers to inode (dev, ino) once it is read: readlink,
   * then stat. The fd's number may have been closed and reused since (dev, ino) were read; a stat that
   * still shows them after the readlink means the name read was that file's ('' otherwise).
   */
  verifiedName(fd: number, dev: number, ino: number): string {
    const name = this.readlink(fd);
    return name !== '' && this.restat(fd, dev, ino) === undefined ? name : '';
  }

  /** The link target of fd `fd`: "/var/log/x.log", "pipe:[123]", "socket:[456]",
   * "anon_inode:[eventfd]"; '' when it cannot be read (no link target is empty). */
  readlink(fd: number): string {
    if (this.dirfd !== undefined) {
      const r = sysReadlinkAt(this.dirfd, String(fd));
      return typeof r === 'string' ? r : '';
    }
    try {
      return readLink(`${this.path}/${fd}`);
    } catch {
      return '';
    }
  }

  close(): void {
    if (this.dirfd !== undefined) closeSync(this.dirfd);
  }
}

/** readlink(2) of `path`, its bytes kept (sys/lossless-text.ts): a file name need not be UTF-8. Throws
 * the fs error. */
export function readLink(path: string): string {
  return decodeLossless(readlinkSync(path, { encoding: 'buffer' }));
}

/** FdDirs opened on demand, one per task, all closed together. */
export class FdDirs {
  private readonly dirs = new Map<number, FdDir>();

  get(tid: number): FdDir {
    let dir = this.dirs.get(tid);
    if (!dir) {
      dir = new FdDir(tid);
      this.dirs.set(tid, dir);
    }
    return dir;
  }

  close(): void {
    for (const dir of this.dirs.values()) dir.close();
    this.dirs.clear();
  }
}

/** The name of fd `fds[i]` of task `tids[i]` if it still refers to inode (devs[i], inos[i]), for each i
 * ('' when gone or reused: see FdDir.verifiedName). */
export function verifiedNames(
  tids: Int32Array,
  fds: Int32Array,
  devs: Float64Array,
  inos: Float64Array,
): string[] {
  const dirs = new FdDirs();
  try {
    return Array.from(fds, (fd, i) =>
      dirs.get(tids[i] as number).verifiedName(fd, devs[i] as number, inos[i] as number),
    );
  } finally {
    dirs.close();
  }
}

/** The link target of fd `fds[i]` of task `tids[i]`, for each i ('' when gone). */
export function readLinks(tids: Int32Array, fds: Int32Array): string[] {
  const dirs = new FdDirs();
  try {
    return Array.from(fds, (fd, i) => dirs.get(tids[i] as number).readlink(fd));
  } finally {
    dirs.close();
  }
}
