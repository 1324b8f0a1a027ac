/**
 * Opening the directory a root kcmp writes into (`kcmp metrics --textfile`, `kcmp manual --dir`) without
 * being sent elsewhere by a symlink another user planted on the way.
 *
 * The path is walked one component at a time, each opened O_PATH|O_NOFOLLOW in the directory reached so
 * far. node:fs has no openat(2); "/proc/self/fd/N/NAME" is the same lookup: the magic link of the open
 * directory N is followed (to the directory itself, not to a path: renaming or replacing it on the path
 * changes nothing), then NAME is looked up in it and, with O_NOFOLLOW, not followed itself; `..` is that
 * directory's parent, as in the kernel's own walk. A component that is a symlink is followed only when
 * root or the caller owns it:
 *
 *   /var/lib/node_exporter/textfile/kcmp.prom      node_exporter's user owns /var/lib/node_exporter
 *                          └─ textfile -> /etc     its symlink, planted there: refused
 *
 * Any user who can write a directory of the path can put a symlink there, but no user can make one owned
 * by root (nor hard link root's, with fs.protected_hardlinks = 1, systemd's default: a symlink is not a
 * "safe" source). The kernel's fs.protected_symlinks refuses such a link only in a sticky world-writable
 * directory (/tmp), and is 0 on some systems. The target is read from the O_PATH fd of the link checked
 * (readlinkat(fd, ""), since 2.6.39), not from its name, which could be swapped in between. A real
 * directory another user swapped in is theirs: what root then writes in it, they could have written.
 *
 * A file root will later TRUST (a cache it reads back) needs more: that no other user could have put it
 * there or changed it. With `owned`, every directory on the way must be owned by root or the caller and
 * writable by no one else — or sticky (/tmp: others may add entries but not rename or remove ours, and
 * the entry looked up in it is checked in turn) — and the last one must not be writable by others at all.
 */
import { closeSync, constants, fstatSync, openSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { KcmpError } from '../errors.js';
import { fsErrno } from '../procfs/errors.js';
import { errnoName } from '../sys/errno.js';
import { O_PATH } from '../sys/fcntl.js';
import { sysReadlinkAt } from '../sys/proc-fd.js';
import { SysError } from '../sys/sys-error.js';

/** The sticky bit of st_mode (node:fs does not export it). */
const S_ISVTX = 0o1000;

/** Symlinks one walk may follow before ELOOP, as the kernel's (MAXSYMLINKS, include/linux/namei.h). */
const MAX_LINKS = 40;

/** `NAME` looked up in the open directory `dirfd`, as openat(dirfd, NAME) would, for node:fs calls. */
export function inDirectory(dirfd: number, name: string): string {
  return `/proc/self/fd/${dirfd}/${name}`;
}

/** Runs a node:fs call; its failure becomes a SysError naming `syscall(shown)` after `context`. */
export function attempt<T>(context: string, syscall: string, shown: string[], call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw new SysError(syscall, fsErrno(error), shown, { context });
  }
}

/**
 * An O_PATH fd of directory `path`, reached through symlinks owned by root or the caller only. Throws a
 * SysError (the component that failed, and why) or a KcmpError naming the symlink it refused; `context`
 * starts their message ("cannot write /x/kcmp.prom").
 */
export function openDirectory(path: string, context: string, options: { owned?: boolean } = {}): number {
  const owners = new Set([0, process.geteuid?.() ?? 0]);
  const ownedCheck = (dirfd: number, shown: string, last: boolean) => {
    if (options.owned) checkOwned(fstatSync(dirfd), shown, last, owners, context);
  };
  const root = (absolute: boolean) => openSync(absolute ? '/' : '.', O_PATH | constants.O_DIRECTORY);
  let fd = root(path.startsWith('/'));
  let reached = path.startsWith('/') ? '/' : '.';
  const pending = components(path);
  let links = 0;
  try {
    ownedCheck(fd, reached, false);
    for (let name = pending.shift(); name !== undefined; name = pending.shift()) {
      const shown = join(reached, name);
      const dirfd = fd;
      const next = attempt(context, 'open', [shown], () =>
        openSync(inDirectory(dirfd, name), O_PATH | constants.O_NOFOLLOW),
      );
      const st = fstatSync(next);
      if (st.isDirectory()) {
        closeSync(fd);
        fd = next;
        reached = shown;
        ownedCheck(fd, reached, false);
        continue;
      }
      try {
        if (!st.isSymbolicLink()) throw new SysError('open', 'ENOTDIR', [shown], { context });
        if (!owners.has(st.uid)) {
          throw new KcmpError(
            `${context}: refusing to follow ${shown}, a symbolic link owned by uid ${st.uid} (neither root nor you)`,
            { remedy: 'whoever could plant it could send the write anywhere; give a path without it' },
          );
        }
        if (++links > MAX_LINKS) throw new SysError('open', 'ELOOP', [path], { context });
        const target = sysReadlinkAt(next, '');
        if (typeof target === 'number')
          throw new SysError('readlinkat', errnoName(-target), [shown], { context });
        if (target.startsWith('/')) {
          closeSync(fd);
          fd = root(true);
          reached = '/';
        }
        pending.unshift(...components(target));
      } finally {
        closeSync(next);
      }
    }
    ownedCheck(fd, reached, true);
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** With `owned` (see the header): throws a KcmpError unless directory `shown` is one no other user controls. */
function checkOwned(st: Stats, shown: string, last: boolean, owners: Set<number>, context: string): void {
  const writable = (st.mode & 0o022) !== 0;
  const why = !owners.has(st.uid)
    ? `owned by uid ${st.uid} (neither root nor you)`
    : writable && (last || (st.mode & S_ISVTX) === 0)
      ? `writable by other users (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`
      : undefined;
  if (why === undefined) return;
  throw new KcmpError(`${context}: ${shown} is ${why}, so another user could plant what is read there`, {
    remedy: 'use a directory owned by root and writable by it only',
  });
}

function components(path: string): string[] {
  return path.split('/').filter((name) => name !== '' && name !== '.');
}
