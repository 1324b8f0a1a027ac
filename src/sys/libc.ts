/**
 * The one place that loads libc through koffi.
 *
 * glibc has no kcmp() wrapper, so everything goes through syscall(2), declared with a FIXED arity of six
 * `long`s: koffi's variadic form costs 28–40% more per call, and on x86_64 glibc's syscall() is assembly
 * that ignores %al while musl's va_arg version reads exactly what we pass, so a fixed prototype is safe on
 * both. A second prototype of the same symbol takes a pointer as the last argument, for KCMP_EPOLL_TFD's
 * slot. errno is read with koffi.errno() right after a call that returned -1 (only then is it meaningful).
 *
 * The library is loaded on first use, not at import: importing kcmp on macOS or Windows must not crash.
 * Each function is declared at its first call (koffi parses its prototype then): a command declares only
 * what it calls. A native backend could replace this file without touching anything above src/sys.
 */
import { existsSync, readdirSync } from 'node:fs';
import { UnsupportedPlatformError } from '../errors.js';
import { loadKoffi } from './koffi-module.js';
import { syscallNumbers } from './platform.js';

type Koffi = typeof import('koffi');
type Long = number | bigint;

export interface Libc {
  /** syscall(2): returns the kernel's value, or the negated errno (systemd's convention). */
  syscall(nr: number, a: Long, b: Long, c: Long, d: Long, e: Long): number;
  /** syscall(2) whose fifth argument is a pointer to `buf`. */
  syscallWithBuffer(nr: number, a: Long, b: Long, c: Long, d: Long, buf: Uint8Array | null): number;
  fcntl(fd: number, cmd: number, arg: number): number;
  close(fd: number): number;
  /** readlinkat(2) into `buf`: the length, or the negated errno. */
  readlinkat(dirfd: number, path: string, buf: Uint8Array, size: number): number;
  /** statx(2) into `buf` (≥ 256 bytes): 0 or the negated errno. Absent from C libraries without a statx
   * wrapper (glibc < 2.28, musl < 1.2.5): callers fall back to node:fs. */
  statx?: (dirfd: number, path: string, flags: number, mask: number, buf: Uint8Array) => number;
  /** socket(2): the new fd, or the negated errno. */
  socket(domain: number, type: number, protocol: number): number;
  /** sendto(2) of `buf[0, len)` to the address in `addr`: bytes sent, or the negated errno. */
  sendto(fd: number, buf: Uint8Array, len: number, flags: number, addr: Uint8Array, addrlen: number): number;
  /** recv(2) into `buf`: bytes received, or the negated errno. */
  recv(fd: number, buf: Uint8Array, len: number, flags: number): number;
  /** setns(2) of the CALLING THREAD: 0 or the negated errno. */
  setns(fd: number, nstype: number): number;
  /** getxattr(2) of `path` (symlinks followed) into `buf`: the value's length, or the negated errno. */
  getxattr(path: string, name: string, buf: Uint8Array, size: number): number;
  /** ioctl(2) with a request that takes no argument: its result, or the negated errno. */
  ioctl(fd: number, request: number): number;
  /** `size` bytes of zeroed C heap memory that does not move, for syscalls (bpf(2)) whose argument
   * structures hold pointers. Free it with `free()`. */
  alloc(size: number): NativeBlock;
}

/** Native memory: `bytes` views it, `address` is what a pointer field of a syscall argument holds. */
export interface NativeBlock {
  readonly bytes: Uint8Array;
  readonly address: bigint;
  free(): void;
}

let cached: Libc | undefined;

/** glibc's soname, then musl's loaders (which are its libc): /lib is listed only if glibc is missing. */
function* libcCandidates(): Generator<string> {
  yield 'libc.so.6';
  if (!existsSync('/lib')) return;
  for (const f of readdirSync('/lib')) if (/^ld-musl-.*\.so\.1$/.test(f)) yield `/lib/${f}`;
}

