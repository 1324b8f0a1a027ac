/**
 * `kcmp fds` as an unprivileged user (nobody) over a random tree of nobody's own processes and a tree of
 * root's: nobody's are grouped exactly — with kcmp, and under a seccomp filter with --borrow — root's are
 * error rows, never descriptions; and with kcmp blocked and no --borrow, nothing false either
 * (kcmp-spec.md §4.3: same uid and dumpable; §6.3: pidfd_getfd needs attach rights, which nobody has over
 * its own dumpable processes when Yama allows it).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { FdsReport } from '../src/inspect/fds/fds-report.js';
import { readSysctl } from '../src/procfs/sysctl.js';
import { sysDupfdQuery } from '../src/sys/fcntl.js';
import { mkfds, startFixture } from './fixture/mkfds.js';
import { seccompWrapper } from './fixture/seccomp.js';
import { runCliAsync } from './helpers/cli-async.js';
import { assertSound, oracle, partition } from './helpers/fds.js';
import { nobodyWrapper } from './helpers/nobody.js';

const SEED = Number(process.env.KCMP_TEST_SEED ?? Math.floor(Math.random() * 1e6));

test('as nobody: own processes grouped exactly (kcmp, or --borrow under a filter), root processes as error rows', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to start processes as nobody and as root');
  if (spawnSync('setpriv', ['--version']).status !== 0) return t.skip('setpriv is not installed');
  if (sysDupfdQuery(0, 0) < 0) return t.skip('F_DUPFD_QUERY (the oracle, and --borrow) needs Linux 6.10');
  const NOBODY = nobodyWrapper();
  const theirs = await startFixture('random', [String(SEED), '3', '60'], { wrapper: NOBODY });
  t.after(() => theirs.stop());
  const root = await mkfds(t, 'fork');
  if (!root) return;
  const own = Object.values(theirs.pids);
  const roots = [root.pids.main, root.pids.child] as number[];
  const truth = oracle(own);
  const args = ['fds', '-p', [...own, ...roots].join(','), '--all', '--json'];
  // Yama scope 1 and up refuses pidfd_getfd of non-descendants without CAP_SYS_PTRACE (spec §6.3).
  const yama = Number(readSysctl('kernel/yama/ptrace_scope') ?? 0);

  const run = async (label: string, wrapper: string[], extra: string[] = []): Promise<FdsReport> => {
    const r = await runCliAsync([...args, ...extra], { wrapper });
    const what = `${label} (seed ${SEED}: KCMP_TEST_SEED=${SEED})`;
    assert.equal(r.signal, null, what);
    assert.equal(r.code, 0, `${what}: ${r.stderr}`);
    const report = JSON.parse(r.stdout) as FdsReport;
    assertSound(report, truth, what);
    const rootRows = report.errors.filter((e) => roots.includes(e.pid));
    assert.deepEqual(
      rootRows.map((e) => [e.pid, e.fd, e.syscall, e.errno]),
      roots.map((pid) => [pid, null, 'readdir', 'EACCES']),
      what,
    );
    return report;
  };
  const [plain, borrowed, blocked] = await Promise.all([
    run('nobody, kcmp', NOBODY),
    run('nobody, kcmp blocked, --borrow', [...NOBODY, ...seccompWrapper('eperm')], ['--borrow']),
    run('nobody, kcmp blocked', [...NOBODY, ...seccompWrapper('eperm')]),
  ]);
  assert.deepEqual(partition(plain), truth);
  assert.ok(plain.descriptions.every((d) => d.certain));
  if (yama === 0) {
    assert.deepEqual(partition(borrowed), truth, '--borrow: nobody may pidfd_getfd its own processes');
    assert.ok(borrowed.descriptions.some((d) => d.method === 'borrowed-dupfd-query'));
  }
  assert.ok(blocked.descriptions.some((d) => !d.certain && d.method === 'none'));
});
