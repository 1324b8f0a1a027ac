/**
 * What kind of file an fd holds, from stat's st_mode, the /proc/PID/fd/N link target and, for a few
 * kinds, the magic number of the filesystem — one table of kinds, one `kindOf()` (lsfd's `stat2class()`
 * + `anon_ops[]`). TYPE names are lsfd's (util-linux lsfd-cmd/file.c, unkn.c): `LINK` for a symlink,
 * `bpf-link` for the kernel's `bpf_link`, `mqueue` for a POSIX message queue.
 *
 * The S_IFMT bits name the ordinary kinds. Anonymous inodes carry no type bits: every eventfd, epoll,
 * timerfd, signalfd and inotify instance shares ONE anon inode (observed: ino 1038), and a pidfd sits on a
 * pidfs inode per pid (6.9+; an anon inode before); their link reads `anon_inode:NAME` with the name the
 * kernel passed to anon_inode_getfile()/getfd() — `[eventfd]`, `inotify`, `bpf_link`, `kvm-vcpu:0` (the
 * vcpu id appended) — so the name tells them apart. A POSIX mqueue and a memfd_secret are S_IFREG files
 * of their own filesystems (MQUEUE_MAGIC, SECRETMEM_MAGIC): the caller passes the filesystem magic where
 * it read one (fs-type.ts). Kinds the table does not know fall back to their parent: an unknown anon
 * inode is `UNKNOWN` (lsfd prints its name instead; kcmp keeps it in NAME).
 */
import type { SocketProtocolName } from './socket-protocol.js';

export interface FileKind {
  /** The TYPE column and the JSON `type`. */
  readonly name: KindName;
  readonly parent?: FileKind;
  /**
   * Every fd of an inode of this kind that was opened for I/O (not O_PATH) holds one and the same open file
   * description, so a shared inode proves a shared description without kcmp — for those fds only:
   *   - sockfs makes one `struct file` per socket, in sock_alloc_file() (socket(2), socketpair(2),
   *     accept(2), and kernel users), always O_RDWR: f_mode has FMODE_READ|FMODE_WRITE;
   *   - no open(2) can make another: a sockfs inode keeps the no_open_fops that inode_init_always() gives
   *     every inode, so open() of /proc/PID/fd/N (or of /proc/PID/map_files/…) fails with ENXIO —
   *   - EXCEPT with O_PATH, which do_dentry_open() serves before it looks at the inode's fops: each
   *     O_PATH open of /proc/PID/fd/N is a new description, f_mode without FMODE_READ/FMODE_WRITE,
   *     shared only by its own dups, forks, SCM_RIGHTS and pidfd_getfd copies.
   * So: fds whose /proc link shows r/w bits (fd-access.ts) share the socket's description; an O_PATH fd
   * shares none of theirs (O_PATH is fixed at open); two O_PATH fds are compared with kcmp. Tested against
   * pidfd_getfd + F_DUPFD_QUERY by test/opath.test.ts on every socket family the fixture makes; `--paranoid`
   * compares every fd with kcmp instead.
   */
  readonly oneIoDescriptionPerInode?: boolean;
}

/** The file-type bits of st_mode and the types the fd pipeline tells apart by them (inode(7)). */
export const S_IFMT = 0o170000;
export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFSOCK = 0o140000;

const UNKNOWN = { name: 'UNKNOWN' } as const;
const ANON = { name: 'UNKNOWN', parent: UNKNOWN } as const;
const REG = { name: 'REG' } as const;

/** The kinds by st_mode's S_IFMT bits. */
const MODE_KINDS = [
  [0o100000, REG],
  [0o040000, { name: 'DIR' }],
  [0o010000, { name: 'FIFO' }],
  [0o140000, { name: 'SOCK', oneIoDescriptionPerInode: true }],
  [0o020000, { name: 'CHR' }],
  [0o060000, { name: 'BLK' }],
  [0o120000, { name: 'LINK' }], // an O_PATH|O_NOFOLLOW fd on a symlink (lsfd and lsof: LINK)
] as const;

/** S_IFREG kinds known by the magic number of their filesystem (statfs f_type; include/uapi/linux/magic.h). */
const FS_MAGIC_KINDS = [
  [0x19800202, { name: 'mqueue', parent: REG }], // MQUEUE_MAGIC: mq_open(3); lsfd says mqueue
  [0x5345434d, { name: 'memfd_secret', parent: REG }], // SECRETMEM_MAGIC: memfd_secret(2), "/secretmem"; lsfd says REG
] as const;

/** Filesystems whose magic changes the kind: only S_IFREG files on an anonymous device (major 0) can be one. */
export function kindNeedsFsMagic(mode: number, devMajor: number): boolean {
  return (mode & S_IFMT) === 0o100000 && devMajor === 0;
}

/**
 * Anonymous-inode kinds, by the name the kernel gives anon_inode_getfile()/getfd() (brackets stripped) →
 * the TYPE lsfd shows. Names with `:N` appended by the kernel (the vcpu id) are matched without it.
 */
