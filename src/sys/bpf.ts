/**
 * bpf(2), raw: `int bpf(int cmd, union bpf_attr *attr, unsigned int size)` (include/uapi/linux/bpf.h).
 *
 * Every command takes one `union bpf_attr`, a structure whose pointer fields (instructions, license, log
 * buffer, iterator link info) are 64-bit addresses: the caller fills a NativeBlock (C heap memory that does
 * not move) and passes its address. The kernel reads `size` bytes and requires every byte it does not know
 * to be zero (so a zeroed, larger block is fine on older kernels only while the unused tail stays zero).
 *
 * Permissions: loading a tracing program needs CAP_BPF + CAP_PERFMON (5.8) or CAP_SYS_ADMIN; without them
 * EPERM. A seccomp filter may answer EPERM or ENOSYS as for any syscall.
 */
import { libc, type NativeBlock } from './libc.js';
import { syscallNumbers } from './platform.js';

export const BPF_CMD = {
  PROG_LOAD: 5,
  LINK_CREATE: 28,
  ITER_CREATE: 33,
} as const;

/** enum bpf_prog_type / bpf_attach_type values used here. */
export const BPF_PROG_TYPE_TRACING = 26;
export const BPF_TRACE_ITER = 28;

/** bpf(cmd, attr, attr.bytes.length): the result (an fd for the commands above) or the negated errno. */
export function sysBpf(cmd: number, attr: NativeBlock): number {
  return libc().syscall(syscallNumbers().bpf, cmd, attr.address, attr.bytes.length, 0, 0);
}

/** Zeroed native memory of `size` bytes (see libc.ts); free it on every path. */
export function nativeBlock(size: number): NativeBlock {
  return libc().alloc(size);
}

export type { NativeBlock };
