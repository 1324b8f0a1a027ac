/**
 * stat(2) of what an fd of another process refers to, through /proc/PID/fd/N (proc(5)). The link is
 * followed, so this is the file itself: its (dev, ino) is shared by EVERY open file description of that
 * inode, so equal (dev, ino) proves nothing about sharing, but different (dev, ino) proves two fds hold
 * different descriptions. Sockets are the exception that helps: sockfs makes exactly one `struct file`
 * per socket and refuses every other open (ENXIO) but O_PATH, so the fds of one socket inode that are not
 * O_PATH share one description (kinds.ts, fd-access.ts).
 *
 * Access needs ptrace READ_FSCREDS on the target (EACCES otherwise). A tid works wherever a pid does
 * (/proc/TID is reachable though not listed), which matters when a leader thread has exited. ENOENT means
 * the fd is not open, or the process is gone or a zombie (its fd table is already released).
 */
import { statSync } from 'node:fs';

export interface FdStat {
  dev: bigint;
  ino: bigint;
  /** st_mode: file type and permission bits. */
  mode: number;
}

export function fdPath(pid: number, fd: number): string {
  return `/proc/${pid}/fd/${fd}`;
}

/** Stats the file behind fd `fd` of task `pid`. Throws the fs error (ENOENT, EACCES, …). */
export function statFd(pid: number, fd: number): FdStat {
  const st = statSync(fdPath(pid, fd), { bigint: true });
  return { dev: st.dev, ino: st.ino, mode: Number(st.mode) };
}

export function sameInode(a: FdStat, b: FdStat): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}
