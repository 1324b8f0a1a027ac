/**
 * `--stop`: SIGSTOP the selected processes for an exact snapshot, and SIGCONT them afterwards.
 *
 * kcmp compares whatever each fd number names at the moment of the call, with no reference held
 * (the man page: "not protected against false positives … stop the processes"): only
 * stopped processes make a scan exact. Stopping is intrusive, so it is opt-in, and refused for:
 * - our own process and its ancestors (stopping the shell that waits for us would hang the terminal);
 * - a job in the foreground of its controlling terminal (/proc/PID/stat: tpgid == pgrp, its parent in
 *   another group): its shell sees the job stop, takes the terminal back and makes it a background job, so
 *   after our SIGCONT it runs in the background and stops again (SIGTTIN) at its next terminal read.
 * A process that was already stopped (state T or t) is left alone and NOT continued afterwards.
 * A traced process (TracerPid in /proc/PID/status: a debugger, strace) is left alone too, and said
 * (`notStopped`): a SIGSTOP sent to a tracee stops it for its tracer (a signal-delivery-stop, state t), and a
 * SIGCONT cannot end a ptrace stop — only the tracer's PTRACE_CONT can (ptrace(2)) — so we could not give
 * back what it had. Its fds are read while it runs: that part of the snapshot is not exact. TracerPid is
 * read before the watchdog starts (which would SIGCONT what it holds should kcmp die) and again right
 * before each SIGSTOP; a tracer that attaches in the microseconds between is not seen, and one outside our
 * PID namespace shows as 0 (proc(5)).
 *
 * What can fail is done before the first SIGSTOP: the caller starts its workers and loads its modules
 * first, and here every target gets a pidfd (opened, then its start time checked, so it names the
 * selected process and never one that reused the pid) and the watchdog starts (freeze-watchdog.ts). Every
 * process we stopped is then continued through its pidfd:
 * - by `resume()` (the scan's `finally`), `resumeAll()` (the CLI's signal handlers) or the 'exit' hook;
 * - by the watchdog when this process dies without saying it is done (SIGKILL, a crash, out of memory).
 * Only a SIGKILL of both this process and the watchdog leaves them stopped (`kill -CONT PID` then).
 * Side effect (signal(7)): after a stop and SIGCONT, some blocking calls fail with EINTR even in a program
 * that handles no signal — epoll_wait, semop, sigtimedwait, io_getevents, socket calls with SO_RCVTIMEO or
 * SO_SNDTIMEO.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { wouldBeKilled } from '../compare/probe.js';
import { InvalidArgumentError, KcmpError } from '../errors.js';
import type { ProcessIdentity } from '../procfs/identity.js';
import { isZombie, type ProcStat, readStat } from '../procfs/stat.js';
import { readStatus } from '../procfs/status.js';
import { errnoMessage, errnoName } from '../sys/errno.js';
import { libc } from '../sys/libc.js';
import { sysPidfdOpen, sysPidfdSendSignal } from '../sys/pidfd.js';
import { nodeScript } from '../util/node-script.js';

export interface Frozen {
  /** The pids we sent SIGSTOP (and will continue). */
  readonly stopped: readonly number[];
  /** The selected processes that were running during the scan after all: traced ones, left alone, and
   * ones that had not stopped by the deadline (see the header). */
  readonly notStopped: readonly NotStopped[];
  resume(): void;
}

/** A process --stop did not hold still: another process traces it (`tracerPid`: it was left alone), or it
 * had not stopped by the deadline (`state`: the state it was in then, D for an uninterruptible wait). */
export type NotStopped =
  | { pid: number; tracerPid: number }
  | { pid: number; state: string; waitedMs: number };

const SIGCONT = 18;
const SIGSTOP = 19;
const WATCHDOG_START_MS = 10_000;

interface Target {
  pid: number;
  pidfd: number;
}

/** Every freeze not resumed yet, for resumeAll() and the 'exit' hook. */
const active = new Set<() => void>();
let hooked = false;

