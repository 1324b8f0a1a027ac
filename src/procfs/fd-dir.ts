/**
 * One task's /proc/TID/fd directory, held open while its fds are read: stat (following the link: the
 * file's dev, ino, mode), readlink (the link target) and a socket's protocol name of fd N as statx/readlinkat relative to the
 * directory fd (src/sys/proc-fd.ts), so the kernel resolves only "N" — a third cheaper than node:fs,
 * which walks the whole path each time. Where that is unavailable (no statx wrapper in the C library, or
 * the directory cannot be opened), the same answers come from node:fs by path.
 *
 * One convention for every call: it returns 0, with its answer in this object's fields (reused, so a
 * 50,000-fd scan allocates nothing per call), or the errno number (errnoName() names it). Errors are those
 * of stat(2)/readlink(2) on the link: ENOENT (fd closed, or the task exited), EACCES (no ptrace read access
 * to the task). Not reentrant: each field belongs to the last successful call that sets it.
 */
import { closeSync, constants, lstatSync, openSync, readlinkSync, statSync } from 'node:fs';
import { decodeLossless } from '../sys/lossless-text.js';
import { hasStatxAt, statxResult, sysLinkModeAt, sysReadlinkAt, sysStatxAt } from '../sys/proc-fd.js';
import { ENOENT, fsErrnoNumber } from './errors.js';
import { socketProtocolAt } from './socket-protocol.js';

export class FdDir {
  /** What the last successful stat() saw: the file's st_dev, st_ino and st_mode. */
  dev = 0;
  ino = 0;
  mode = 0;
  /** What the last successful statLink() saw: the st_mode of the link itself. */
  linkMode = 0;
  /** What the last successful readlink() read: "/var/log/x.log", "pipe:[123]", "socket:[456]",
   * "anon_inode:[eventfd]" (never empty: no link target is). */
  name = '';
  /** What the last successful readProtocol() read: a socket's protocol ("TCP", "UNIX-STREAM"; '' when it
   * has none to read). */
  protocol = '';
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

  /** stat of fd `fd` (the link followed): 0, with `dev`, `ino`, `mode` set; or the errno. */
  stat(fd: number): number {
    if (this.dirfd !== undefined) {
      const r = sysStatxAt(this.dirfd, String(fd));
      if (r < 0) return -r;
      this.dev = statxResult.dev;
      this.ino = statxResult.ino;
      this.mode = statxResult.mode;
      return 0;
    }
    try {
      const st = statSync(`${this.path}/${fd}`, { throwIfNoEntry: false });
      if (st === undefined) return ENOENT;
      this.dev = st.dev;
      this.ino = st.ino;
      this.mode = st.mode;
      return 0;
    } catch (error) {
      return fsErrnoNumber(error);
    }
  }

  /**
   * Did the last successful stat() see inode (dev, ino)? After a stat of an fd read earlier, false means
   * the fd that was read has been closed and its number reused for another file.
   */
  holds(dev: number, ino: number): boolean {
    return this.dev === dev && this.ino === ino;
  }

  /** lstat of fd `fd`'s link itself: 0, with `linkMode` set (its r/w bits are the fd's f_mode:
   * fd-access.ts); or the errno. */
  statLink(fd: number): number {
    if (this.dirfd !== undefined) {
      const r = sysLinkModeAt(this.dirfd, String(fd));
      if (r < 0) return -r;
      this.linkMode = r;
      return 0;
    }
    try {
      this.linkMode = lstatSync(`${this.path}/${fd}`).mode;
      return 0;
    } catch (error) {
      return fsErrnoNumber(error);
    }
  }

  /** readlink of fd `fd`: 0, with `name` set to the link target; or the errno. The fd's number may have
   * been closed and reused since it was stat'ed: a stat after it that still holds() the inode read then
   * means the name is that file's. */
  readlink(fd: number): number {
    if (this.dirfd !== undefined) {
      const r = sysReadlinkAt(this.dirfd, String(fd));
      if (typeof r === 'number') return -r;
      this.name = r;
      return 0;
    }
    try {
      this.name = readLink(`${this.path}/${fd}`);
      return 0;
    } catch (error) {
      return fsErrnoNumber(error);
    }
  }

  /** The protocol name of the socket fd `fd` refers to (socket-protocol.ts): 0, with `protocol` set; or the
   * errno. By path: getxattr has no form relative to a directory fd before Linux 6.13 (getxattrat). */
  readProtocol(fd: number): number {
    const protocol = socketProtocolAt(`${this.path}/${fd}`);
    if (typeof protocol === 'number') return protocol;
    this.protocol = protocol;
    return 0;
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
