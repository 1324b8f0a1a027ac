/**
 * Catches a `--stop` scan in the middle: starts the CLI, waits until every target is stopped, then stops
 * kcmp itself (SIGSTOP) and checks the targets are still stopped — so kcmp had frozen them and not yet
 * continued them. A run that finished before it could be caught is retried. The test then sends what it
 * wants (a signal, SIGKILL) and continues kcmp.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readStat } from '../../src/procfs/stat.js';
import { CLI } from './cli.js';
import { sleepSync } from './wait.js';

/** Between two reads of /proc/PID/stat while waiting for a state. */
const POLL_MS = 0.2;

export function stateOf(pid: number): string {
  try {
    return readStat(pid).state;
  } catch {
    return 'gone';
  }
}

export interface CaughtScan {
  cli: ChildProcess;
  /** Resolves with how kcmp ended. */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `args` run as `sh -c 'ulimit -c 0; exec node CLI …'`: a signal whose default action dumps core (SIGQUIT,
 * SIGXCPU) then leaves no core file behind. `detached` puts kcmp in a process group of its own.
 */
export async function catchMidScan(
  args: readonly string[],
  targets: readonly number[],
  options: { detached?: boolean; attempts?: number } = {},
): Promise<CaughtScan> {
  for (let attempt = 0; attempt < (options.attempts ?? 20); attempt++) {
    const cli = spawn('sh', ['-c', 'ulimit -c 0; exec "$@"', 'sh', process.execPath, CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached ?? false,
    });
    cli.stdout?.resume();
    cli.stderr?.resume();
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      cli.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const pid = cli.pid as number;
    // Polled synchronously, 0.2 ms apart: a timer's turn of the event loop (a millisecond or more) could
    // miss a small scan's whole stop, and a spin would take a core from the scan it waits for.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !['gone', 'Z'].includes(stateOf(pid))) {
      if (targets.every((t) => stateOf(t) === 'T')) break;
      sleepSync(POLL_MS);
    }
    if (targets.every((t) => stateOf(t) === 'T') && cli.exitCode === null) {
      process.kill(pid, 'SIGSTOP');
      // SIGSTOP takes effect when kcmp next returns to user mode: microseconds, unless it is off a core.
      while (!['T', 'gone', 'Z'].includes(stateOf(pid))) sleepSync(POLL_MS);
      if (targets.every((t) => stateOf(t) === 'T')) return { cli, ended };
      process.kill(pid, 'SIGCONT');
    }
    await ended;
  }
  throw new Error(`could not catch kcmp ${args.join(' ')} while it held the targets stopped`);
}

/** Waits until no target is stopped (or `timeoutMs` passes); returns those still stopped. */
export async function stillStopped(targets: readonly number[], timeoutMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stopped = targets.filter((t) => stateOf(t) === 'T');
    if (stopped.length === 0 || Date.now() > deadline) return stopped;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
