/**
 * Syscall numbers per architecture (the kernel's syscall tables), chosen by `process.arch`.
 *
 * kcmp arrived for x86 in 3.5; pidfd_send_signal (5.1), pidfd_open (5.3) and pidfd_getfd (5.6) are
 * numbered 424/434/438 on every architecture but alpha, because numbers from 424 upward were unified. Nothing here is resolved at import
 * time: an unsupported platform (macOS, Windows, an unlisted Linux ABI) only fails when a syscall is made,
 * so `import 'kcmp'` never crashes there.
 */
import { UnsupportedPlatformError } from '../errors.js';

export interface SyscallNumbers {
  readonly kcmp: number;
  readonly pidfdOpen: number;
  readonly pidfdGetfd: number;
  readonly pidfdSendSignal: number;
  /** bpf(2), since 3.18. */
  readonly bpf: number;
}

const UNIFIED = { pidfdSendSignal: 424, pidfdOpen: 434, pidfdGetfd: 438 } as const;
const GENERIC = { kcmp: 272, ...UNIFIED, bpf: 280 } as const;

const BY_ARCH: Readonly<Record<string, SyscallNumbers>> = {
  x64: { kcmp: 312, ...UNIFIED, bpf: 321 },
  ia32: { kcmp: 349, ...UNIFIED, bpf: 357 },
  arm: { kcmp: 378, ...UNIFIED, bpf: 386 },
  arm64: GENERIC,
  riscv64: GENERIC,
  loong64: GENERIC,
  ppc64: { kcmp: 354, ...UNIFIED, bpf: 361 },
  s390x: { kcmp: 343, ...UNIFIED, bpf: 351 },
};

export function syscallNumbers(
  platform: string = process.platform,
  arch: string = process.arch,
): SyscallNumbers {
  if (platform !== 'linux') {
    throw new UnsupportedPlatformError(`kcmp(2) exists only on Linux, and this is ${platform}`);
  }
  const numbers = BY_ARCH[arch];
  if (!numbers) {
    throw new UnsupportedPlatformError(`no syscall numbers are known for the Linux architecture ${arch}`);
  }
  return numbers;
}
