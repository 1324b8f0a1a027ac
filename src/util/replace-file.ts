/**
 * Replacing files whole, as root, in a directory other users may write (node_exporter's textfile
 * directory is often its own user's):
 *
 *   1. the directory is opened once, through no symlink another user owns (directory-walk.ts); every step
 *      below names files relative to that fd;
 *   2. the text goes into a new file with an unpredictable name (64 random bits), created
 *      O_CREAT|O_EXCL|O_NOFOLLOW: the open fails on any entry already there, a planted symlink included
 *      (with O_EXCL the kernel never follows the last component), so root writes only into the inode it
 *      has just made; then fsync(2), so that a crash leaves the old file or the new one, not an empty one;
 *   3. the target must be a regular file, or not exist: lstat(2) of the entry, not followed;
 *   4. rename(2) of the new file over the target: readers see the old file or the new one, never a part.
 *   Any failure removes the new file: nothing partial is left.
 *
 * What remains between 3 and 4: rename replaces whatever entry has the name at that moment — it never
 * writes through it (a symlink is replaced, not followed; a directory makes it fail with EISDIR). Whoever
 * can swap the entry in between can write the directory, so all they achieve is the replacement of an
 * entry they put there themselves; likewise, renaming our new file away and putting theirs in its place
 * gives the target their text, which they could have written into their directory directly. A device
 * node cannot be swapped in: making one needs CAP_MKNOD, and hard linking someone else's is refused with
 * fs.protected_hardlinks = 1. So the check in 3 is not what keeps root from writing through links (2 is):
 * it stops the admin's mistake (`--textfile /dev/full` replaced the device node) and the replacement of a
 * symlink, FIFO or socket whose owner meant something else by it.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { KcmpError } from '../errors.js';
import { fileTypeWords } from '../util/file-type.js';
import { attempt, inDirectory, openDirectory } from './directory-walk.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = constants;

/** An open directory whose files are replaced whole, safely as root (see the header). */
export class TargetDirectory {
  private constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  /**
   * Opens `path` (see directory-walk.ts; `owned`: only a directory no other user controls, for files
   * read back and trusted). Throws a SysError or KcmpError naming what failed.
   */
  static open(path: string, options: { owned?: boolean } = {}): TargetDirectory {
    return new TargetDirectory(path, openDirectory(path, `cannot write in ${path}`, options));
  }

  /** Replaces file `name` of this directory (one component: no "/") with `text`. */
  replace(name: string, text: string): void {
    const context = this.cannotWrite(name);
    const temporary = `.kcmp-${randomBytes(8).toString('hex')}.tmp`;
    const at = (file: string) => inDirectory(this.fd, file);
    // A new file, mode 0644 less the umask, never an entry already there (see the header).
    const fd = attempt(context, 'open', [temporary], () =>
      openSync(at(temporary), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644),
    );
    try {
      attempt(context, 'write', [temporary], () => {
        try {
          writeFileSync(fd, text);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      });
      this.checkReplaceable(name);
      attempt(context, 'rename', [temporary, name], () => renameSync(at(temporary), at(name)));
    } catch (error) {
      rmSync(at(temporary), { force: true });
      throw error;
    }
  }

  /**
   * The bytes of file `name`, if it is a regular file of at most `limit` bytes that root or the caller
   * owns and no one else may write; else a SysError or KcmpError says why (ENOENT: there is none). Opened
   * O_NOFOLLOW (a symlink is refused, ELOOP) and O_NONBLOCK (a FIFO planted there does not block us).
   */
  readOwned(name: string, limit: number): Buffer {
    const context = `cannot read ${join(this.path, name)}`;
    const fd = attempt(context, 'open', [name], () =>
      openSync(inDirectory(this.fd, name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK),
    );
    try {
      const st = fstatSync(fd);
      const owners = [0, process.geteuid?.() ?? 0];
      const why = !st.isFile()
        ? `it is ${fileTypeWords(st)}`
        : !owners.includes(st.uid)
          ? `it is owned by uid ${st.uid} (neither root nor you)`
          : (st.mode & 0o022) !== 0
            ? 'other users may write it'
            : st.size > limit
              ? `it has ${st.size} bytes, more than ${limit}`
              : undefined;
      if (why) throw new KcmpError(`${context}: ${why}`);
      // Read up to `limit`, whatever the size becomes meanwhile.
      const bytes = Buffer.alloc(limit);
      let length = 0;
      for (let n = 1; n > 0 && length < limit; length += n) {
        n = attempt(context, 'read', [name], () => readSync(fd, bytes, length, limit - length, null));
      }
      return bytes.subarray(0, length);
    } finally {
      closeSync(fd);
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  /**
   * Throws unless `name` is a regular file or absent (lstat(2): a symlink is not followed). `replace`
   * checks just before its rename; a caller may check earlier too, to fail before a long computation.
   */
  checkReplaceable(name: string): void {
    const context = this.cannotWrite(name);
    const st = attempt(context, 'lstat', [name], () =>
      lstatSync(inDirectory(this.fd, name), { throwIfNoEntry: false }),
    );
    if (st === undefined || st.isFile()) return;
    throw new KcmpError(`${context}: it is ${fileTypeWords(st)}, and only a regular file is replaced`, {
      remedy: 'name a regular file, or one that does not exist yet',
    });
  }

  /** What a failure about file `name` starts with. */
  private cannotWrite(name: string): string {
    return `cannot write ${join(this.path, name)}`;
  }
}
