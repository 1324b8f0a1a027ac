/**
 * Process identity: (pid, start time). A pid alone is not an identity — pids are reused — so every scan
 * records the start time before it reads a process and checks it again after: a mismatch means the process
 * we read is not the one we started with, and its results are dropped as an error, never merged.
 */
import { listTasks } from './processes.js';
import { isZombie, readStat } from './stat.js';

export interface ProcessIdentity {
  pid: number;
  startTime: number;
}

/** The identity of a live task, or undefined if it is gone. */
export function readIdentity(pid: number, tid?: number): ProcessIdentity | undefined {
  try {
    const stat = readStat(pid, tid);
    return { pid: tid ?? pid, startTime: stat.startTime };
  } catch {
    return undefined;
  }
}

/** True while the task with this pid is still the same process (not exited, pid not reused). */
export function stillSame(identity: ProcessIdentity, tgid = identity.pid): boolean {
  const now = readIdentity(tgid, tgid === identity.pid ? undefined : identity.pid);
  return now !== undefined && now.startTime === identity.startTime;
}

/**
 * What the process selected as `identity` is now:
 * - `running`: the same process, its leader not a zombie;
 * - `zombie`: exited, not reaped — its leader a zombie and its last task; it holds no fd table any more
 *   (exit_files runs before a task turns zombie);
 * - `in-flux`: the same process, its leader a zombie while other tasks live on: a thread's execve under
 *   way (de_thread waits for the leader to turn zombie, then gives its pid and start time to the exec'ing
 *   thread), or a leader that called pthread_exit alone;
 * - `gone`: /proc/PID cannot be read (exited and reaped — or, for a moment, an execve handing the pid over);
 * - `replaced`: its pid names a process with another start time.
 */
export type ProcessState = 'running' | 'zombie' | 'in-flux' | 'gone' | 'replaced';

export function processState(identity: ProcessIdentity): ProcessState {
  let stat: ReturnType<typeof readStat>;
  try {
    stat = readStat(identity.pid);
  } catch {
    return 'gone';
  }
  if (stat.startTime !== identity.startTime) return 'replaced';
  if (!isZombie(stat)) return 'running';
  return listTasks(identity.pid).every((tid) => tid === identity.pid) ? 'zombie' : 'in-flux';
}
