/**
 * `--stop` never leaves a target stopped: whatever ends kcmp mid-scan — any catchable terminating signal,
 * SIGKILL, a crash — the processes it stopped run again, and kcmp dies of the signal it got. And it refuses
 * to stop a foreground job of a terminal, which its shell would leave stopped, and leaves a traced process
 * alone, which only its tracer could continue.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import type { FdsReport } from '../src/inspect/fds/fds-report.js';
import { mkfds } from './fixture/mkfds.js';
import { runCliAsync } from './helpers/cli-async.js';
import { waitFor } from './helpers/exporter.js';
import { pick } from './helpers/kernel.js';
import { catchMidScan, stateOf, stillStopped } from './helpers/mid-scan.js';

/** The signals the old handlers missed, and those they had: every one must continue the targets. */
const FDS_SIGNALS: readonly NodeJS.Signals[] = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
  'SIGALRM',
  'SIGPIPE',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGVTALRM',
  'SIGPROF',
];
const LEAKS_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'];

/** The fixture's pids. Should a test fail with them stopped, they are continued before the fixture's teardown. */
async function fixturePids(t: Parameters<typeof mkfds>[0]): Promise<number[] | null> {
  const pids: number[] = [];
  t.after(() => {
    for (const pid of pids) if (stateOf(pid) === 'T') process.kill(pid, 'SIGCONT');
  });
  const f = await mkfds(t, 'random', ['91', '3', '600']);
  if (f) pids.push(...Object.values(f.pids));
  return f && pids;
}

/** Signals kcmp mid-scan, one run at a time (each must catch the targets stopped), and checks the end. */
async function signalMidScan(
  command: string,
  pids: readonly number[],
  signal: NodeJS.Signals,
): Promise<void> {
  const { cli, ended } = await catchMidScan([command, '-p', pids.join(','), '--stop', '-J'], pids);
  process.kill(cli.pid as number, signal);
  process.kill(cli.pid as number, 'SIGCONT');
  const end = await ended;
  assert.deepEqual(await stillStopped(pids), [], `${command} ${signal}: targets left stopped`);
  assert.equal(end.signal, signal, `${command}: died of ${end.signal ?? `exit ${end.code}`}, not ${signal}`);
}

test('fds --stop: every catchable terminating signal mid-scan continues the targets, then kcmp dies of it', async (t) => {
  const pids = await fixturePids(t);
  if (!pids) return;
  for (const signal of FDS_SIGNALS) await signalMidScan('fds', pids, signal);
});

test('leaks --stop: signals mid-scan continue the targets, then kcmp dies of the signal', async (t) => {
  const pids = await fixturePids(t);
  if (!pids) return;
  for (const signal of LEAKS_SIGNALS) await signalMidScan('leaks', pids, signal);
});

test('--stop: SIGKILL of kcmp and its process group mid-scan — the watchdog continues the targets', async (t) => {
  const pids = await fixturePids(t);
  if (!pids) return;
  for (const command of ['fds', 'leaks']) {
    const { cli, ended } = await catchMidScan([command, '-p', pids.join(','), '--stop'], pids, {
      detached: true,
    });
    process.kill(-(cli.pid as number), 'SIGKILL'); // kcmp's whole group, as a terminal's kill would
    assert.equal((await ended).signal, 'SIGKILL');
    assert.deepEqual(await stillStopped(pids), [], `${command}: targets left stopped after SIGKILL`);
  }
});

