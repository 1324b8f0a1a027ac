/**
 * Which identity engine an fd scan runs, chosen once per run, before anything is read:
 *
 *   kcmp   — /proc readdir + stat of every fd, (dev, ino) buckets, binary insertion by kcmp order
 *            (group-bucket.ts); workers for large scans. Needs kcmp.
 *   borrow — the same, comparing with pidfd_getfd + F_DUPFD_QUERY where kcmp is blocked (--borrow).
 *   bpf    — one task_file BPF iterator pass lists every fd with its struct file (src/bpf); kcmp proves
 *            each proposed shared description (bpf-proof.ts). Needs kcmp too, and root (CAP_BPF +
 *            CAP_PERFMON, or CAP_SYS_ADMIN), the kernel's BTF and Linux ≥ 5.8.
 *   none   — kcmp blocked and no --borrow: nothing can compare; fds of one inode are listed apart.
 *
 * 'auto' takes bpf where it pays and can run, else kcmp (or what kcmp's absence leaves). Loading the BPF
 * program costs about as much as reading BPF_MIN_FDS fds through /proc (BTF parse ~10–20 ms, verifier
 * ~5 ms, measured on 6.18; bench/README.md), so a small selection keeps the kcmp engine. The selection's
 * size is the st_size of each /proc/PID/fd, which counts fds since Linux 6.2 (0 before: there, auto keeps
 * kcmp and `--engine bpf` asks for bpf). Under a seccomp filter bpf is not tried at all (see bpfBlocker).
 */
import { accessSync, constants } from 'node:fs';
import { release } from 'node:os';
import { VMLINUX_BTF } from '../../bpf/btf.js';
import { BpfUnavailableError, TaskFileIterator } from '../../bpf/task-file-iter.js';
import type { RecordPids } from '../../bpf/task-file-program.js';
import { seccompFilterActive } from '../../compare/probe.js';
import { detectRunMethod } from '../../compare/run-method.js';
import { hasCapability } from '../../procfs/capabilities.js';
import { inInitialPidNamespace } from '../../procfs/namespaces.js';
import { readStatus } from '../../procfs/status.js';

export type EngineName = 'kcmp' | 'borrow' | 'bpf' | 'none';
export type EngineRequest = 'auto' | 'kcmp' | 'borrow' | 'bpf';
export const ENGINE_REQUESTS: readonly EngineRequest[] = ['auto', 'kcmp', 'borrow', 'bpf'];

/** Below this many fds in the selection, auto keeps the kcmp engine (see the header). */
export const BPF_MIN_FDS = 3000;

const CAP_PERFMON = 38;
const CAP_BPF = 39;
const CAP_SYS_ADMIN = 21;

export interface EngineChoice {
  engine: EngineName;
  /** One line: why this engine, and for auto why not bpf. */
  reason: string;
}

/** Whether the bpf engine can run here: null if it can, else why not. Cheap: no BTF parse, no load. */
export function bpfBlocker(btfPath: string = VMLINUX_BTF): string | null {
  if (process.platform !== 'linux') return 'BPF iterators exist only on Linux';
  const [major = 0, minor = 0] = release()
    .split('.')
    .map((n) => Number.parseInt(n, 10));
  if (major < 5 || (major === 5 && minor < 8))
    return `Linux ${release()} has no task_file BPF iterator (5.8)`;
  // Unlike kcmp, bpf(2) is not probed in a child: under a filter (which might kill on it) it is not tried.
  if (seccompFilterActive())
    return 'a seccomp filter is installed, and bpf(2) is not tried under one (it might kill the process)';
  const caps = readStatus('self').capEff;
  const admin = hasCapability(caps, CAP_SYS_ADMIN);
  if (!admin && !(hasCapability(caps, CAP_BPF) && hasCapability(caps, CAP_PERFMON))) {
    return 'not root: loading a BPF iterator needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN';
  }
  try {
    accessSync(btfPath, constants.R_OK);
  } catch {
    return `no kernel BTF at ${btfPath} (needs CONFIG_DEBUG_INFO_BTF)`;
  }
  return null;
}

