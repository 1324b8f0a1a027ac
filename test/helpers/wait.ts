/**
 * Waits for helpers that must stay synchronous — inside a scripted kcmp call, or while a kcmp child holds
 * processes stopped and a timer's turn of the event loop could miss the moment — without spinning: the
 * thread sleeps in Atomics.wait, so the processes under test keep both cores of a small machine.
 */
import { readFileSync } from 'node:fs';
import { type ProcStat, readStat } from '../../src/procfs/stat.js';

const cell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread for `ms` milliseconds (fractions allowed); nothing ever wakes the cell early. */
export function sleepSync(ms: number): void {
  Atomics.wait(cell, 0, 0, ms);
}

/** Reads /proc/PID/comm (its trailing newline trimmed); throws the read's error. */
function readComm(pid: number): string {
  return readFileSync(`/proc/${pid}/comm`, 'latin1').trim();
}

/** How long /proc/PID/comm may stay unreadable (ENOENT, ESRCH) before the process counts as gone. */
const GONE_MS = 1000;

/**
 * Waits (polling every millisecond, at most `timeoutMs`) until process `pid`'s comm is `comm`: how a test
 * sees an exec take over the task. Not yet its fds: begin_new_exec() sets the comm before it closes the
 * close-on-exec fds, so a test that counts fds waits for the new program to block (its stat state S). While a non-leader thread's execve runs de_thread(), which releases the exited
 * leader and hands the pid to the exec'ing thread, /proc/PID/comm can be unreadable for a moment: ENOENT
 * when the lookup at open finds no task for the pid, ESRCH when the task the open found is released before
 * the read (comm_show: get_proc_task() returns NULL). Those are "not yet", as is the old comm; unreadable
 * for GONE_MS in a row, the process is gone and this throws, naming the errno. `read` is for tests.
 */
export function waitComm(pid: number, comm: string, timeoutMs = 10_000, read = readComm): void {
  const deadline = Date.now() + timeoutMs;
  let unreadableSince: number | undefined;
  let last = '';
  for (;;) {
    try {
      last = read(pid);
      unreadableSince = undefined;
      if (last === comm) return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ESRCH') throw error;
      last = code;
      unreadableSince ??= Date.now();
      if (Date.now() - unreadableSince >= GONE_MS)
        throw new Error(
          `process ${pid} is gone: reading /proc/${pid}/comm failed with ${code} for ${GONE_MS} ms`,
        );
    }
    if (Date.now() > deadline) throw new Error(`process ${pid} never became ${comm} (last: ${last})`);
    sleepSync(1);
  }
}

/**
 * Waits (polling every millisecond, at most `timeoutMs`) until `until` holds for the stat of process
 * `pid` — undefined while /proc/PID/stat cannot be read: gone, or for a moment while an execve hands the
 * pid over. For a state a test brought about itself (a SIGKILL taking effect, a leader turned zombie).
 */
export function waitStat(
  pid: number,
  until: (stat: ProcStat | undefined) => boolean,
  what: string,
  timeoutMs = 5000,
): void {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let stat: ProcStat | undefined;
    try {
      stat = readStat(pid);
    } catch {
      stat = undefined;
    }
    if (until(stat)) return;
    if (Date.now() > deadline) throw new Error(`process ${pid} never ${what}`);
    sleepSync(1);
  }
}
