/**
 * `kcmp doctor` as data (schema kcmp.doctor/1): what this process may compare here and, for every limit,
 * what to do about it. Facts come from the capability probes (run in a child, probe.ts), /proc/self/status
 * (seccomp mode, capabilities, namespaces), os.release() and Yama's sysctl. Nothing here writes output.
 *
 * Who can be inspected (kcmp-spec.md §4.3): kcmp needs ptrace READ access to both tasks — your real
 * uid/gid equal to the target's (all of real, effective, saved), a dumpable target and a subset of your
 * permitted capabilities; or CAP_SYS_PTRACE. Yama never affects kcmp, only pidfd_getfd (--borrow).
 */
import { release } from 'node:os';
import { ProcNamespaceError } from '../errors.js';
import {
  CAP_SYS_PTRACE,
  capabilityNames,
  hasCapability,
  missingCapabilities,
} from '../procfs/capabilities.js';
import {
  inInitialPidNamespace,
  inInitialUserNamespace,
  procPidNamespaceMismatch,
} from '../procfs/namespaces.js';
import { readStatus, type SeccompMode } from '../procfs/status.js';
import { readSysctl } from '../procfs/sysctl.js';
import { type Capabilities, detectCapabilities } from './probe.js';
import { probeRemedy, REMEDY } from './remedies.js';
import { borrowBlocker } from './run-method.js';

export const DOCTOR_SCHEMA = 'kcmp.doctor/1';

export interface Limit {
  /** What cannot be done here, in one line. */
  what: string;
  remedy: string;
}

export interface Diagnosis {
  schema: typeof DOCTOR_SCHEMA;
  kernel: { release: string; arch: string };
  capabilities: Capabilities;
  seccomp: { mode: SeccompMode; filters: number | null; noNewPrivs: boolean };
  user: {
    uid: number;
    euid: number;
    gid: number;
    /** CapEff names, lowercase without the cap_ prefix. */
    capEff: string[];
    /** Named capabilities NOT in CapEff. */
    capEffMissing: string[];
    sysPtrace: boolean;
    initialUserNamespace: boolean;
  };
  /** Our pid in each PID namespace from the one /proc belongs to down to ours (NSpid). */
  nspid: number[];
  /** `initial`: this process is in the initial PID namespace (its /proc/self/ns/pid inode is
   * PROC_PID_INIT_INO). `procMismatch`: why the pids /proc shows are not ours, or null when they are. */
  pidNamespace: { initial: boolean; procMismatch: string | null };
  /** null: Yama is not built in (kcmp is never affected by it anyway). */
  yamaPtraceScope: number | null;
  /** Whose processes kcmp can compare here, in plain words. */
  canInspect: string;
  limits: Limit[];
}

function callLimits(caps: Capabilities): Limit[] {
  const limits: Limit[] = [];
  const remedy = probeRemedy('kcmp', caps.kcmp.outcome);
  if (remedy) {
    const borrow =
      borrowBlocker(caps) === null ? ', or exactly with --borrow (pidfd_getfd + F_DUPFD_QUERY)' : '';
    limits.push({
      what:
        `kcmp cannot be used: ${caps.kcmp.detail}; kcmp fds tells fds apart only where the inode differs` +
        `${borrow}, and kcmp tasks groups no task`,
      remedy,
    });
  } else if (caps.kcmp.outcome === 'failed') {
    limits.push({
      what: `kcmp could not be probed: ${caps.kcmp.detail}`,
      remedy: REMEDY.probeFailed,
    });
  } else if (caps.kcmp.outcome === 'usable') {
    if (caps.kcmpEpollTfd.outcome === 'unsupported') {
      limits.push({
        what: `epoll targets cannot be checked: ${caps.kcmpEpollTfd.detail}`,
        remedy: REMEDY.epollTfdMissing,
      });
    }
    if (caps.kcmpSysvsem.outcome === 'unsupported') {
      limits.push({
        what: `SysV undo lists cannot be compared: ${caps.kcmpSysvsem.detail}`,
        remedy: REMEDY.sysvsemMissing,
      });
    }
  }
  if (caps.dupfdQuery.outcome !== 'usable') {
    limits.push({
      what: `F_DUPFD_QUERY cannot be used (${caps.dupfdQuery.detail}): --borrow cannot compare borrowed fds`,
      remedy: REMEDY.dupfdQueryMissing,
    });
  }
  const [call, getfd] =
    caps.pidfdOpen.outcome !== 'usable' ? ['pidfd_open', caps.pidfdOpen] : ['pidfd_getfd', caps.pidfdGetfd];
  if (getfd.outcome !== 'usable') {
    const getfdRemedy = probeRemedy('pidfd_getfd', getfd.outcome) ?? REMEDY.pidfdMissing;
    limits.push({ what: `--borrow cannot work: ${call}: ${getfd.detail}`, remedy: getfdRemedy });
  }
  return limits;
}

