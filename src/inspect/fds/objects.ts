/**
 * Object operands (`kcmp fds FILE…`, `kcmp fds PID:FD`): what a scan is narrowed to. A file is its inode —
 * the (st_dev, st_ino) stat(2) gives after following symlinks, so a mount point is the root directory of
 * what is mounted there, never "every file of that filesystem" as lsof reads it — and an fd is the one
 * open file description it holds, found among the fds of its inode. Each is resolved once, before the
 * scan: a file that does not exist, or an fd that is not open, is the caller's mistake and throws.
 */
import { statSync } from 'node:fs';
import { InvalidArgumentError, ProcessGoneError } from '../../errors.js';
import { fsErrno } from '../../procfs/errors.js';
import { errnoMessage } from '../../sys/errno.js';

/** What a scan is narrowed to: a file (by path; its inode counts, symlinks followed), or one fd's
 * description (`pid`'s fd `fd`, with every holder of that description). */
export type FdObject =
  | {
      /** A file by path: its inode counts (symlinks followed). */
      file: string;
    }
  | {
      /** The process holding the fd. */
      pid: number;
      /** Its fd number: the description it holds is listed, with every holder. */
      fd: number;
    };

/** An object as found: its inode, and for an fd, which fd. */
export interface ResolvedObject {
  /** The operand as the user wrote it, for messages. */
  text: string;
  dev: number;
  ino: number;
  /** Set for a `{ pid, fd }` object: only the description this fd holds is listed. */
  fd?: { pid: number; fd: number };
}

/** `dev:ino`, the key both rows and objects are matched by. */
export function inodeKey(dev: number, ino: number): string {
  return `${dev}:${ino}`;
}

/**
 * Reads a CLI operand: `PID:FD` (two decimal numbers) is an fd; anything else is a file path — `./NAME`
 * forces a path where a file's name would read as PID:FD.
 */
export function parseObject(text: string): FdObject {
  const fd = /^(\d{1,10}):(\d{1,10})$/.exec(text);
  if (fd) return { pid: Number(fd[1]), fd: Number(fd[2]) };
  if (text === '') throw new InvalidArgumentError('invalid operand "": a FILE path or PID:FD');
  return { file: text };
}

/** Stats each object (following symlinks); throws InvalidArgumentError or ProcessGoneError naming it. */
export function resolveObjects(objects: readonly FdObject[]): ResolvedObject[] {
  return objects.map((o) => {
    if ('file' in o) {
      const text = o.file;
      try {
        const st = statSync(text, { bigint: false });
        return { text, dev: st.dev, ino: st.ino };
      } catch (error) {
        const errno = fsErrno(error);
        throw new InvalidArgumentError(
          `cannot look up ${JSON.stringify(text)}: stat failed: ${errno} (${errnoMessage(errno)})`,
          {
            remedy:
              'name an existing file (a symlink is followed); write ./NAME for a file named like PID:FD',
          },
        );
      }
    }
    const text = `${o.pid}:${o.fd}`;
    try {
      const st = statSync(`/proc/${o.pid}/fd/${o.fd}`, { bigint: false });
      return { text, dev: st.dev, ino: st.ino, fd: { pid: o.pid, fd: o.fd } };
    } catch (error) {
      const errno = fsErrno(error);
      const why = `stat /proc/${o.pid}/fd/${o.fd} failed: ${errno} (${errnoMessage(errno)})`;
      if (errno === 'ENOENT' || errno === 'ESRCH')
        throw new ProcessGoneError(o.pid, `fd ${o.fd} of process ${o.pid} is not open: ${why}`, {
          remedy: 'check the pid and the fd (ls /proc/PID/fd); write ./NAME for a file named like PID:FD',
        });
      throw new InvalidArgumentError(`cannot read fd ${o.fd} of process ${o.pid}: ${why}`, {
        remedy: 'run as the same user as the process, or as root',
      });
    }
  });
}
