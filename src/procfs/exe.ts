/**
 * /proc/PID/exe: the executable a process runs (proc(5)); execve(2) changes it, fork(2) does not. Needs
 * ptrace READ_FSCREDS access; kernel threads and zombies have none (ENOENT).
 */
import { readlinkSync } from 'node:fs';

/** The executable's path (with " (deleted)" if it was replaced on disk), or null if unreadable. */
export function readExe(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
}