/** Gathers every fact and limit. Runs the capability probes (once per process). */
export function diagnose(): Diagnosis {
  const caps = detectCapabilities();
  const procMismatch = procPidNamespaceMismatch() ?? null;
  let status: ReturnType<typeof readStatus>;
  try {
    status = readStatus('self');
  } catch (error) {
    if (procMismatch) throw new ProcNamespaceError(procMismatch); // /proc/self does not resolve
    throw error;
  }
  const sysPtrace = hasCapability(status.capEff, CAP_SYS_PTRACE);
  const initialUserNamespace = inInitialUserNamespace();
  const initialPidNamespace = inInitialPidNamespace();
  const scope = readSysctl('kernel/yama/ptrace_scope');
  const yamaPtraceScope = scope === undefined ? null : Number(scope);
  const [uid, euid] = status.uid;
  const lacking = missingCapabilities(status.capPrm);

  const limits = callLimits(caps);
  let canInspect: string;
  if (!initialUserNamespace) {
    canInspect =
      'only processes inside this user namespace (with CAP_SYS_PTRACE in it: all of them; otherwise your ' +
      'own dumpable ones); none outside it, whatever their uid';
    limits.push({
      what:
        'this process runs in a user namespace: processes outside it cannot be compared, whatever their uid ' +
        "(kcmp's ptrace check wants CAP_SYS_PTRACE in the target's user namespace, and ours counts only in ours)",
      remedy: REMEDY.userNamespace,
    });
  } else if (sysPtrace) {
    canInspect =
      lacking.length === 0
        ? 'every process in this PID namespace'
        : `every process in this PID namespace, except those whose permitted capabilities include one ` +
          `you lack (${lacking.join(', ')}): the commoncap subset rule refuses them`;
  } else {
    canInspect =
      `only your own processes (real uid ${uid} equal to their real, effective and saved uid, same for ` +
      'gids) that are dumpable: not setuid programs, not daemons that changed uid without PR_SET_DUMPABLE';
    limits.push({
      what: "other users' processes and non-dumpable processes cannot be compared (no CAP_SYS_PTRACE)",
      remedy: REMEDY.ptraceRead,
    });
  }
  if (!initialPidNamespace) {
    canInspect += '; processes outside this PID namespace cannot even be named';
    limits.push({
      what: 'this process runs in a nested PID namespace: pids outside it are invisible (ESRCH)',
      remedy: 'run kcmp in the PID namespace of the processes you want to compare',
    });
  }
  if (procMismatch) {
    const refusal = new ProcNamespaceError(procMismatch);
    limits.push({ what: `every command refuses to run: ${refusal.message}`, remedy: refusal.remedy ?? '' });
  }
  if (yamaPtraceScope !== null && yamaPtraceScope >= 1 && !(yamaPtraceScope < 3 && sysPtrace)) {
    limits.push({
      what:
        `Yama ptrace_scope is ${yamaPtraceScope}: --borrow (pidfd_getfd) ` +
        (yamaPtraceScope >= 3
          ? 'is refused for every process'
          : yamaPtraceScope === 2
            ? 'needs CAP_SYS_PTRACE'
            : 'reaches only descendants of kcmp') +
        '; kcmp itself is not affected',
      remedy:
        yamaPtraceScope >= 3
          ? 'scope 3 cannot be lowered until reboot; use kcmp without --borrow'
          : 'use kcmp without --borrow, run with CAP_SYS_PTRACE, or lower kernel.yama.ptrace_scope',
    });
  }

  return {
    schema: DOCTOR_SCHEMA,
    kernel: { release: release(), arch: process.arch },
    capabilities: caps,
    seccomp: { mode: status.seccomp, filters: status.seccompFilters ?? null, noNewPrivs: status.noNewPrivs },
    user: {
      uid,
      euid,
      gid: status.gid[0],
      capEff: capabilityNames(status.capEff),
      capEffMissing: missingCapabilities(status.capEff),
      sysPtrace,
      initialUserNamespace,
    },
    nspid: [...status.nspid],
    pidNamespace: { initial: initialPidNamespace, procMismatch },
    yamaPtraceScope,
    canInspect,
    limits,
  };
}
