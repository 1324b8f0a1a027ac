/**
 * Which method a run compares open file descriptions with, decided once per process:
 *
 *   kcmp usable on our own process ──────────────────────────────────────▶ 'kcmp'
 *   else, with --borrow: pidfd_open + pidfd_getfd + F_DUPFD_QUERY usable ──▶ 'borrowed-dupfd-query'
 *   else ──────────────────────────────────────────────────────────────────▶ 'none'
 *
 * 'none' still decides everything that needs no comparison (an fd alone on its inode, one socket inode);
 * the rest stays undecided, never guessed.
 *
 * Cost: without a seccomp filter nothing can kill us, so kcmp(self, self, KCMP_VM) is simply called once
 * (~1 µs; the kernel never refuses it for privilege within one thread group): 0 means kcmp works and
 * nothing else is looked at. Only when it fails, or when a filter is installed (which might kill on kcmp),
 * do the probes run in a child (probe.ts) — and then their answers also say whether --borrow could work.
 */
import { readSysctl } from '../procfs/sysctl.js';
import type { FdMethod } from './fd-comparator.js';
import { type Capabilities, detectCapabilities, type ProbeResult } from './probe.js';
import { probeRemedy, REMEDY } from './remedies.js';

/** Why pidfd_getfd + F_DUPFD_QUERY cannot stand in for kcmp here. */
export interface BorrowBlocker {
  /** The call that is missing or refused. */
  call: string;
  detail: string;
  remedy: string;
}

export interface RunMethod {
  method: FdMethod;
  /** kcmp on our own process: outcome 'usable' exactly when `method` is 'kcmp'. */
  kcmp: ProbeResult;
  /** The remedy for a blocked kcmp. */
  remedy?: string;
  /** Whether --borrow can work here, looked at only when kcmp cannot be used: null if it can. */
  borrow?: BorrowBlocker | null;
}

/**
 * Why kcmp is not called in a run where it answered no errno on our own process: a seccomp filter kills
 * any process that calls it (the probe child died of SIGSYS), or the probe itself failed. Error rows then
 * say this reason with no errno: none was returned.
 */
export function uncalledReason(kcmp: ProbeResult): 'seccomp-kill' | 'probe-failed' {
  return kcmp.outcome === 'killed' ? 'seccomp-kill' : 'probe-failed';
}

/**
 * The first of pidfd_open, pidfd_getfd and F_DUPFD_QUERY that cannot be used here (probed on our own
 * process), or Yama scope 3, which refuses pidfd_getfd to everyone, root included; null when --borrow can
 * work.
 * Scopes 1 and 2 refuse only some targets: those fail one by one, as error rows.
 */
export function borrowBlocker(caps: Capabilities): BorrowBlocker | null {
  const steps = [
    ['pidfd_open', caps.pidfdOpen],
    ['pidfd_getfd', caps.pidfdGetfd],
  ] as const;
  for (const [call, probe] of steps) {
    if (probe.outcome === 'usable') continue;
    const remedy = probeRemedy('pidfd_getfd', probe.outcome) ?? REMEDY.pidfdMissing;
    return { call, detail: probe.detail, remedy };
  }
  if (caps.dupfdQuery.outcome !== 'usable') {
    return { call: 'fcntl(F_DUPFD_QUERY)', detail: caps.dupfdQuery.detail, remedy: REMEDY.dupfdQueryMissing };
  }
  if (readSysctl('kernel/yama/ptrace_scope') === '3') {
    return {
      call: 'pidfd_getfd',
      detail: 'Yama ptrace_scope 3 refuses ptrace attach, and so pidfd_getfd, to every process, even root',
      remedy: 'Yama scope 3 cannot be lowered until reboot',
    };
  }
  return null;
}

/**
 * Decides the method of this run. Cheap when kcmp works without a seccomp filter (one kcmp call);
 * otherwise the capability probes run once per process, in a child.
 *
 * @example
 * const run = detectRunMethod({ borrow: true });
 * if (run.method !== 'kcmp') console.error(`kcmp cannot be used: ${run.kcmp.detail}`);
 */
export function detectRunMethod(options: { borrow: boolean }): RunMethod {
  const kcmp = detectCapabilities().kcmp;
  if (kcmp.outcome === 'usable') return { method: 'kcmp', kcmp };
  const borrow = borrowBlocker(detectCapabilities());
  return {
    method: options.borrow && borrow === null ? 'borrowed-dupfd-query' : 'none',
    kcmp,
    remedy: probeRemedy('kcmp', kcmp.outcome) ?? REMEDY.probeFailed,
    borrow,
  };
}

/**
 * What closing a borrowed fd costs (POSIX record locks; a held pipe end delays EOF): said once per run that
 * borrows, by the caller that prints.
 */
export const BORROW_LOCK_WARNING =
  '--borrow closes every fd it borrows, and closing an fd drops all POSIX (fcntl F_SETLK) record locks ' +
  'this process holds on that file, through any fd; the kcmp command holds none, a program using the ' +
  'library might';
