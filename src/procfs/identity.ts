/**
 * Process identity: (pid, start time). A pid alone is not an identity — pids are reused — so every scan
 * records the start time before it reads a process and checks it again after: a mismatch means the process
 * we read is not the one we started with, and its results are dropped as an error, never merged.
 */
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
 * True while process `identity` is the same process (stillSame) and its task `tid` (its leader by default)
 * has not exited: a zombie — exited, not reaped — keeps its pid and start time but holds no fd table any
 * more (exit_files runs before the task turns zombie), so it can read nobody's table.
 */
export function stillLive(identity: ProcessIdentity, tid = identity.pid): boolean {
  try {
    const stat = readStat(identity.pid);
    if (stat.startTime !== identity.startTime) return false;
    return !isZombie(tid === identity.pid ? stat : readStat(identity.pid, tid));
  } catch {
    return false; // gone
  }
}
