/**
 * The BPF program behind `--engine bpf`: an `iter/task_file` iterator (Linux 5.8) run once per fd of every
 * task the kernel visits, writing one fixed-size record per fd into the iterator's seq_file with the
 * bpf_seq_write helper. It is the C program
 *
 *   SEC("iter/task_file") int dump(struct bpf_iter__task_file *ctx) {
 *     struct file *file = ctx->file; struct task_struct *task = ctx->task;
 *     if (!file || !task) return 0;
 *     struct record r = { task->tgid, task->pid, ctx->fd, file->f_flags, file->f_mode,
 *                         file->f_inode->i_mode, (u64)file, file->f_inode->i_sb->s_dev, 0,
 *                         file->f_inode->i_ino, 0 };
 *     char protocol[PROTOCOL_ROOM];                           // with protocols only:
 *     long p = S_ISSOCK(file->f_inode->i_mode)                //   length with the NUL, or -errno
 *       ? bpf_probe_read_kernel_str(protocol, sizeof protocol, file->f_path.dentry->d_name.name) : 0;
 *     r.protocol_length = p > 0 ? p : 0;
 *     char name[NAME_ROOM];                                   // with names only:
 *     long n = bpf_d_path(&file->f_path, name, sizeof name);  //   length with the NUL, or -errno
 *     r.name_length = n > 0 ? n : 0;
 *     bpf_seq_write(ctx->meta->seq, &r, sizeof r);
 *     if (n > 0) bpf_seq_write(ctx->meta->seq, name, (n + 3) & ~3);
 *     if (p > 0) bpf_seq_write(ctx->meta->seq, protocol, (p + 3) & ~3);
 *     return 0;
 *   }
 *
 * written out in instructions (asm.ts) with every struct offset read from the running kernel's BTF
 * (btf.ts): no compiler at install, no object file, no libbpf. The loads are BTF-typed pointer loads,
 * which the verifier allows tracing programs and turns into fault-safe reads (a NULL inode reads 0).
 *
 * A socket's protocol: sock_alloc_file() (net/socket.c, since 2.6.x) names the socket's sockfs dentry after
 * the protocol that created it, sock->sk->sk_prot_creator->name ("TCP", "UNIX-STREAM", …; "" for a socket
 * without a sock), and sockfs_xattr_get() answers getxattr(system.sockprotoname) with that very dentry
 * name, dentry->d_name.name. So the program reads the name the xattr would give, in the same visit as the
 * inode, and the engine makes no getxattr per socket. A sockfs dentry is never renamed (no rename in
 * sockfs), so the name is stable while the file lives; it is at most 31 bytes (struct proto's name is
 * char[32]) and kept inline in the dentry. bpf_probe_read_kernel_str (Linux 5.5, older than the
 * iterator) is fault-safe; lockdown's confidentiality mode (LOCKDOWN_BPF_READ_KERNEL) withholds it from
 * tracing programs: there the program is loaded without protocols and the xattr is read instead.
 *
 * Why assembled here rather than a CO-RE object built from C with clang and loaded through libbpf.so.1:
 * the program is 37 instructions (77 with names and protocols) whose only variable parts are fourteen field offsets, and the BTF lookup
 * that CO-RE would do is 200 lines here; the alternative needs clang in CI, a checked-in object (an
 * unexplained binary for a reader) and libbpf at run time, for no gain in speed — loading and reading
 * cost the same kernel work either way.
 *
 * Pids: task->tgid and task->pid are the pids of the INITIAL PID namespace. The iterator itself works in
 * the reader's namespace — it visits only the tasks visible there and takes its pid filter as that
 * namespace numbers them (kernel/bpf/task_iter.c: common->ns = task_active_pid_ns(current) when the
 * iterator fd is created) — so a reader in a nested namespace (a container) that recorded task->tgid would
 * match none of the pids its /proc shows. There the program writes pid_nr_ns(pid, reader's namespace)
 * instead (`pids: 'reader'`):
 *
 *   struct pid { …; unsigned int level; …; struct upid numbers[]; }   numbers[i] = { nr, ns } for each
 *   level i from the initial namespace (0) down to the task's own (level)
 *
 *   L  = current->thread_pid->level            (current: the reader, whose read(2) runs the program)
 *   ns = current->thread_pid->numbers[L].ns    (task_active_pid_ns(current))
 *   tid  = nr of task->thread_pid                        ┐ numbers[L].nr if that pid's level ≥ L and
 *   tgid = nr of task->signal->pids[PIDTYPE_TGID]        ┘ numbers[L].ns == ns, else 0 (not visible)
 *
 * The verifier allows only constant offsets into BTF-typed memory, so the program branches on L (at most
 * MAX_PID_NS_LEVEL) to a constant-offset copy of these loads for each level. It needs
 * bpf_get_current_task_btf (Linux 5.11) and numbers[] declared as a flexible array in the kernel's BTF
 * (Linux 6.5; before it was numbers[1], and the verifier refuses numbers[1] and beyond): a kernel that
 * refuses the program leaves the scan to the kcmp engine. In the initial namespace the plain loads stay
 * (`pids: 'initial'`): no helper, every kernel since 5.8.
 *
 * The kernel's iterator visits each process's leader and, of its other threads, only those whose fd table
 * differs from the leader's (task_file_seq_get_next skips `task->files == leader->files`). A task's fds
 * appear in ascending order. The record's file pointer is a kernel address: it never leaves the reader
 * (task-file-iter.ts), which turns it into an opaque per-run key.
 */
