/**
 * Whether an fd of another process was opened for I/O, from the mode of its /proc/PID/fd/N link — one
 * statx of the link itself (not followed), no fdinfo read.
 *
 * procfs gives each fd link S_IFLNK plus owner bits for the f_mode of its open file description
 * (fs/proc/fd.c, tid_fd_update_inode(), refreshed on every lookup; so since 2.6): S_IRUSR|S_IXUSR for
 * FMODE_READ, S_IWUSR|S_IXUSR for FMODE_WRITE — 0120700 read-write, 0120500 read-only, 0120300 write-only.
 * Neither bit (0120000) means one of:
 *   - an O_PATH fd: do_dentry_open() gives it f_mode = FMODE_PATH|FMODE_OPENED and empty_fops before it
 *     looks at the inode, so an inode that refuses every open (a socket, an anon inode) still gets one;
 *   - an open(2) with access mode 3 (O_WRONLY|O_RDWR, "ioctl only": OPEN_FMODE(3) is 0), which goes
 *     through the inode's own open and so exists only where that open succeeds (not for a socket).
 * (fdinfo tells them apart — `flags` 010000000 is O_PATH — for an extra open/read/close per fd.)
 *
 * O_PATH and the access mode are fixed at open (F_SETFL changes neither), so two fds whose links differ
 * here never share an open file description.
 */
const IO_BITS = 0o777;

/** 'io': opened with FMODE_READ or FMODE_WRITE, never O_PATH; 'none': neither (O_PATH or access mode 3). */
export type FdAccess = 'io' | 'none';

/** The access of the fd whose /proc link has st_mode `linkMode`. */
export function accessOf(linkMode: number): FdAccess {
  return (linkMode & IO_BITS) === 0 ? 'none' : 'io';
}