test('--stop: a foreground job of a terminal is refused in one line, exit 2, and never stopped', async (t) => {
  // python3's pty.fork(): the child is a session leader whose controlling terminal is the pty, and the
  // foreground group of that terminal is the child's own — as a shell's foreground job; the parent (the
  // "shell") stays in another group.
  const script = [
    'import os, pty, sys, time',
    'pid, master = pty.fork()',
    'if pid == 0:',
    '    os.execvp("sleep", ["sleep", "60"])',
    'print(pid, flush=True)',
    'sys.stdin.read()',
    'os.kill(pid, 9)',
  ].join('\n');
  const shell = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const started = await new Promise<string | Error>((resolve) => {
    shell.once('error', resolve);
    shell.stdout.once('data', (d: Buffer) => resolve(d.toString()));
  });
  if (started instanceof Error) return t.skip(`python3 is needed to make a pty: ${started.message}`);
  t.after(() => shell.stdin.end());
  const job = Number(started.trim());
  for (const command of ['fds', 'leaks']) {
    const r = await runCliAsync([command, '-p', String(job), '--stop']);
    assert.equal(r.code, 2, `${command}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] ?? '', new RegExp(`refusing to stop process ${job}: it is in the foreground`));
    assert.notEqual(stateOf(job), 'T');
  }
  // Without --stop it is scanned as usual.
  assert.equal((await runCliAsync(['fds', '-p', String(job)])).code, 0);
});

test('--stop leaves a traced process as it was, and says its part of the snapshot is not exact', async (t) => {
  const f = await mkfds(t, 'traced'); // main traces tracee (PTRACE_SEIZE): it runs on, as under a debugger
  if (!f) return;
  const { main, tracee } = pick(f.pids, 'main', 'tracee');
  await waitFor('the tracee to sleep', async () => (stateOf(tracee) === 'S' ? true : undefined));
  const r = await runCliAsync(['fds', '-p', String(tracee), '--stop', '--all', '-J']);
  assert.equal(r.code, 2, 'asked for an exact snapshot, it got none: exit 2, with the full report');
  assert.match(
    r.stderr,
    new RegExp(`^kcmp: --stop did not hold every process still: process ${tracee} was not stopped: `),
  );
  assert.equal(
    stateOf(tracee),
    'S',
    'never stopped: a SIGSTOP would have left it stopped for its tracer (t)',
  );
  const report = JSON.parse(r.stdout) as FdsReport;
  assert.ok(report.stats.fds > 0, 'its fds were read all the same');
  assert.deepEqual(
    report.errors.map((e) => [e.pid, e.fd, e.syscall, e.errno, e.reason]),
    [[tracee, null, null, null, 'not-stopped']],
  );
  assert.match(
    report.errors[0]?.message ?? '',
    new RegExp(`not stopped: process ${main} traces it .* not exact`),
  );
  const table = await runCliAsync(['fds', '-p', String(tracee), '--stop']);
  assert.equal(table.code, 2, table.stderr);
  assert.match(table.stdout, new RegExp(`^ +${tracee} \\S+ +ERROR +not-stopped$`, 'm'), table.stdout);
  assert.match(
    table.stdout,
    /, 1 error,.*\nnot an exact snapshot of process \d+: --stop did not hold it still/,
  );
  const leaks = await runCliAsync(['leaks', '-p', String(tracee), '--stop']);
  assert.equal(leaks.code, 0, `read in full, only not stopped: nothing undecided: ${leaks.stderr}`);
  assert.match(leaks.stderr, new RegExp(`^kcmp: process ${tracee} was not stopped: .*not exact\\n$`));
  assert.equal(stateOf(tracee), 'S');
});

test('--stop says which target had not stopped by the deadline (D: an uninterruptible wait), exit 2', async (t) => {
  const f = await mkfds(t, 'vfork_wait');
  if (!f) return;
  const { waiter } = pick(f.pids, 'waiter');
  assert.equal(stateOf(waiter), 'D', 'held in its vfork wait');
  const r = await runCliAsync(['fds', '-p', String(waiter), '--stop', '--all', '-J']);
  assert.equal(r.code, 2, r.stderr);
  const report = JSON.parse(r.stdout) as FdsReport;
  assert.ok(report.stats.fds > 0, 'its fds were read all the same');
  assert.deepEqual(
    report.errors.map((e) => [e.pid, e.syscall, e.errno, e.reason]),
    [[waiter, null, null, 'not-stopped']],
  );
  assert.match(
    report.errors[0]?.message ?? '',
    /had not stopped 2 s after SIGSTOP \(state D: in an uninterruptible wait/,
  );
  assert.match(
    r.stderr,
    new RegExp(`^kcmp: --stop did not hold every process still: process ${waiter} was not stopped`),
  );
  assert.equal(stateOf(waiter), 'D', 'continued as it was: the pending stop was taken back by SIGCONT');
});
