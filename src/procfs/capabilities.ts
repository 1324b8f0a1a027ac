/**
 * Linux capability names by bit number (include/uapi/linux/capability.h, through CAP_CHECKPOINT_RESTORE
 * = 40 in 5.9). Bits beyond the table are named `cap_N`.
 */
const NAMES = [
  'chown',
  'dac_override',
  'dac_read_search',
  'fowner',
  'fsetid',
  'kill',
  'setgid',
  'setuid',
  'setpcap',
  'linux_immutable',
  'net_bind_service',
  'net_broadcast',
  'net_admin',
  'net_raw',
  'ipc_lock',
  'ipc_owner',
  'sys_module',
  'sys_rawio',
  'sys_chroot',
  'sys_ptrace',
  'sys_pacct',
  'sys_admin',
  'sys_boot',
  'sys_nice',
  'sys_resource',
  'sys_time',
  'sys_tty_config',
  'mknod',
  'lease',
  'audit_write',
  'audit_control',
  'setfcap',
  'mac_override',
  'mac_admin',
  'syslog',
  'wake_alarm',
  'block_suspend',
  'audit_read',
  'perfmon',
  'bpf',
  'checkpoint_restore',
] as const;

export type CapabilityName = (typeof NAMES)[number];

/** CAP_SYS_PTRACE: lets kcmp and pidfd_getfd reach processes of other users and non-dumpable ones. */
export const CAP_SYS_PTRACE = NAMES.indexOf('sys_ptrace');

export function hasCapability(mask: bigint, bit: number): boolean {
  return ((mask >> BigInt(bit)) & 1n) === 1n;
}

/** The names of the bits set in a CapEff/CapPrm mask, lowest first: ['chown', 'dac_override', …]. */
export function capabilityNames(mask: bigint): string[] {
  const names: string[] = [];
  for (let bit = 0; mask >> BigInt(bit) !== 0n; bit++) {
    if (hasCapability(mask, bit)) names.push(NAMES[bit] ?? `cap_${bit}`);
  }
  return names;
}

/** Bits of `mask` that have a name here but are not set: what the caller lacks. */
export function missingCapabilities(mask: bigint): CapabilityName[] {
  return NAMES.filter((_, bit) => !hasCapability(mask, bit));
}
