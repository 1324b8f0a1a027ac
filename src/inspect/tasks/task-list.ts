/**
 * The tasks to compare: every thread of the selected processes (from /proc/PID/task), with the start
 * time that makes (tid, start time) an identity (procfs/identity.ts). Zombies and kernel threads are error
 * rows from the start: their vm, files, fs (and io, sysvsem) are NULL or not their own, so kcmp would call
 * them equal to each other. `recheck` tells whether a task changed since it was read.
 */
import { fsErrno } from '../../procfs/errors.js';
import type { SelectedProcess } from '../../procfs/select.js';
import { isKernelThread, isZombie, readStat } from '../../procfs/stat.js';
import { isGone, isPrivilege } from '../../sys/errno.js';
import type { TaskError, TaskInfo } from './tasks-report.js';

export interface Candidate extends TaskInfo {
  /** Clock ticks after boot (stat field 22): changes when the tid is reused by another task. */
  startTime: number;
}

/** Reads every task of the selected processes; zombies, kernel threads and vanished tasks become errors. */
export function collectTasks(processes: readonly SelectedProcess[], errors: TaskError[]): Candidate[] {
  const tasks: Candidate[] = [];
  for (const { pid, tasks: tids } of processes) {
    if (tids.length === 0) {
      errors.push({
        pid,
        tid: null,
        command: null,
        kind: null,
        reason: 'gone',
        syscall: 'readdir',
        errno: 'ENOENT',
        message: `process ${pid} does not exist (or exited)`,
      });
      continue;
    }
    for (const tid of tids) {
      let stat: ReturnType<typeof readStat>;
      try {
        stat = readStat(pid, tid);
      } catch (error) {
        const errno = fsErrno(error);
        const reason = isGone(errno) ? 'gone' : isPrivilege(errno) ? 'denied' : 'failed';
        errors.push({
          pid,
          tid,
          command: null,
          kind: null,
          reason,
          syscall: 'stat',
          errno,
          message: `task ${tid}: /proc/${pid}/task/${tid}/stat: ${errno}`,
        });
        continue;
      }
      const row = { pid, tid, command: stat.comm, kind: null, syscall: null, errno: null } as const;
      if (isKernelThread(stat)) {
        errors.push({
          ...row,
          reason: 'kernel-thread',
          message: `task ${tid} (${stat.comm}) is a kernel thread: it has no mm, files or fs of its own`,
        });
      } else if (isZombie(stat)) {
        errors.push({
          ...row,
          reason: 'zombie',
          message: `task ${tid} (${stat.comm}) is a zombie: its vm, files, fs, io and sysvsem are gone (NULL), so kcmp would call them equal to every other zombie's`,
        });
      } else {
        tasks.push({ pid, tid, ppid: stat.ppid, command: stat.comm, startTime: stat.startTime });
      }
    }
  }
  return tasks;
}

/** Why a task can no longer be trusted, or undefined if it is still the task we compared. */
export function recheck(task: Candidate): TaskError | undefined {
  const who = { pid: task.pid, tid: task.tid, command: task.command, kind: null } as const;
  try {
    const stat = readStat(task.pid, task.tid);
    if (stat.startTime !== task.startTime) {
      return {
        ...who,
        reason: 'reused',
        syscall: null,
        errno: null,
        message: `task ${task.tid} was replaced by another with the same tid during the scan`,
      };
    }
    if (isZombie(stat)) {
      return {
        ...who,
        reason: 'zombie',
        syscall: null,
        errno: null,
        message: `task ${task.tid} (${task.command}) exited during the scan`,
      };
    }
  } catch (error) {
    return {
      ...who,
      reason: 'gone',
      syscall: 'stat',
      errno: fsErrno(error),
      message: `task ${task.tid} (${task.command}) exited during the scan`,
    };
  }
  return undefined;
}