/**
 * `estimateFds()`: fds in the selection, asked only when auto must weigh bpf against kcmp.
 * Throws nothing: an engine that cannot run is replaced, and the reason says so.
 */
export function chooseEngine(
  request: EngineRequest,
  options: { btfPath?: string; estimateFds: () => number },
): EngineChoice {
  const run = detectRunMethod({ borrow: request === 'borrow' });
  if (run.method !== 'kcmp') {
    const engine = run.method === 'borrowed-dupfd-query' ? 'borrow' : 'none';
    const what = engine === 'borrow' ? 'pidfd_getfd + F_DUPFD_QUERY instead' : 'nothing can compare fds';
    return { engine, reason: `kcmp cannot be used here (${run.kcmp.detail}): ${what}` };
  }
  if (request === 'kcmp' || request === 'borrow') {
    const borrow = request === 'borrow' ? ' (borrow is used only where kcmp is blocked)' : '';
    return { engine: 'kcmp', reason: `kcmp works here${borrow}` };
  }
  const blocker = bpfBlocker(options.btfPath);
  if (blocker) return { engine: 'kcmp', reason: `bpf cannot run: ${blocker}` };
  if (request === 'bpf') return { engine: 'bpf', reason: 'asked for (--engine bpf)' };
  const fds = options.estimateFds();
  return fds >= BPF_MIN_FDS
    ? { engine: 'bpf', reason: `about ${fds} fds: one BPF pass costs less than reading them through /proc` }
    : { engine: 'kcmp', reason: `about ${fds} fds: below ${BPF_MIN_FDS}, /proc is faster than loading BPF` };
}

/**
 * The pids the iterator's records must carry to match this process's /proc: the initial PID namespace's
 * (task->tgid) where it runs there, else its own namespace's (a container's kcmp would otherwise match
 * none of the pids it scans, and report every process empty).
 */
function recordPids(): RecordPids {
  return inInitialPidNamespace() ? 'initial' : 'reader';
}

/** Loads the bpf engine's iterator, or says why bpf cannot run after all (the kcmp engine runs instead). */
export function openBpf(btfPath?: string): { iterator: TaskFileIterator } | { fallback: EngineChoice } {
  try {
    return { iterator: TaskFileIterator.load(btfPath, { pids: recordPids() }) };
  } catch (error) {
    if (!(error instanceof BpfUnavailableError)) throw error;
    return { fallback: { engine: 'kcmp', reason: `bpf cannot run: ${error.message}` } };
  }
}

/** What auto runs here, for `kcmp doctor`: for a large selection, for a small one, and why. */
export interface EnginePolicy {
  /** The engine for a scan of many fds (auto takes bpf from about 3,000 fds where bpf can run). */
  large: EngineName;
  /** The engine for a scan of a few processes. */
  small: EngineName;
  /** Why, in words: what bpf needs that is missing here, or that it was loaded and works. */
  reason: string;
}

/** Like chooseEngine for a large selection, and where that is bpf, the program is loaded to be sure. */
export function enginePolicy(btfPath?: string): EnginePolicy {
  let large = chooseEngine('auto', {
    ...(btfPath ? { btfPath } : {}),
    estimateFds: () => BPF_MIN_FDS,
  });
  if (large.engine === 'bpf') {
    const opened = openBpf(btfPath);
    if ('iterator' in opened) opened.iterator.close();
    else large = opened.fallback;
  }
  if (large.engine !== 'bpf') return { large: large.engine, small: large.engine, reason: large.reason };
  const pids = recordPids() === 'reader' ? ', reading pids as this PID namespace numbers them' : '';
  return {
    large: 'bpf',
    small: 'kcmp',
    reason:
      `bpf from ${BPF_MIN_FDS} fds up (its program loads and passes the verifier here${pids}), kcmp below: ` +
      'loading BPF costs more than reading a few fds through /proc',
  };
}