function load(): Libc {
  syscallNumbers(); // throws UnsupportedPlatformError off Linux or on an unknown ABI
  let koffi: Koffi;
  try {
    koffi = loadKoffi();
  } catch (cause) {
    throw new UnsupportedPlatformError('the koffi native module could not be loaded', { cause });
  }
  let lib: ReturnType<Koffi['load']> | undefined;
  let lastError: unknown;
  for (const name of libcCandidates()) {
    try {
      lib = koffi.load(name);
      break;
    } catch (error) {
      lastError = error;
    }
  }
  if (!lib) throw new UnsupportedPlatformError('could not load the C library', { cause: lastError });

  type CFunction = ReturnType<typeof lib.func>;
  /** A C function declared at its first call: koffi parses the prototype then. */
  const declared = (declare: () => CFunction) => {
    let f: CFunction | undefined;
    return () => (f ??= declare());
  };
  const syscall6 = declared(() => lib.func('long syscall(long, long, long, long, long, long)'));
  const syscallPtr = declared(() =>
    lib.func('syscall', 'long', ['long', 'long', 'long', 'long', 'long', 'void *']),
  );
  const fcntl3 = declared(() => lib.func('int fcntl(int, int, int)'));
  const close1 = declared(() => lib.func('int close(int)'));
  const readlinkat4 = declared(() => lib.func('long readlinkat(int, const char *, void *, long)'));
  const socket3 = declared(() => lib.func('int socket(int, int, int)'));
  const sendto6 = declared(() =>
    lib.func('long sendto(int, const void *, unsigned long, int, const void *, unsigned int)'),
  );
  const recv4 = declared(() => lib.func('long recv(int, void *, unsigned long, int)'));
  const setns2 = declared(() => lib.func('int setns(int, int)'));
  const getxattr4 = declared(() =>
    lib.func('long getxattr(const char *, const char *, void *, unsigned long)'),
  );
  // ioctl(2) is variadic in C: declared so, and called without a third argument (koffi's variadic form
  // costs more per call, but the requests made here are few)
  const ioctl2 = declared(() => lib.func('int ioctl(int, unsigned long, ...)'));
  // Declared now, being optional: whether it exists decides whether `statx` does.
  let statx5: CFunction | undefined;
  try {
    statx5 = lib.func('int statx(int, const char *, int, unsigned int, void *)');
  } catch {
    // this C library has no statx wrapper
  }
  const checked = (r: number): number => (r === -1 ? -koffi.errno() : r);
  const alloc = (size: number): NativeBlock => {
    const pointer = koffi.alloc('uint8_t', size);
    const bytes = new Uint8Array(koffi.view(pointer, size));
    bytes.fill(0);
    return { bytes, address: koffi.address(pointer), free: () => koffi.free(pointer) };
  };
  return {
    syscall: (nr, a, b, c, d, e) => checked(Number(syscall6()(nr, a, b, c, d, e))),
    syscallWithBuffer: (nr, a, b, c, d, buf) => checked(Number(syscallPtr()(nr, a, b, c, d, buf))),
    fcntl: (fd, cmd, arg) => checked(fcntl3()(fd, cmd, arg) as number),
    close: (fd) => checked(close1()(fd) as number),
    readlinkat: (dirfd, path, buf, size) => checked(Number(readlinkat4()(dirfd, path, buf, size))),
    socket: (domain, type, protocol) => checked(socket3()(domain, type, protocol) as number),
    sendto: (fd, buf, len, flags, addr, addrlen) =>
      checked(Number(sendto6()(fd, buf, len, flags, addr, addrlen))),
    recv: (fd, buf, len, flags) => checked(Number(recv4()(fd, buf, len, flags))),
    setns: (fd, nstype) => checked(setns2()(fd, nstype) as number),
    getxattr: (path, name, buf, size) => checked(Number(getxattr4()(path, name, buf, size))),
    ioctl: (fd, request) => checked(ioctl2()(fd, request) as number),
    alloc,
    ...(statx5 && {
      statx: (dirfd: number, path: string, flags: number, mask: number, buf: Uint8Array) =>
        checked((statx5 as NonNullable<typeof statx5>)(dirfd, path, flags, mask, buf) as number),
    }),
  };
}

export function libc(): Libc {
  cached ??= load();
  return cached;
}
