/**
 * `--stop`: SIGSTOP the selected processes for an exact snapshot, and SIGCONT them afterwards.
 *
 * kcmp compares whatever each fd number names at the moment of the call, with no reference held
 * (the man page: "not protected against false positives … stop the processes"): only
 * stopped processes make a scan exact. Stopping is intrusive, so it is opt-in, and it is refused for our
 * own process and its ancestors (stopping the shell that waits for us would hang the terminal).
 *
 * A process that was already stopped (state T or t) is left alone and NOT continued afterwards. Every
 * process we stopped is continued on every exit path we can see: `resume()` from a `finally`, `resumeAll()`
 * from the CLI's SIGINT/SIGTERM/SIGHUP handlers, and a process 'exit' hook. Only SIGKILL of this process
 * can leave them stopped (`kill -CONT PID` then).
 */
import { InvalidArgumentError } from '../errors.js';
import { isZombie, readStat } from '../procfs/stat.js';

export interface Frozen {
  /** The pids we stopped (and will continue). */
  readonly stopped: readonly number[];
  resume(): void;
}

const frozen = new Set<number>();
let hooked = false;

/** Stops `pids` and waits (up to `timeoutMs`) until each reports state T. */
export function freeze(pids: readonly number[], timeoutMs = 2000): Frozen {
  const forbidden = ancestry();
  for (const pid of pids) {
    if (forbidden.has(pid)) {
      throw new InvalidArgumentError(
        `refusing to stop process ${pid}: it is ${pid === process.pid ? 'kcmp itself' : 'an ancestor of kcmp'}`,
      );
    }
  }
  if (!hooked) {
    process.once('exit', resumeAll);
    hooked = true;
  }
  const stopped: number[] = [];
  for (const pid of pids) {
    if (isStopped(pid) !== false) continue; // already stopped, or gone
    try {
      process.kill(pid, 'SIGSTOP');
    } catch {
      continue; // exited, or not ours to signal: the scan will say what it can of it
    }
    frozen.add(pid);
    stopped.push(pid);
  }
  const deadline = Date.now() + timeoutMs;
  const waiter = new Int32Array(new SharedArrayBuffer(4));
  for (const pid of stopped) {
    while (isStopped(pid) === false && Date.now() < deadline) Atomics.wait(waiter, 0, 0, 1);
  }
  return { stopped, resume: () => resume(stopped) };
}

/** SIGCONT every process a freeze() stopped and has not resumed yet. */
export function resumeAll(): void {
  resume([...frozen]);
}

function resume(pids: readonly number[]): void {
  for (const pid of pids) {
    if (!frozen.delete(pid)) continue;
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // exited meanwhile
    }
  }
}

/** true: stopped (T, or t under a tracer); false: running; undefined: gone or a zombie (nothing to stop). */
function isStopped(pid: number): boolean | undefined {
  try {
    const stat = readStat(pid);
    return isZombie(stat) ? undefined : stat.state === 'T' || stat.state === 't';
  } catch {
    return undefined;
  }
}

/** Our pid and every ancestor's, up to the top of our PID namespace. */
function ancestry(): Set<number> {
  const pids = new Set<number>();
  for (let pid = process.pid; pid > 0 && !pids.has(pid); ) {
    pids.add(pid);
    try {
      pid = readStat(pid).ppid;
    } catch {
      break;
    }
  }
  return pids;
}
