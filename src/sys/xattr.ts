/**
 * getxattr(2): one extended attribute of a file, by path.
 */
import { libc } from './libc.js';

/**
 * getxattr(path, name, buffer, buffer.length): follows symlinks — and the magic links of /proc/PID/fd/N,
 * to the open file itself, which needs ptrace read access to PID as reading the link does. Returns the
 * value's length (it is not NUL-terminated by the call: a value that is a C string carries its NUL), or
 * the negated errno: ENODATA (no such attribute), ERANGE (`buffer` too small), EOPNOTSUPP (the filesystem
 * keeps no attributes of that namespace), ENOENT (the fd was closed), EACCES.
 */
export function sysGetXattr(path: string, name: string, buffer: Uint8Array): number {
  return libc().getxattr(path, name, buffer, buffer.length);
}