/** Stops `processes` and waits (up to `timeoutMs`) until each reports state T. */
export async function freeze(processes: readonly ProcessIdentity[], timeoutMs = 2000): Promise<Frozen> {
  const { wanted, traced } = stoppable(processes);
  if (wanted.length === 0) return { stopped: [], notStopped: traced, resume: () => {} };
  const targets = openTargets(wanted);
  let watchdog: Watchdog;
  try {
    watchdog = await startWatchdog(targets, processes);
  } catch (error) {
    closeAll(targets);
    throw error;
  }
  const held = targets.filter((t) => watchdog.holds.has(t.pid));
  closeAll(targets.filter((t) => !watchdog.holds.has(t.pid)));
  if (!hooked) {
    process.once('exit', resumeAll);
    hooked = true;
  }
  const stopped: Target[] = [];
  let resumed = false;
  const resume = () => {
    if (resumed) return;
    resumed = true;
    active.delete(resume);
    for (const t of stopped) sysPidfdSendSignal(t.pidfd, SIGCONT);
    closeAll(held);
    watchdog.done();
  };
  active.add(resume);
  for (const t of held) {
    const tracerPid = tracerOf(t.pid);
    if (tracerPid !== 0) traced.push({ pid: t.pid, tracerPid });
    else if (sysPidfdSendSignal(t.pidfd, SIGSTOP) === 0) stopped.push(t);
  }
  const deadline = Date.now() + timeoutMs;
  const waiter = new Int32Array(new SharedArrayBuffer(4));
  for (const { pid } of stopped) {
    while (isStopped(pid) === false && Date.now() < deadline) Atomics.wait(waiter, 0, 0, 1);
  }
  // A SIGSTOP takes effect when the task next returns to user space: one in an uninterruptible wait (D: a
  // hung NFS server, a device) stops only when the wait ends. It is scanned while it runs, and said; it is
  // continued with the others (the pending stop would otherwise hold it once it wakes).
  const late: NotStopped[] = [];
  for (const { pid } of stopped) {
    if (isStopped(pid) === false) late.push({ pid, state: statOf(pid)?.state ?? '?', waitedMs: timeoutMs });
  }
  return { stopped: stopped.map((t) => t.pid), notStopped: [...traced, ...late], resume };
}

/** SIGCONT every process a freeze() stopped and has not resumed yet. */
export function resumeAll(): void {
  for (const resume of [...active]) resume();
}

/** The selected pids to stop: running ones, not traced (those are `traced`). Refuses (before stopping
 * anything) what must not be stopped. */
function stoppable(processes: readonly ProcessIdentity[]): { wanted: number[]; traced: NotStopped[] } {
  const forbidden = ancestry();
  const pids: number[] = [];
  const traced: NotStopped[] = [];
  for (const { pid } of processes) {
    if (forbidden.has(pid)) {
      throw new InvalidArgumentError(
        `refusing to stop process ${pid}: it is ${pid === process.pid ? 'kcmp itself' : 'an ancestor of kcmp'}`,
      );
    }
    const stat = statOf(pid);
    if (!stat || isZombie(stat)) continue;
    const tracerPid = tracerOf(pid);
    if (tracerPid !== 0) {
      traced.push({ pid, tracerPid });
      continue;
    }
    if (stat.state === 'T' || stat.state === 't') continue;
    if (isForegroundJob(stat)) {
      throw new InvalidArgumentError(
        `refusing to stop process ${pid}: it is in the foreground process group of its terminal, whose ` +
          'shell would take the terminal back and leave it a stopped background job',
        { remedy: `scan it without --stop, or suspend it yourself first (Ctrl-Z, or kill -STOP ${pid})` },
      );
    }
    pids.push(pid);
  }
  return { wanted: pids, traced };
}

/**
 * In the foreground process group of its terminal, with a parent outside that group: a job its parent (a
 * shell) started and waits for with WUNTRACED, so it sees the stop. A process whose parent is in its own
 * group (a child within a job, a test fixture under its runner) is not waited for that way.
 */
function isForegroundJob(stat: ProcStat): boolean {
  if (stat.ttyNr === 0 || stat.tpgid <= 0 || stat.tpgid !== stat.pgrp) return false;
  return statOf(stat.ppid)?.pgrp !== stat.pgrp;
}

