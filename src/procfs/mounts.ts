/**
 * Which mounts a process can see, and which mount one of its files lives on.
 *
 * - /proc/PID/mountinfo (proc(5)) lists the mounts of PID's mount namespace, one a line, the mount id
 *   first. Mount ids are unique on the system while the mount exists (an idr in fs/namespace.c), so a
 *   file whose mount id is not in that list lives on a mount of another namespace, or on one detached
 *   since (umount -l).
 * - `mnt_id:` in /proc/PID/fdinfo/FD (Linux ≥ 3.15) is that id for an open file; for a process's cwd or
 *   root there is no fdinfo, so its magic link is opened O_PATH here (following it lands on the dentry and
 *   mount themselves, as statx's STATX_MNT_ID would report them) and the id read from our own fdinfo.
 *   Opening the link needs ptrace READ access to PID (EACCES otherwise); ENOENT: PID is gone.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { O_PATH } from '../sys/fcntl.js';
import { readFdInfo } from './fdinfo.js';

/** The mount ids of PID's mount namespace. Throws the fs error. */
export function mountIds(pid: number): Set<number> {
  const ids = new Set<number>();
  for (const line of readFileSync(`/proc/${pid}/mountinfo`, 'latin1').split('\n')) {
    const id = Number.parseInt(line, 10);
    if (Number.isInteger(id)) ids.add(id);
  }
  return ids;
}

/** The mount id of PID's cwd or root directory. Throws the fs error. */
export function linkMountId(pid: number, link: 'cwd' | 'root'): number {
  const fd = openSync(`/proc/${pid}/${link}`, O_PATH);
  try {
    return readFdInfo(process.pid, fd).mntId;
  } finally {
    closeSync(fd);
  }
}
