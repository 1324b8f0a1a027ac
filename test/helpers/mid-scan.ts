/**
 * Catches a `--stop` scan in the middle: starts the CLI, waits until every target is stopped, then stops
 * kcmp itself (SIGSTOP) and checks the targets are still stopped — so kcmp had frozen them and not yet
 * continued them. A run that finished before it could be caught is retried. The test then sends what it
 * wants (a signal, SIGKILL) and continues kcmp.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readStat } from '../../src/procfs/stat.js';
import { CLI } from './cli.js';

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
    // A busy wait: a timer's few milliseconds could miss a small scan's whole stop.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && stateOf(pid) !== 'gone' && cli.exitCode === null) {
      if (targets.every((t) => stateOf(t) === 'T')) break;
    }
    if (targets.every((t) => stateOf(t) === 'T') && cli.exitCode === null) {
      process.kill(pid, 'SIGSTOP');
      while (!['T', 'gone', 'Z'].includes(stateOf(pid))) {
        // until it is stopped
      }
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
