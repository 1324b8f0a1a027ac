/**
 * Loads the task_file iterator program (task-file-program.ts) and reads its records: every fd of every
 * task the kernel visits, in one read(2) loop per pass, as parallel arrays.
 *
 *   BTF: struct offsets, attach id ─▶ BPF_PROG_LOAD (TRACING, BPF_TRACE_ITER, attach_btf_id)
 *     ─▶ BPF_LINK_CREATE (optionally pid-filtered) ─▶ BPF_ITER_CREATE ─▶ read() until 0 ─▶ records
 *
 * Each pass makes a new link and iterator fd; the program is loaded once per TaskFileIterator. Linux 6.1
 * added `bpf_iter_link_info.task` (tid, pid, pid_fd): with `pid` set the kernel visits only that process's
 * tasks. Older kernels ignore the link info of a task iterator and visit every task, so callers must keep
 * only the records they asked for (they do: records are matched to fd tables by tid).
 *
 * Kernel addresses: a record carries its struct file's address. It is turned here, as the records are
 * read, into an opaque key — a small integer from a per-run map, keyed by both 32-bit halves (a JS number
 * holds 53 bits: `hi * 2**32 + lo` would merge different files) — and the address itself is kept nowhere.
 * Equal keys mean the same struct file AT THE TIME each fd was visited: the memory of a closed file can be
 * reused for a new one during a pass, so an equal key is a proposal, never a proof (the engine proves it
 * with kcmp).
 *
 * Its fds (program, link, iterator) come from bpf(2) through the sys layer, so they are closed through it
 * too (sysClose), never with fs.closeSync: in a worker thread Node tracks the fds fs opened ("unmanaged
 * fds", closed when the worker exits) and warns "File descriptor N closed but not opened in unmanaged
 * mode" for each fd fs.closeSync closes that fs did not open — three times a pass in the exporter's scan
 * thread. Reading one with fs.readSync is untracked and fine.
 */
import { readSync } from 'node:fs';
import {
  BPF_CMD,
  BPF_PROG_TYPE_TRACING,
  BPF_TRACE_ITER,
  type NativeBlock,
  nativeBlock,
  sysBpf,
} from '../sys/bpf.js';
import { type ErrnoName, errnoName } from '../sys/errno.js';
import { sysClose } from '../sys/fcntl.js';
import { decodeLossless } from '../sys/lossless-text.js';
import { type BtfLayout, VMLINUX_BTF } from './btf.js';
import { programLayout } from './layout-cache.js';
import {
  ITER_FUNC,
  NAME_ROOM,
  PROTOCOL_ROOM,
  RECORD,
  type RecordPids,
  taskFileProgram,
} from './task-file-program.js';

