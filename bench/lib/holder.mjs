/**
 * Starts bench/fdholder (processes holding many fds) and guarantees it is gone on every exit path of the
 * benchmark: normal end, an exception, SIGINT/SIGTERM/SIGHUP. fdholder leads its own process group, and
 * its workers die with it (PR_SET_PDEATHSIG), so killing the group is the last resort; the first is
 * "DONE" on its stdin, which also lets it remove its scratch file.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { buildC } from './build-c.mjs';

const live = new Set();

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

process.on('exit', () => {
  for (const holder of live) killGroup(holder.child.pid);
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, async () => {
    await Promise.all([...live].map((holder) => holder.stop()));
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}

/**
 * Starts `fdholder -n procs -f fdsPerProc -s shared -S seed` (with -k when `keep`: the coordinator keeps
 * the shared fds); resolves when every worker holds its fds. Returns { pids (the workers'), child, stop() }.
 */
export async function startHolder({ procs, fdsPerProc, shared, seed, keep = false }) {
  const binary = buildC('fdholder');
  const args = [
    ...['-n', procs, '-f', fdsPerProc, '-s', shared, '-S', seed].map(String),
    ...(keep ? ['-k'] : []),
  ];
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const holder = {
    child,
    pids: [],
    async stop() {
      if (!live.has(holder)) return;
      child.stdin.end('DONE\n');
      const timeout = new Promise((resolve) => setTimeout(resolve, 5000).unref());
      await Promise.race([exited, timeout]);
      killGroup(child.pid);
      live.delete(holder);
    },
  };
  live.add(holder);
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((resolve) => {
    lines.once('line', resolve);
    lines.once('close', () => resolve(null));
  });
  if (first === null) {
    await holder.stop();
    throw new Error(`fdholder ${args.join(' ')} failed (exit ${child.exitCode})`);
  }
  holder.pids = first.trim().split(/\s+/).map(Number);
  return holder;
}