import { Assembler } from './asm.js';
import type { BtfLayout } from './btf.js';

/** enum bpf_func_id: long bpf_probe_read_kernel_str(void *dst, u32 size, const void *unsafe_ptr) (5.5). */
const BPF_FUNC_PROBE_READ_KERNEL_STR = 115;
/** enum bpf_func_id: long bpf_seq_write(struct seq_file *m, const void *data, u32 len) (5.7). */
const BPF_FUNC_SEQ_WRITE = 127;
/** enum bpf_func_id: long bpf_d_path(struct path *path, char *buf, u32 sz) (5.10; in iterators 5.12). */
const BPF_FUNC_D_PATH = 147;
/** enum bpf_func_id: struct task_struct *bpf_get_current_task_btf(void) (5.11): the task running the program. */
const BPF_FUNC_GET_CURRENT_TASK_BTF = 158;
/** include/linux/pid_namespace.h: a PID namespace's level is at most 32 (the initial one's is 0). */
const MAX_PID_NS_LEVEL = 32;
/** enum pid_type (include/linux/pid_types.h): signal_struct.pids[PIDTYPE_TGID] is the thread group's pid (4.19). */
const PIDTYPE_TGID = 1;

/**
 * Room for a name on the stack, below the record (the stack is 512 bytes: record, name and protocol
 * share it). A longer path makes bpf_d_path fail (ENAMETOOLONG): the record then has no name, and the
 * reader reads the link instead.
 */
export const NAME_ROOM = 416;
/** Room for a socket's protocol name, below the name: struct proto's name is char[32], NUL included. */
export const PROTOCOL_ROOM = 32;
/** S_IFMT and S_IFSOCK of i_mode (include/uapi/linux/stat.h). */
const S_IFMT = 0o170000;
const S_IFSOCK = 0o140000;

/** One record per fd, host byte order; with names, `nameLength` bytes of name follow, padded to 4. */
export const RECORD = {
  size: 56,
  tgid: 0,
  tid: 4,
  fd: 8,
  fFlags: 12,
  fMode: 16,
  iMode: 20,
  /** The struct file's address, 8 bytes: low and high halves by host byte order. */
  file: 24,
  /** The superblock's s_dev, kernel encoding (major << 20 | minor). */
  dev: 32,
  ino: 40,
  /** The length of the name that follows, its NUL included; 0 for none. */
  nameLength: 48,
  /** The length of the socket protocol name that follows the name, its NUL included; 0 for none. */
  protocolLength: 52,
} as const;

/** The BTF function the iterator program attaches to (its arguments are the context's fields). */
export const ITER_FUNC = 'bpf_iter_task_file';

/** Which pids the records carry: the initial PID namespace's (task->tgid, task->pid), or the reader's. */
export type RecordPids = 'initial' | 'reader';

export interface ProgramOptions {
  names: boolean;
  /** Whether each socket's record carries its protocol name (see the header). */
  protocols: boolean;
  pids: RecordPids;
}