/** Why the iterator cannot run here: the failing step, its errno (if a syscall), and what it means. */
export class BpfUnavailableError extends Error {
  override readonly name = 'BpfUnavailableError';
  constructor(
    readonly step: string,
    readonly errno: ErrnoName | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** One pass's records, one slot per fd. */
export interface TaskFileRecords {
  count: number;
  tgid: Int32Array;
  tid: Int32Array;
  fd: Int32Array;
  /** The opaque per-run key of the fd's struct file (equal keys: the same struct file when visited). */
  key: Int32Array;
  /** st_mode of the inode. */
  mode: Uint32Array;
  /** f_flags (O_* status flags and access mode) and f_mode (FMODE_* bits) of the struct file. */
  fFlags: Uint32Array;
  fMode: Uint32Array;
  /** st_dev in the user-space encoding (as stat(2) reports it for most filesystems), and st_ino. */
  dev: Float64Array;
  ino: Float64Array;
  /** With a program that writes names: each fd's name as bytes of `names.bytes` (length 0: none, e.g. a
   * path longer than NAME_ROOM); undefined when the kernel refused names (before 5.12). */
  names?: { bytes: Buffer; start: Int32Array; length: Int32Array };
  /** With a program that writes protocols: each socket's protocol name (its sockfs dentry name, what
   * getxattr(system.sockprotoname) answers) as `names[id - 1]` ('' for a socket without one); id 0: none
   * read (not a socket, or the read failed). Undefined when the kernel refused the helper. */
  protocols?: { id: Uint16Array; names: readonly string[] };
}

const LICENSE = 'GPL\0'; // bpf_seq_write is a GPL-only helper
const PROG_LOAD_ATTR = 128;
const LOG_SIZE = 1 << 16;
const READ_CHUNK = (RECORD.size + NAME_ROOM + PROTOCOL_ROOM) * 130; // ≈ 64 KiB: the least room left for one read()

export class TaskFileIterator {
  /** struct file addresses → key; lives as long as the iterator. */
  private readonly keys = new AddressKeys();
  /** Socket protocol names → their id in `protocolNames` + 1; few (one per protocol), kept across passes. */
  private readonly protocolIds = new Map<string, number>();
  private readonly protocolNames: string[] = [];
  /** Where a pass's records land, grown as needed and kept for the next pass (4-byte aligned). */
  private buffer: Buffer = Buffer.allocUnsafeSlow(READ_CHUNK * 4);

  private constructor(
    private progFd: number,
    /** Whether the program writes each fd's name (bpf_d_path in an iterator: Linux 5.12). */
    readonly names: boolean,
    /** Whether the program writes each socket's protocol name (bpf_probe_read_kernel_str, unless locked down). */
    readonly protocols: boolean,
  ) {}

  /**
   * Loads the program. Throws BpfUnavailableError: no BTF (`btfPath` missing or unreadable), a kernel
   * without the iterator (< 5.8: the BTF lacks bpf_iter_task_file), or a refused load (EPERM: needs
   * CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN; the verifier's message for anything else). With names
   * (the default) where the kernel allows bpf_d_path in iterators, else without; `names: false` loads the
   * program without names, as on a kernel before 5.12. Sockets' protocol names likewise: with them where
   * the kernel gives tracing programs bpf_probe_read_kernel_str (not under lockdown's confidentiality
   * mode), else without; `protocols: false` loads without them. `pids: 'reader'` (for a reader outside the initial
   * PID namespace) writes pids as the reader's namespace numbers them (task-file-program.ts), which needs
   * Linux 6.5; the default writes the initial namespace's.
   */
  static load(
    btfPath: string = VMLINUX_BTF,
    options: { names?: boolean; protocols?: boolean; pids?: RecordPids } = {},
  ): TaskFileIterator {
    const pids = options.pids ?? 'initial';
    let btf: BtfLayout;
    let attachId: number;
    try {
      btf = programLayout(btfPath);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A missing file is a kernel without BTF; anything else (a device, a FIFO, a huge or malformed file) is
      // what KCMP_BTF named.
      const hint = code === 'ENOENT' ? ' (needs CONFIG_DEBUG_INFO_BTF)' : '';
      throw new BpfUnavailableError(
        'btf',
        code as ErrnoName | undefined,
        `cannot read the kernel's BTF at ${btfPath}: ${code ?? (error as Error).message}${hint}`,
      );
    }
    const programOf = (names: boolean, protocols: boolean) => {
      try {
        return taskFileProgram(btf, { names, protocols, pids });
      } catch (error) {
        throw new BpfUnavailableError(
          'btf',
          undefined,
          `${(error as Error).message}: the task_file BPF iterator needs Linux 5.8 or later`,
        );
      }
    };
    try {
      attachId = btf.find('func', ITER_FUNC);
    } catch (error) {
      throw new BpfUnavailableError(
        'btf',
        undefined,
        `${(error as Error).message}: the task_file BPF iterator needs Linux 5.8 or later`,
      );
    }
    const what =
      pids === 'reader'
        ? "the task_file iterator program that reads pids as this nested PID namespace numbers them (it needs Linux 6.5 or later: bpf_get_current_task_btf, and struct pid's numbers[] a flexible array)"
        : 'the task_file iterator program';
    // The richest program first; a verifier that refuses a helper (bpf_d_path before 5.12,
    // bpf_probe_read_kernel_str under lockdown) falls back to the next, the plain program last.
    const variants = [
      [true, true],
      [true, false],
      [false, true],
      [false, false],
    ].filter(
      ([names, protocols]) =>
        (!names || options.names !== false) && (!protocols || options.protocols !== false),
    );
    for (let v = 0; ; v++) {
      const [names, protocols] = variants[v] as [boolean, boolean];
      try {
        const fd = loadProgram(programOf(names, protocols), attachId, what);
        return new TaskFileIterator(fd, names, protocols);
      } catch (error) {
        const last = v + 1 === variants.length;
        if (last || !(error instanceof BpfUnavailableError) || error.step !== 'bpf_prog_load') throw error;
      }
    }
  }

  /** One pass: every fd of every task, or (Linux ≥ 6.1) of process `pid` only. */
  read(pid?: number): TaskFileRecords {
    const iterFd = this.openIterator(pid);
    let bytes = 0;
    try {
      for (;;) {
        if (this.buffer.length - bytes < READ_CHUNK) {
          const grown = Buffer.allocUnsafe(this.buffer.length * 2);
          this.buffer.copy(grown, 0, 0, bytes);
          this.buffer = grown;
        }
        const n = readSync(iterFd, this.buffer, bytes, this.buffer.length - bytes, null);
        if (n === 0) break;
        bytes += n;
      }
    } finally {
      sysClose(iterFd);
    }
    return this.decode(bytes);
  }

  /** Closes the program and lets go of the pass buffer (megabytes at 100,000 fds) and the keys. */
  close(): void {
    if (this.progFd >= 0) sysClose(this.progFd);
    this.progFd = -1;
    this.keys.clear();
    this.buffer = Buffer.alloc(0);
  }

  private openIterator(pid: number | undefined): number {
    const attr = nativeBlock(32);
    const info = pid === undefined ? undefined : nativeBlock(16);
    try {
      const view = new DataView(attr.bytes.buffer, attr.bytes.byteOffset, attr.bytes.byteLength);
      view.setUint32(0, this.progFd, LITTLE);
      view.setUint32(8, BPF_TRACE_ITER, LITTLE);
      if (info) {
        new DataView(info.bytes.buffer, info.bytes.byteOffset, 16).setUint32(4, pid as number, LITTLE); // task.pid
        view.setBigUint64(16, info.address, LITTLE);
        view.setUint32(24, 16, LITTLE);
      }
      const link = check('BPF_LINK_CREATE', sysBpf(BPF_CMD.LINK_CREATE, attr));
      try {
        const iterAttr = nativeBlock(8);
        try {
          new DataView(iterAttr.bytes.buffer, iterAttr.bytes.byteOffset, 8).setUint32(0, link, LITTLE);
          return check('BPF_ITER_CREATE', sysBpf(BPF_CMD.ITER_CREATE, iterAttr));
        } finally {
          iterAttr.free();
        }
      } finally {
        sysClose(link);
      }
    } finally {
      attr.free();
      info?.free();
    }
  }

  /** The records of a pass's `bytes`: fixed records, each followed by its name and then its protocol
   * (each padded to 4) if any. */
  private decode(bytes: number): TaskFileRecords {
    const words = new Uint32Array(this.buffer.buffer, this.buffer.byteOffset, bytes >>> 2);
    const W = RECORD.size >>> 2;
    const lengthAt = RECORD.nameLength >>> 2;
    const protocolAt = RECORD.protocolLength >>> 2;
    let count = 0;
    let nameBytes = 0;
    for (let w = 0; w + W <= words.length; count++) {
      const length = words[w + lengthAt] as number;
      nameBytes += Math.max(length - 1, 0);
      w += W + ((length + 3) >>> 2) + (((words[w + protocolAt] as number) + 3) >>> 2);
    }
    const out: TaskFileRecords = {
      count,
      tgid: new Int32Array(count),
      tid: new Int32Array(count),
      fd: new Int32Array(count),
      key: new Int32Array(count),
      mode: new Uint32Array(count),
      fFlags: new Uint32Array(count),
      fMode: new Uint32Array(count),
      dev: new Float64Array(count),
      ino: new Float64Array(count),
    };
    // The names are copied out of the pass's buffer, which the next pass reuses: only their bytes.
    const names = this.names
      ? {
          bytes: Buffer.allocUnsafeSlow(nameBytes),
          start: new Int32Array(count),
          length: new Int32Array(count),
        }
      : undefined;
    let nameAt = 0;
    if (names) out.names = names;
    const protocols = this.protocols ? new Uint16Array(count) : undefined;
    if (protocols) out.protocols = { id: protocols, names: this.protocolNames };
    // Records are 4-byte fields in host order: read them as 32-bit words.
    const hi = (LITTLE ? 4 : 0) >>> 2;
    const lo = (LITTLE ? 0 : 4) >>> 2;
    for (let i = 0, w = 0; i < count; i++) {
      out.tgid[i] = words[w + (RECORD.tgid >>> 2)] as number;
      out.tid[i] = words[w + (RECORD.tid >>> 2)] as number;
      out.fd[i] = words[w + (RECORD.fd >>> 2)] as number;
      out.fFlags[i] = words[w + (RECORD.fFlags >>> 2)] as number;
      out.fMode[i] = words[w + (RECORD.fMode >>> 2)] as number;
      out.mode[i] = words[w + (RECORD.iMode >>> 2)] as number;
      const file = w + (RECORD.file >>> 2);
      out.key[i] = this.keys.keyOf(words[file + hi] as number, words[file + lo] as number);
      out.dev[i] = userDev(words[w + (RECORD.dev >>> 2)] as number);
      const ino = w + (RECORD.ino >>> 2);
      out.ino[i] = (words[ino + hi] as number) * 2 ** 32 + (words[ino + lo] as number);
      const length = words[w + lengthAt] as number; // the NUL included
      if (names && length > 1) {
        const from = (w + W) * 4;
        this.buffer.copy(names.bytes, nameAt, from, from + length - 1);
        names.start[i] = nameAt;
        names.length[i] = length - 1;
        nameAt += length - 1;
      }
      const protocolLength = words[w + protocolAt] as number; // the NUL included
      w += W + ((length + 3) >>> 2);
      if (protocols && protocolLength > 0) protocols[i] = this.protocolId(w * 4, protocolLength - 1);
      w += (protocolLength + 3) >>> 2;
    }
    return out;
  }

  /** The id of the protocol name of `length` bytes at `from` in the pass buffer (interned: a scan names
   * many sockets after a dozen protocols). */
  private protocolId(from: number, length: number): number {
    const key = this.buffer.toString('latin1', from, from + length);
    let id = this.protocolIds.get(key);
    if (id === undefined) {
      this.protocolNames.push(decodeLossless(this.buffer.subarray(from, from + length)));
      id = this.protocolNames.length;
      this.protocolIds.set(key, id);
    }
    return id;
  }
}

/** Fibonacci hashing of both halves into `bits` bits: the product's TOP bits, which depend on every input
 * bit (the low bits of an address are zeros: slab objects are aligned). */
const hash = (hi: number, lo: number, bits: number) =>
  Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> (32 - bits);

/**
 * Opaque keys for 64-bit addresses given as two 32-bit halves: an open-addressing hash table of typed
 * arrays (no per-entry object; a pass over 100,000 fds makes no garbage). Keys are 0, 1, 2, … in order of
 * first sight. Both halves are compared, never combined into one JS number.
 */
class AddressKeys {
  private his = new Uint32Array(1 << 12);
  private los = new Uint32Array(1 << 12);
  /** key + 1 per slot; 0 = empty. */
  private ids = new Int32Array(1 << 12);
  private bits = 12;
  private size = 0;

  keyOf(hi: number, lo: number): number {
    if (this.size * 2 >= this.ids.length) this.grow();
    const mask = this.ids.length - 1;
    for (let at = hash(hi, lo, this.bits); ; at = (at + 1) & mask) {
      const id = this.ids[at] as number;
      if (id === 0) {
        this.his[at] = hi;
        this.los[at] = lo;
        this.ids[at] = ++this.size;
        return this.size - 1;
      }
      if (this.los[at] === lo && this.his[at] === hi) return id - 1;
    }
  }

  clear(): void {
    this.ids.fill(0);
    this.size = 0;
  }

  private grow(): void {
    const { his, los, ids } = this;
    this.his = new Uint32Array(ids.length * 2);
    this.los = new Uint32Array(ids.length * 2);
    this.ids = new Int32Array(ids.length * 2);
    this.bits++;
    const mask = this.ids.length - 1;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      if (id === 0) continue;
      const hi = his[i] as number;
      const lo = los[i] as number;
      let at = hash(hi, lo, this.bits);
      while (this.ids[at] !== 0) at = (at + 1) & mask;
      this.his[at] = hi;
      this.los[at] = lo;
      this.ids[at] = id;
    }
  }
}

const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Kernel dev_t (major << 20 | minor) to the user-space encoding glibc's makedev() gives stat(2). */
function userDev(kdev: number): number {
  const major = kdev >>> 20;
  const minor = kdev & 0xfffff;
  return (minor & 0xff) + (major & 0xfff) * 0x100 + (minor >>> 8) * 0x100000;
}

function check(step: string, r: number): number {
  if (r >= 0) return r;
  const errno = errnoName(-r);
  const why =
    errno === 'EPERM'
      ? 'needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN (run as root)'
      : errno === 'ENOSYS'
        ? 'bpf(2) is not available (kernel without CONFIG_BPF_SYSCALL, or blocked by seccomp)'
        : 'refused by the kernel';
  throw new BpfUnavailableError(step.toLowerCase(), errno, `bpf(${step}) failed: ${errno}: ${why}`);
}

/** `what`: the program, in words, for the error when the kernel refuses it. */
/**
 * Loads attempts before EAGAIN is taken for an answer. The verifier gives up with EAGAIN whenever a signal
 * is pending (kernel/bpf/verifier.c do_check: `if (signal_pending(current)) return -EAGAIN;`): a SIGCHLD
 * from a child, or a profiler's SIGPROF, arriving while it walks the program. libbpf retries the same way
 * (PROG_LOAD_ATTEMPTS, 5). Without the retry, the richest program variant was refused and the next one
 * loaded: correct, but slower (sockets' protocols read by getxattr).
 */
const LOAD_ATTEMPTS = 5;

/** One BPF_PROG_LOAD: the fd, or minus the errno, and the verifier's log when `logSize` asked for one. */
export type ProgramLoad = (
  program: Uint8Array,
  attachId: number,
  logSize: number,
) => { fd: number; log: string };

/** Loads `program`, retrying while the verifier is interrupted (above); `load` is replaced by tests only. */
export function loadProgram(
  program: Uint8Array,
  attachId: number,
  what: string,
  load: ProgramLoad = tryLoad,
): number {
  let first = load(program, attachId, 0);
  for (let attempt = 1; attempt < LOAD_ATTEMPTS && errnoName(-first.fd) === 'EAGAIN'; attempt++)
    first = load(program, attachId, 0);
  if (first.fd >= 0) return first.fd;
  const errno = errnoName(-first.fd);
  if (errno === 'EPERM' || errno === 'ENOSYS') check('BPF_PROG_LOAD', first.fd);
  const logged = load(program, attachId, LOG_SIZE); // again, for the verifier's explanation
  if (logged.fd >= 0) return logged.fd;
  throw new BpfUnavailableError(
    'bpf_prog_load',
    errno,
    `bpf(BPF_PROG_LOAD) failed: ${errno}: the kernel refused ${what}: ${logged.log.trim().split('\n').slice(-3).join(' | ')}`,
  );
}

function tryLoad(program: Uint8Array, attachId: number, logSize: number): { fd: number; log: string } {
  const blocks: NativeBlock[] = [];
  const block = (size: number) => {
    const b = nativeBlock(size);
    blocks.push(b);
    return b;
  };
  try {
    const insns = block(program.length);
    insns.bytes.set(program);
    const license = block(LICENSE.length);
    license.bytes.set(Buffer.from(LICENSE, 'latin1'));
    const log = logSize > 0 ? block(logSize) : undefined;
    const attr = block(PROG_LOAD_ATTR);
    const view = new DataView(attr.bytes.buffer, attr.bytes.byteOffset, PROG_LOAD_ATTR);
    view.setUint32(0, BPF_PROG_TYPE_TRACING, LITTLE);
    view.setUint32(4, program.length / 8, LITTLE);
    view.setBigUint64(8, insns.address, LITTLE);
    view.setBigUint64(16, license.address, LITTLE);
    if (log) {
      view.setUint32(24, 1, LITTLE); // log_level
      view.setUint32(28, logSize, LITTLE);
      view.setBigUint64(32, log.address, LITTLE);
    }
    attr.bytes.set(Buffer.from('kcmp_task_file', 'latin1'), 48); // prog_name, ≤ 15 chars
    view.setUint32(68, BPF_TRACE_ITER, LITTLE); // expected_attach_type
    view.setUint32(108, attachId, LITTLE); // attach_btf_id
    const fd = sysBpf(BPF_CMD.PROG_LOAD, attr);
    const text = log ? Buffer.from(log.bytes).toString('latin1').replace(/\0.*$/s, '') : '';
    return { fd, log: text };
  } finally {
    for (const b of blocks) b.free();
  }
}
