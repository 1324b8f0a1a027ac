/**
 * The filesystem magic number (statfs(2) f_type) of the file behind an fd of another process, through
 * /proc/PID/fd/N — statfs follows the link to the file itself — for the few kinds only their filesystem
 * tells apart (kinds.ts: a POSIX mqueue, a memfd_secret). Asked only for S_IFREG files on an anonymous
 * device (kindNeedsFsMagic), and once per device: every file of one superblock has its f_type.
 * Access needs ptrace READ_FSCREDS on the target, like stat; a failure (fd closed, no access) gives 0,
 * which names no filesystem: the kind stays REG.
 */
import { statfsSync } from 'node:fs';
import { devMajor } from './fds.js';
import { kindNeedsFsMagic } from './kinds.js';

export class FsMagics {
  private readonly byDev = new Map<number, number>();

  /** The f_type of fd `fd` of task `tid` (st_dev `dev`, st_mode `mode`), or 0 when not needed or not read. */
  of(tid: number, fd: number, dev: number, mode: number): number {
    if (!kindNeedsFsMagic(mode, devMajor(dev))) return 0;
    const known = this.byDev.get(dev);
    if (known !== undefined) return known;
    let magic = 0;
    try {
      magic = statfsSync(`/proc/${tid}/fd/${fd}`).type;
    } catch {
      return 0; // not cached: another fd on this device may still be readable
    }
    this.byDev.set(dev, magic);
    return magic;
  }
}