/**
 * `names`: also write each fd's name, as `bpf_d_path(&file->f_path)` gives it — the d_path() behind
 * readlink of /proc/PID/fd/N, relative to the reader's root, "pipe:[123]" and "socket:[456]" for pseudo
 * files, " (deleted)" after a deleted one — read in the same visit as the record's inode, so the two
 * always describe one file. Kernels before 5.12 refuse bpf_d_path in iterators: load without names there.
 */
export function taskFileProgram(btf: BtfLayout, { names, protocols, pids }: ProgramOptions): Uint8Array {
  const ctx = (field: string) => btf.member('bpf_iter__task_file', field).offset;
  const field = (struct: string, name: string) => {
    const m = btf.member(struct, name);
    return { off: m.offset, size: m.size as 1 | 2 | 4 | 8 };
  };
  const fFlags = field('file', 'f_flags');
  const fMode = field('file', 'f_mode');
  const fInode = field('file', 'f_inode');
  const iMode = field('inode', 'i_mode');
  const iSb = field('inode', 'i_sb');
  const iIno = field('inode', 'i_ino');
  const sDev = field('super_block', 's_dev');
  const seq = field('bpf_iter_meta', 'seq');
  const fPath = field('file', 'f_path');
  const base = -RECORD.size; // the record, on the stack below r10
  const nameBase = base - NAME_ROOM; // the name, below the record
  const protocolBase = nameBase - PROTOCOL_ROOM; // the protocol, below the name
  const at = (offset: number) => base + offset;

  const a = new Assembler();
  a.mov(6, 1) // r6 = ctx
    .load(8, 7, 6, ctx('file')) // r7 = ctx->file
    .jeqImm(7, 0, 'out')
    .load(8, 8, 6, ctx('task')) // r8 = ctx->task
    .jeqImm(8, 0, 'out');
  if (pids === 'reader') readerPids(a, btf, at);
  else {
    const tgid = field('task_struct', 'tgid');
    const pid = field('task_struct', 'pid');
    a.load(tgid.size, 2, 8, tgid.off)
      .store(4, 10, at(RECORD.tgid), 2)
      .load(pid.size, 2, 8, pid.off)
      .store(4, 10, at(RECORD.tid), 2);
  }
  a.load(4, 2, 6, ctx('fd'))
    .store(4, 10, at(RECORD.fd), 2)
    .load(fFlags.size, 2, 7, fFlags.off)
    .store(4, 10, at(RECORD.fFlags), 2)
    .load(fMode.size, 2, 7, fMode.off)
    .store(4, 10, at(RECORD.fMode), 2)
    .store(8, 10, at(RECORD.file), 7) // the address itself
    .load(8, 9, 7, fInode.off) // r9 = file->f_inode
    .load(iMode.size, 2, 9, iMode.off)
    .store(4, 10, at(RECORD.iMode), 2)
    .load(8, 3, 9, iSb.off) // r3 = inode->i_sb
    .load(sDev.size, 2, 3, sDev.off)
    .store(4, 10, at(RECORD.dev), 2)
    .storeImm(4, 10, at(RECORD.dev + 4), 0)
    .load(iIno.size, 2, 9, iIno.off)
    .store(8, 10, at(RECORD.ino), 2)
    .movImm(8, 0) // r8 = the protocol's length, NUL included (0: none); the task is not needed again
    .movImm(9, 0); // r9 = the name's length, NUL included (0: none)
  if (protocols) {
    const dentry = fPath.off + btf.member('path', 'dentry').offset;
    const dName = btf.member('dentry', 'd_name').offset + btf.member('qstr', 'name').offset;
    a.load(8, 3, 7, fInode.off)
      .load(iMode.size, 3, 3, iMode.off)
      .andImm(3, S_IFMT)
      .jneImm(3, S_IFSOCK, 'no protocol')
      .load(8, 3, 7, dentry) // r3 = file->f_path.dentry
      .load(8, 3, 3, dName) // r3 = dentry->d_name.name (a plain pointer: read it with the helper)
      .mov(1, 10)
      .addImm(1, protocolBase)
      .movImm(2, PROTOCOL_ROOM);
    keepLength(a, BPF_FUNC_PROBE_READ_KERNEL_STR, 8, 'no protocol');
  }
  if (names) {
    a.mov(1, 7)
      .addImm(1, fPath.off) // r1 = &file->f_path
      .mov(2, 10)
      .addImm(2, nameBase)
      .movImm(3, NAME_ROOM);
    keepLength(a, BPF_FUNC_D_PATH, 9, 'unnamed');
  }
  a.store(4, 10, at(RECORD.nameLength), 9)
    .store(4, 10, at(RECORD.protocolLength), 8)
    .load(8, 1, 6, ctx('meta')) // r1 = ctx->meta
    .load(8, 1, 1, seq.off) // r1 = meta->seq
    .mov(2, 10)
    .addImm(2, base) // r2 = &record
    .movImm(3, RECORD.size)
    .call(BPF_FUNC_SEQ_WRITE);
  // Each written padded to 4 bytes, so the next record stays aligned.
  if (names) seqWritePadded(a, ctx('meta'), seq.off, 9, nameBase, NAME_ROOM, 'name written');
  if (protocols) seqWritePadded(a, ctx('meta'), seq.off, 8, protocolBase, PROTOCOL_ROOM, 'protocol written');
  a.label('out').movImm(0, 0).exit();
  return a.assemble();
}

