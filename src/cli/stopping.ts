/**
 * `--stop` in the CLI, for every command that stops processes: each catchable terminating signal
 * (terminating-signals.ts) continues the stopped processes and then ends kcmp with that same signal, its
 * default action restored, so the shell reports what killed it (exit 128 + n if the signal somehow does
 * not end us). What cannot be caught is left to the --stop watchdog (freeze.ts).
 *
 * A signal that arrives while the scan runs synchronously is only recorded (Node runs listeners from the
 * event loop), and is handled at the loop's next poll — after the scan's own `finally` may have continued
 * the targets. So the handlers stay for the rest of the run, and the scan ends with one turn of the loop:
 * Node's signal handles do not keep a process alive, and one that had nothing left to wait for would exit
 * without reading the signal, with code 0.
 */
import { constants } from 'node:os';
import { resumeAll } from '../inspect/freeze.js';
import { CATCHABLE_TERMINATING_SIGNALS } from '../inspect/terminating-signals.js';

let installed = false;

/** Runs `scan`; with `stop`, under the handlers that continue what it stopped. */
export async function whileStopping<T>(stop: boolean, scan: () => Promise<T>): Promise<T> {
  if (!stop) return scan();
  if (!installed) for (const signal of CATCHABLE_TERMINATING_SIGNALS) process.on(signal, dieOf);
  installed = true;
  try {
    return await scan();
  } finally {
    // Two check phases have a poll phase between them, whichever phase the scan ended in.
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
  }
}

function dieOf(signal: NodeJS.Signals): void {
  resumeAll();
  for (const s of CATCHABLE_TERMINATING_SIGNALS) process.removeAllListeners(s); // the default action again
  process.kill(process.pid, signal);
  process.exit(128 + (constants.signals[signal] ?? 0));
}