/** A pidfd for each pid that is still the selected process; refuses --stop where pidfds cannot be had. */
function openTargets(pids: readonly number[]): Target[] {
  const killed = wouldBeKilled('pidfdOpen');
  if (killed) throw stopUnavailable(`pidfd_open is not called: ${killed.detail}`);
  const targets: Target[] = [];
  for (const pid of pids) {
    const pidfd = sysPidfdOpen(pid);
    if (pidfd >= 0) {
      targets.push({ pid, pidfd });
      continue;
    }
    const errno = errnoName(-pidfd);
    if (errno === 'ESRCH') continue; // exited since it was selected
    closeAll(targets);
    throw stopUnavailable(`pidfd_open(${pid}) failed: ${errno} (${errnoMessage(errno)})`);
  }
  return targets;
}

function stopUnavailable(why: string): KcmpError {
  return new KcmpError(`cannot use --stop: ${why}; nothing was stopped`, {
    remedy:
      '--stop signals through pidfds (Linux 5.3), so that a reused pid is never signalled: scan without --stop',
  });
}

function closeAll(targets: readonly Target[]): void {
  for (const t of targets) libc().close(t.pidfd);
}

interface Watchdog {
  /** The pids the watchdog holds a pidfd of (and would continue). */
  holds: ReadonlySet<number>;
  /** Tells it we continued them ourselves: it exits without signalling. */
  done(): void;
}

/** Starts the watchdog and waits for its "ready" line. Fails (nothing stopped yet) if it cannot start. */
function startWatchdog(targets: readonly Target[], processes: readonly ProcessIdentity[]): Promise<Watchdog> {
  const startOf = new Map(processes.map((p) => [p.pid, p.startTime]));
  const [command, ...args] = nodeScript(import.meta.url, 'freeze-watchdog');
  for (const t of targets) args.push(`${t.pid}:${startOf.get(t.pid)}`);
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      // Its own session: the terminal's SIGINT, SIGQUIT and SIGHUP reach kcmp, not the watchdog.
      child = spawn(command, args, { detached: true, stdio: ['pipe', 'pipe', 'ignore'] });
    } catch (error) {
      reject(watchdogFailed(error));
      return;
    }
    let line = '';
    const timer = setTimeout(() => fail('it did not answer in time'), WATCHDOG_START_MS);
    const fail = (why: unknown) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(watchdogFailed(why));
    };
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(`it exited (${signal ?? `code ${code}`})`));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      line += chunk;
      const end = line.indexOf('\n');
      if (end < 0) return;
      clearTimeout(timer);
      child.removeAllListeners('exit').removeAllListeners('error');
      child.on('error', () => {}); // a watchdog lost later only loses the fallback
      child.stdout?.destroy();
      child.unref();
      (child.stdin as Socket | null)?.unref();
      const holds = new Set(line.slice('ready '.length, end).split(',').filter(Boolean).map(Number));
      // One byte on a pipe: libuv writes it at once when nothing is queued, so it is out before we exit.
      resolve({ holds, done: () => child.stdin?.end('d') });
    });
  });
}

function watchdogFailed(why: unknown): KcmpError {
  const text = why instanceof Error ? why.message : String(why);
  return new KcmpError(
    `cannot use --stop: the watchdog process that would continue the targets if kcmp died could not start (${text}); nothing was stopped`,
    {
      remedy: 'check that this process may start node (ulimit -u, ulimit -n, memory), or scan without --stop',
    },
  );
}

function statOf(pid: number): ProcStat | undefined {
  try {
    return readStat(pid);
  } catch {
    return undefined;
  }
}

/** The pid of the process tracing `pid` (TracerPid), 0 when none, or when `pid` is gone (nothing to stop). */
function tracerOf(pid: number): number {
  try {
    return readStatus(pid).tracerPid;
  } catch {
    return 0;
  }
}

/** true: stopped (T, or t under a tracer); false: running; undefined: gone or a zombie (nothing to stop). */
function isStopped(pid: number): boolean | undefined {
  const stat = statOf(pid);
  return !stat || isZombie(stat) ? undefined : stat.state === 'T' || stat.state === 't';
}

/** Our pid and every ancestor's, up to the top of our PID namespace. */
function ancestry(): Set<number> {
  const pids = new Set<number>();
  for (let pid = process.pid; pid > 0 && !pids.has(pid); ) {
    pids.add(pid);
    const stat = statOf(pid);
    if (!stat) break;
    pid = stat.ppid;
  }
  return pids;
}