const ANON_NAMES = [
  ['eventfd', 'eventfd'], // fs/eventfd.c "[eventfd]"
  ['eventpoll', 'eventpoll'], // fs/eventpoll.c "[eventpoll]"
  ['timerfd', 'timerfd'], // fs/timerfd.c "[timerfd]"
  ['signalfd', 'signalfd'], // fs/signalfd.c "[signalfd]"
  ['inotify', 'inotify'], // fs/notify/inotify "inotify", no brackets
  ['fanotify', 'fanotify'], // fs/notify/fanotify "[fanotify]"
  ['pidfd', 'pidfd'], // kernel/pid.c, fs/pidfs.c "[pidfd]"
  ['io_uring', 'io_uring'], // io_uring/io_uring.c "[io_uring]"
  ['userfaultfd', 'userfaultfd'], // fs/userfaultfd.c "[userfaultfd]"
  ['perf_event', 'perf_event'], // kernel/events/core.c "[perf_event]"
  ['bpf-map', 'bpf-map'], // kernel/bpf/syscall.c
  ['bpf-prog', 'bpf-prog'],
  ['bpf_link', 'bpf-link'], // the kernel's underscore; lsfd's TYPE uses "-" as its word separator
  ['bpf_iter', 'bpf_iter'], // kernel/bpf/bpf_iter.c; lsfd has no class for it and prints the name
  ['btf', 'btf'], // kernel/bpf/btf.c
  ['kvm-vm', 'kvm-vm'], // virt/kvm/kvm_main.c
  ['kvm-vcpu', 'kvm-vcpu'], // "kvm-vcpu:%d" (lsfd prints the whole name, id included)
  ['kvm-vm-stats', 'kvm-vm-stats'],
  ['kvm-vcpu-stats', 'kvm-vcpu-stats'], // "kvm-vcpu-stats:%d"
] as const satisfies readonly (readonly [kernel: string, type: string])[];

/**
 * Every file kind `kcmp fds` can name: the `type` of a description in `kcmp.fds/2` and of a leak (a
 * socket's type is its protocol where it can be read: {@link FileTypeName}). From the file type in st_mode
 * (`REG`, `DIR`, `FIFO`, `SOCK`, `CHR`, `BLK`, and `LINK` for an O_PATH fd on a symlink), from the
 * filesystem of a regular file (`mqueue`, `memfd_secret`), or from the name of an anonymous inode
 * (`eventfd`, `pidfd`, `bpf-link`, …: lsfd's names); `UNKNOWN` for any other, whose link target (`name`)
 * says what it is. Derived from the kinds table itself, so it names exactly what a scan can produce.
 *
 * @example
 * import type { KindName } from 'kcmp';
 * const pipes: KindName = 'FIFO';
 */
export type KindName =
  | typeof UNKNOWN.name
  | (typeof MODE_KINDS)[number][1]['name']
  | (typeof FS_MAGIC_KINDS)[number][1]['name']
  | (typeof ANON_NAMES)[number][1];

/**
 * The file type in st_mode, as lsfd's STTYPE names it ("file type (raw)"): `REG`, `DIR`, `FIFO`, `SOCK`,
 * `CHR`, `BLK`, `LINK`, and `UNKN` for a file with no type bits (an anonymous inode: eventfd, epoll, …).
 * Where TYPE names a socket's protocol, this says it is a socket.
 */
export type StatTypeName = (typeof MODE_KINDS)[number][1]['name'] | 'UNKN';

/**
 * The TYPE of a description (lsfd's "file type (cooked)"): its {@link KindName}, or for a socket its
 * protocol as the kernel names it ({@link SocketProtocolName}: `TCP`, `UNIX-STREAM`, …; `SOCK` when that
 * name could not be read), as lsfd prints it since 2.39.
 */
export type FileTypeName = KindName | SocketProtocolName;

const BY_MODE: ReadonlyMap<number, FileKind> = new Map<number, FileKind>(MODE_KINDS);

/** The STTYPE of a file of this st_mode. */
export function statTypeOf(mode: number): StatTypeName {
  const kind = BY_MODE.get(mode & S_IFMT);
  return kind ? (kind.name as StatTypeName) : 'UNKN';
}
const BY_FS_MAGIC: ReadonlyMap<number, FileKind> = new Map<number, FileKind>(FS_MAGIC_KINDS);

const ANON_KINDS: ReadonlyMap<string, FileKind> = new Map(
  ANON_NAMES.map(([kernel, type]) => [kernel, { name: type, parent: ANON }]),
);

const ANON_PREFIX = 'anon_inode:';

/** The kernel's anon name without brackets and without an appended `:N`. */
function anonName(target: string): string {
  return target
    .slice(ANON_PREFIX.length)
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/:\d+$/, '');
}

/**
 * The kind of a file with this st_mode whose fd link reads `target`; `fsMagic`: statfs f_type of its
 * filesystem where `kindNeedsFsMagic()` asked for it (0 when not read).
 */
export function kindOf(mode: number, target: string, fsMagic = 0): FileKind {
  if (target.startsWith(ANON_PREFIX)) return ANON_KINDS.get(anonName(target)) ?? ANON;
  const kind = BY_MODE.get(mode & S_IFMT) ?? UNKNOWN;
  return (kind === REG && BY_FS_MAGIC.get(fsMagic)) || kind;
}
