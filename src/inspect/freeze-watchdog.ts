/**
 * The --stop watchdog: a child process that continues the stopped targets if kcmp dies without saying it
 * is done — killed by SIGKILL, an uncatchable or real fault (SIGSEGV, an OOM abort), a signal Node cannot
 * listen to (the real-time ones) — so that only a SIGKILL of both kcmp and the watchdog can leave a target
 * stopped.
 *
 *   kcmp ──argv: pid:startTime …──▶ watchdog: pidfd_open each, check its start time, ignore signals
 *   kcmp ◀──────── "ready PID,PID…\n" ── (the pids it holds; kcmp stops only those)
 *   kcmp ──stdin: "d", EOF──▶ exit quietly          (kcmp continued them itself)
 *   kcmp dies: EOF without "d" ──▶ pidfd_send_signal(SIGCONT) to each, exit
 *
 * The kernel closes a dead process's fds, whatever killed it, so the watchdog always sees EOF. It holds
 * pidfds, not pids: a pidfd names one process for good, so a target that exited and whose pid was reused
 * is never signalled (pidfd_send_signal answers ESRCH). The start time checked after pidfd_open proves the
 * pidfd is of the process kcmp selected, not of one that took its pid before the open.
 *
 * It runs in its own session (kcmp spawns it detached), so a terminal's SIGINT/SIGHUP does not reach it,
 * and it ignores every catchable terminating signal besides.
 */
import '../util/sigusr1-guard.js'; // first: SIGUSR1 must not open an inspector (see there)
import { readStat } from '../procfs/stat.js';
import { sysPidfdOpen, sysPidfdSendSignal } from '../sys/pidfd.js';
import { CATCHABLE_TERMINATING_SIGNALS } from './terminating-signals.js';

const SIGCONT = 18;

for (const signal of CATCHABLE_TERMINATING_SIGNALS) process.on(signal, () => {});

const held: { pid: number; pidfd: number }[] = [];
for (const arg of process.argv.slice(2)) {
  const [pid, startTime] = arg.split(':').map(Number) as [number, number];
  const pidfd = sysPidfdOpen(pid);
  if (pidfd < 0) continue; // gone already: nothing to continue
  try {
    if (readStat(pid).startTime === startTime) held.push({ pid, pidfd });
  } catch {
    // gone between the open and the read
  }
}
process.stdout.write(`ready ${held.map((h) => h.pid).join(',')}\n`);

let done = false;
process.stdin.on('data', (chunk: Buffer) => {
  if (chunk.includes(0x64)) done = true; // "d"
});
process.stdin.on('close', () => {
  if (!done) for (const { pidfd } of held) sysPidfdSendSignal(pidfd, SIGCONT);
  process.exit(0);
});
