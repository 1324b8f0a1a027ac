/**
 * A process's own links in /proc (proc(5)): `exe`, the executable it runs (execve(2) changes it, fork(2)
 * does not); `cwd` and `root`, its working and root directories, as the reader's mount namespace names
 * them. Each needs ptrace READ_FSCREDS access; kernel threads and zombies have none (ENOENT). stat(2)
 * through the exe link reaches the file itself, also after it was deleted or replaced on disk (an
 * upgrade), so (dev, ino) tells two runs of one path apart where the path cannot.
 */
import { readlinkSync, statSync } from 'node:fs';
import { readLink } from './fd-dir.js';

/** Where `/proc/PID/cwd` or `/proc/PID/root` points, its bytes kept; null if unreadable. */
export function readDirectoryLink(pid: number, link: 'cwd' | 'root'): string | null {
  try {
    return readLink(`/proc/${pid}/${link}`);
  } catch {
    return null;
  }
}

/** The executable's path (with " (deleted)" if it was replaced on disk), or null if unreadable. */
export function readExe(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
}

/** The executable file's identity as "dev:ino", or null if unreadable. */
export function readExeIdentity(pid: number): string | null {
  try {
    const st = statSync(`/proc/${pid}/exe`);
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}
