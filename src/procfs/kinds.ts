/**
 * What kind of file an fd holds, from stat's st_mode and the /proc/PID/fd/N link target — one table of
 * kinds, one `kindOf()` (lsfd's `stat2class()` + `anon_ops[]`).
 *
 * The S_IFMT bits name the ordinary kinds. Anonymous inodes carry no type bits: every eventfd, epoll,
 * timerfd, signalfd and inotify instance shares ONE anon inode (observed: ino 1038 for all of them), and a
 * pidfd sits on a pidfs inode per pid (6.9+; an anon inode before); their link reads `anon_inode:[NAME]`
 * (inotify: `anon_inode:inotify`), so the name tells them apart. Kinds the table does not know fall back to
 * their parent: an unknown anon inode is `UNKNOWN`.
 */

export interface FileKind {
  /** The TYPE column and the JSON `type`. */
  readonly name: string;
  readonly parent?: FileKind;
  /**
   * The kernel keeps exactly one open file description per inode of this kind, so a shared inode proves a
   * shared description without kcmp: sockfs allocates one `struct file` per socket and refuses to reopen
   * one through /proc (ENXIO). Verified by test/fds.test.ts and `--paranoid`.
   */
  readonly oneDescriptionPerInode?: boolean;
}

const S_IFMT = 0o170000;

const UNKNOWN: FileKind = { name: 'UNKNOWN' };
const ANON: FileKind = { name: 'UNKNOWN', parent: UNKNOWN };

const BY_MODE: ReadonlyMap<number, FileKind> = new Map([
  [0o100000, { name: 'REG' }],
  [0o040000, { name: 'DIR' }],
  [0o010000, { name: 'FIFO' }],
  [0o140000, { name: 'SOCK', oneDescriptionPerInode: true }],
  [0o020000, { name: 'CHR' }],
  [0o060000, { name: 'BLK' }],
  [0o120000, { name: 'LNK' }], // an O_PATH|O_NOFOLLOW fd on a symlink
]);

/** Anonymous-inode kinds, by the name in `anon_inode:[NAME]` (fs/anon_inodes.c callers; lsfd unkn.c). */
const ANON_KINDS: ReadonlyMap<string, FileKind> = new Map(
  [
    'eventfd',
    'eventpoll',
    'timerfd',
    'signalfd',
    'inotify',
    'fanotify',
    'pidfd',
    'io_uring',
    'userfaultfd',
    'perf_event',
    'bpf-map',
    'bpf-prog',
    'bpf-link',
    'bpf_iter',
    'dmabuf',
    'memfd_secret',
    'kvm-vm',
    'kvm-vcpu',
  ].map((name) => [name, { name, parent: ANON }]),
);

const ANON_PREFIX = 'anon_inode:';

/** The kind of a file with this st_mode whose fd link reads `target`. */
export function kindOf(mode: number, target: string): FileKind {
  if (target.startsWith(ANON_PREFIX)) {
    const name = target.slice(ANON_PREFIX.length).replace(/^\[(.*)\]$/, '$1');
    return ANON_KINDS.get(name) ?? ANON;
  }
  return BY_MODE.get(mode & S_IFMT) ?? UNKNOWN;
}