/**
 * Calls a string helper whose arguments are set (it answers the length with the NUL, or -errno) and keeps
 * a positive answer in `length`; `label` labels what follows.
 */
function keepLength(a: Assembler, helper: number, length: 8 | 9, label: string): void {
  a.call(helper).jsleImm(0, 0, label).mov(length, 0).label(label);
}

/**
 * bpf_seq_write of the `length` register's bytes at r10 + `from`, padded to 4, when 0 < length ≤ `room`
 * (the bound the verifier needs); `done` labels what follows. r6 is the context.
 */
function seqWritePadded(
  a: Assembler,
  meta: number,
  seq: number,
  length: 8 | 9,
  from: number,
  room: number,
  done: string,
): void {
  a.jsleImm(length, 0, done)
    .jgtImm(length, room, done)
    .addImm(length, 3)
    .andImm(length, ~3)
    .load(8, 1, 6, meta)
    .load(8, 1, 1, seq)
    .mov(2, 10)
    .addImm(2, from)
    .mov(3, length)
    .call(BPF_FUNC_SEQ_WRITE)
    .label(done);
}

/**
 * Writes the task's tid and tgid as the reader's PID namespace numbers them (0 where it does not see them),
 * as pid_nr_ns() computes them: see the header. Uses r0–r5 and r9; r8 is the task.
 */
function readerPids(a: Assembler, btf: BtfLayout, at: (offset: number) => number): void {
  const offset = (struct: string, name: string) => btf.member(struct, name).offset;
  const threadPid = offset('task_struct', 'thread_pid');
  const level = offset('pid', 'level');
  const numbers = offset('pid', 'numbers');
  const upid = btf.structSize('upid');
  const nr = offset('upid', 'nr');
  const ns = offset('upid', 'ns');
  const slots = [
    { reg: 2, slot: RECORD.tid },
    { reg: 3, slot: RECORD.tgid },
  ] as const;
  a.call(BPF_FUNC_GET_CURRENT_TASK_BTF) // r0 = the reader
    .load(8, 9, 0, threadPid) // r9 = its struct pid
    .load(4, 1, 9, level) // r1 = L, its namespace's level
    .load(8, 2, 8, threadPid) // r2 = the task's pid
    .load(8, 3, 8, offset('task_struct', 'signal'))
    .load(8, 3, 3, offset('signal_struct', 'pids') + 8 * PIDTYPE_TGID) // r3 = its thread group's pid
    .storeImm(4, 10, at(RECORD.tid), 0)
    .storeImm(4, 10, at(RECORD.tgid), 0);
  for (let l = 0; l <= MAX_PID_NS_LEVEL; l++) a.jeqImm(1, l, `level ${l}`);
  a.ja('pids');
  for (let l = 0; l <= MAX_PID_NS_LEVEL; l++) {
    const upidAt = numbers + l * upid;
    a.label(`level ${l}`).load(8, 4, 9, upidAt + ns); // r4 = the reader's namespace
    for (const { reg, slot } of slots) {
      const skip = `level ${l} slot ${slot}`;
      a.load(4, 5, reg, level)
        .jltImm(5, l, skip) // the pid has no number that deep
        .load(8, 5, reg, upidAt + ns)
        .jneReg(5, 4, skip) // a number in another namespace at that level
        .load(4, 5, reg, upidAt + nr)
        .store(4, 10, at(slot), 5)
        .label(skip);
    }
    a.ja('pids');
  }
  a.label('pids');
}
