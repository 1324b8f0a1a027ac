/**
 * What this process may use: kcmp (and its epoll-tfd and sysvsem types), F_DUPFD_QUERY, pidfd_open and
 * pidfd_getfd, each probed on the caller's OWN process, where the kernel never
 * refuses for lack of privilege — so an EPERM there is a seccomp filter, not a ptrace check.
 *
 * Under a seccomp filter the probes run in a short-lived child (probe-child.ts) that inherits our filters:
 * a KILL policy (systemd's default, Chromium) ends the child with SIGSYS instead of us. The child prints
 * one line per probe before the next, so a missing line names the probe that killed it; the rest are
 * re-run in a new child. Without a filter (/proc/self/status says `Seccomp: 0`) nothing can kill the
 * caller for a syscall or refuse one on its own process, so the probes run here: a child would cost a
 * whole Node start-up, more than the rest of a small scan. The result is computed once per process.
 *
 *   detectCapabilities().kcmp  →  { outcome: 'usable' }                      plain kernel
 *                                 { outcome: 'eperm', errno: 'EPERM', … }    Docker without SYS_PTRACE
 *                                 { outcome: 'enosys', … }                   no CONFIG_KCMP, or a filter
 *                                 { outcome: 'killed', … }                   SIGSYS sandbox
 */
import { spawnSync } from 'node:child_process';
import { readStatus } from '../procfs/status.js';
import { type ErrnoName, errnoName } from '../sys/errno.js';
import { nodeScript } from '../util/node-script.js';
import { PROBE_NAMES, type ProbeName, runProbeCalls } from './probe-calls.js';

/** What probing one call on our own process showed. */
export type ProbeOutcome =
  | 'usable' // works here
  | 'enosys' // the kernel lacks it, or a seccomp filter answers ENOSYS (the two look identical)
  | 'eperm' // a seccomp filter answers EPERM (Docker/podman without CAP_SYS_PTRACE)
  | 'killed' // a seccomp filter kills the caller (SIGSYS)
  | 'unsupported' // the syscall exists but not this feature (too old a kernel, a config option off)
  | 'failed'; // anything else: see detail

/** The result of probing one call on our own process. */
export interface ProbeResult {
  /** What the probe showed, in one word. */
  outcome: ProbeOutcome;
  /** The errno the call failed with, when it failed with one. */
  errno?: ErrnoName;
  /** One line for people: what was seen and what it means. */
  detail: string;
}

/**
 * Which of kcmp's types, F_DUPFD_QUERY, pidfd_open and pidfd_getfd this process may use, each probed on
 * its own process (where the kernel never refuses for lack of privilege: a refusal there is the kernel's
 * version or config, or a seccomp filter).
 */
export interface Capabilities {
  /** kcmp(self, self, KCMP_VM). */
  kcmp: ProbeResult;
  /** KCMP_SYSVSEM: EOPNOTSUPP without CONFIG_SYSVIPC. */
  kcmpSysvsem: ProbeResult;
  /** KCMP_EPOLL_TFD: Linux ≥ 4.13 with CONFIG_EPOLL. */
  kcmpEpollTfd: ProbeResult;
  /** fcntl(F_DUPFD_QUERY): Linux ≥ 6.10. */
  dupfdQuery: ProbeResult;
  /** false on 6.10/6.11 kernels without commit 2714b0d1f369 (an invalid fd2 answers 0): confirm a 0. */
  dupfdQueryValidatesFd2: boolean | undefined;
  /** pidfd_open: Linux ≥ 5.3. */
  pidfdOpen: ProbeResult;
  /** pidfd_getfd on ourselves: Linux ≥ 5.6. Other processes also need ptrace ATTACH rights (and Yama). */
  pidfdGetfd: ProbeResult;
}

type Raw = { value: number } | { errno: ErrnoName } | { killed: NodeJS.Signals } | { failed: string };

/** Errnos that mean "the syscall works, the feature is missing", per probe. */
const UNSUPPORTED: Partial<Record<ProbeName, Partial<Record<ErrnoName, string>>>> = {
  dupfdQuery: { EINVAL: 'F_DUPFD_QUERY is unknown to this kernel (needs Linux 6.10)' },
  kcmpSysvsem: { EOPNOTSUPP: 'the kernel is built without CONFIG_SYSVIPC' },
  kcmpEpollTfd: {
    EINVAL: 'KCMP_EPOLL_TFD is unknown to this kernel (needs Linux 4.13)',
    EOPNOTSUPP: 'the kernel is built without CONFIG_EPOLL',
  },
};

/** Errnos that prove the feature works (the probe's arguments are bad on purpose). */
const USABLE_ERRNO: Partial<Record<ProbeName, ErrnoName>> = {
  kcmpEpollTfd: 'EFAULT', // the NULL slot is copied before anything else is looked at
  pidfdGetfd: 'EBADF', // reached only when pidfd_open failed and -1 was passed
};

