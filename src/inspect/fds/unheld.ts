/**
 * The fd tables of a selection, with no live process left without one. fdTables (fd-tables.ts) reads no
 * table through a zombie leader and drops tasks that are gone, so a process can end up holding no table:
 * a zombie (its table is released at exit), a process that exited since it was selected — or a live
 * process caught in the middle of a thread's execve. A non-leader thread that calls execve kills the other
 * threads and waits for the leader to turn zombie before it takes the leader's pid (de_thread, fs/exec.c):
 * until then /proc/PID/stat says Z and /proc/PID/fd lists nothing, and once the swap is done the exec'ing
 * thread's tid is gone (ESRCH) while the process runs on under PID. A selection made in that window sees a
 * zombie whose tasks all vanish.
 *
 * So a process without a table is taken for a zombie only when it still is one and its leader is its last
 * task. One that runs again (same start time: de_thread gives the exec'ing thread the leader's), or is
 * still a zombie leader with other tasks, or is not found for a moment (during the swap /proc/PID can
 * answer ENOENT), is selected again after a pause and its tables found again, a few times. A process
 * still in that state after the last round is an error row (`unsettled`), never "a zombie with no fds";
 * one that stays gone, or whose pid now names another process, is left to the identity check (describe.ts).
 */
import type { ProbeResult } from '../../compare/probe.js';
import { processState } from '../../procfs/identity.js';
import { reselect, type SelectedProcess } from '../../procfs/select.js';
import { type FdTablesFound, fdTables } from './fd-tables.js';

/** How often the processes left without a table are selected again, and the pause before each time. */
const ROUNDS = 5;
const PAUSE_MS = 2;

export interface SettledTables extends FdTablesFound {
  /** The selection, with each process that was selected again as it was read the last time. */
  processes: SelectedProcess[];
  /** Zombies: exited, not reaped, their leader their last task. */
  zombies: SelectedProcess[];
  /** Live processes without a table after every round: still in the middle of an execve, or their
   * threads exiting, each time they were read. */
  unsettled: SelectedProcess[];
}

/** fdTables of `processes`, with the processes left without a table settled as the header says. */
export function settledFdTables(processes: readonly SelectedProcess[], blocked?: ProbeResult): SettledTables {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let current = [...processes];
  let comparisons = 0;
  for (let round = 1; ; round++) {
    const found = fdTables(current, blocked);
    comparisons += found.comparisons;
    const held = new Set(found.tables.flatMap((t) => [t.pid, ...t.sharedBy]));
    const unheld = current.filter((p) => !held.has(p.pid)).map((p) => ({ p, now: processState(p) }));
    // Running again or still mid-exec: read it again; not found: maybe the moment of the pid's handover.
    const retry = unheld.filter(({ now }) => now === 'running' || now === 'in-flux' || now === 'gone');
    if (retry.length === 0 || round === ROUNDS) {
      return {
        ...found,
        comparisons,
        processes: current,
        zombies: unheld.filter(({ now }) => now === 'zombie').map(({ p }) => p),
        unsettled: unheld.filter(({ now }) => now === 'running' || now === 'in-flux').map(({ p }) => p),
      };
    }
    Atomics.wait(pause, 0, 0, PAUSE_MS);
    const again = new Map(retry.map(({ p }) => [p.pid, reselect(p) ?? p]));
    current = current.map((p) => again.get(p.pid) ?? p);
  }
}