const MISSING: Record<ProbeName, string> = {
  dupfdQuery: 'fcntl',
  dupfdQueryBadFd2: 'fcntl',
  pidfdOpen: 'pidfd_open (needs Linux 5.3)',
  pidfdGetfd: 'pidfd_getfd (needs Linux 5.6)',
  kcmp: 'kcmp',
  kcmpSysvsem: 'kcmp',
  kcmpEpollTfd: 'kcmp',
};

function interpret(name: ProbeName, raw: Raw | undefined): ProbeResult {
  if (raw === undefined) return { outcome: 'failed', detail: 'not probed' };
  if ('value' in raw) return { outcome: 'usable', detail: 'works' };
  if ('killed' in raw) {
    return raw.killed === 'SIGSYS'
      ? { outcome: 'killed', detail: 'a seccomp filter kills any process that calls it (SIGSYS)' }
      : { outcome: 'failed', detail: `the probe process died of ${raw.killed}` };
  }
  if ('failed' in raw) return { outcome: 'failed', detail: raw.failed };
  const { errno } = raw;
  if (USABLE_ERRNO[name] === errno)
    return { outcome: 'usable', detail: `works (${errno} for the deliberately bad argument)` };
  const unsupported = UNSUPPORTED[name]?.[errno];
  if (unsupported) return { outcome: 'unsupported', errno, detail: unsupported };
  if (errno === 'ENOSYS') {
    return {
      outcome: 'enosys',
      errno,
      detail: `${MISSING[name]} is missing from this kernel, or a seccomp filter answers ENOSYS`,
    };
  }
  if (errno === 'EPERM') {
    // Our own process: the ptrace check always passes for one's own thread group, before any LSM.
    return {
      outcome: 'eperm',
      errno,
      detail: 'a seccomp filter refuses it with EPERM, even on our own process',
    };
  }
  return { outcome: 'failed', errno, detail: `unexpected ${errno} on our own process` };
}

/** Runs the probes: here when no seccomp filter is installed, else in children until each has an answer
 * (a child killed mid-way blames the probe it was on). */
function runProbes(): Map<ProbeName, Raw> {
  const results = new Map<ProbeName, Raw>();
  if (readStatus('self').seccomp === 'disabled') {
    runProbeCalls(PROBE_NAMES, (name, r) =>
      results.set(name, r < 0 ? { errno: errnoName(-r) } : { value: r }),
    );
    return results;
  }
  const [command, ...prefix] = nodeScript(import.meta.url, 'probe-child');
  let pending: ProbeName[] = [...PROBE_NAMES];
  while (pending.length > 0) {
    const r = spawnSync(command, [...prefix, ...pending], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    for (const line of (r.stdout ?? '').split('\n')) {
      if (line === '') continue;
      const { name, ...rest } = JSON.parse(line) as { name: ProbeName } & Raw;
      results.set(name, rest as Raw);
    }
    pending = pending.filter((name) => !results.has(name));
    const [culprit] = pending;
    if (culprit === undefined) break;
    if (r.signal) {
      results.set(culprit, { killed: r.signal });
      continue;
    }
    const why = r.error?.message ?? `exit ${r.status}: ${(r.stderr ?? '').trim().split('\n')[0] ?? ''}`;
    for (const name of pending) results.set(name, { failed: `the probe process failed (${why})` });
  }
  return results;
}

let cached: Capabilities | undefined;

/**
 * Probes once per process (in a child that inherits our seccomp filters, so a KILL policy ends the child
 * and not us) and returns what this process may use. Later calls return the same object.
 *
 * @example
 * if (detectCapabilities().kcmp.outcome !== 'usable') console.log('no kcmp here');
 */
export function detectCapabilities(): Capabilities {
  if (cached) return cached;
  const raw = runProbes();
  const badFd2 = raw.get('dupfdQueryBadFd2');
  const result = (name: ProbeName): ProbeResult => interpret(name, raw.get(name));
  cached = {
    kcmp: result('kcmp'),
    kcmpSysvsem: result('kcmpSysvsem'),
    kcmpEpollTfd: result('kcmpEpollTfd'),
    dupfdQuery: result('dupfdQuery'),
    dupfdQueryValidatesFd2:
      badFd2 && 'errno' in badFd2
        ? badFd2.errno === 'EBADF'
        : badFd2 && 'value' in badFd2
          ? false
          : undefined,
    pidfdOpen: result('pidfdOpen'),
    pidfdGetfd: result('pidfdGetfd'),
  };
  return cached;
}

let filtered: boolean | undefined;

/** True when a seccomp filter is installed on this process (Seccomp: 2), checked once per process. */
export function seccompFilterActive(): boolean {
  filtered ??= readStatus('self').seccomp === 'filter';
  return filtered;
}

/** The calls the one-pair API makes, as named in Capabilities. */
export type GatedCall = 'kcmp' | 'dupfdQuery' | 'pidfdOpen' | 'pidfdGetfd';

/**
 * Whether making `call` here would kill us. Without a seccomp filter nothing can (no probe is run);
 * with one, the probes decide. Callers skip a call for which this returns a result.
 */
export function wouldBeKilled(call: GatedCall): ProbeResult | undefined {
  if (!seccompFilterActive()) return undefined;
  const result = detectCapabilities()[call];
  return result.outcome === 'killed' ? result : undefined;
}
