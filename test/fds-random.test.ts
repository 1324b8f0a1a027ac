/**
 * `kcmp fds --all --json` on random process trees (mkfds `random`) must give exactly the partition an
 * independent oracle gives (pidfd_getfd + F_DUPFD_QUERY, no kcmp) — every pair of fds same or not — on
 * the calling thread, on worker threads, and with --paranoid. And under churn (fds closing and reopening,
 * processes coming and going while the scan runs) it must never report a false "same".
 *
 * Seeds: KCMP_TEST_SEED=N reproduces a run; otherwise the base seed is random and printed on failure.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sysDupfdQuery } from '../src/sys/fcntl.js';
import { mkfds } from './fixture/mkfds.js';
import { assertChurnSound, fdsJson, oracle, partition } from './helpers/fds.js';

const BASE = Number(process.env.KCMP_TEST_SEED ?? Math.floor(Math.random() * 1e6));

const TOPOLOGIES: { procs: number; fds: number; args: string[] }[] = [
  { procs: 2, fds: 40, args: [] },
  { procs: 4, fds: 120, args: [] },
  { procs: 6, fds: 60, args: ['--workers', '2'] },
  { procs: 3, fds: 300, args: ['--paranoid'] },
  { procs: 5, fds: 200, args: ['--workers', '2', '--paranoid'] },
];

test('the partition equals the pidfd_getfd + F_DUPFD_QUERY oracle on random trees', async (t) => {
  if (sysDupfdQuery(0, 0) < 0) return t.skip('F_DUPFD_QUERY needs Linux 6.10');
  for (const [i, topology] of TOPOLOGIES.entries()) {
    const seed = BASE + i;
    const how = `seed ${seed}: mkfds random ${seed} ${topology.procs} ${topology.fds}; kcmp fds ${topology.args.join(' ')} (KCMP_TEST_SEED=${BASE})`;
    const f = await mkfds(t, 'random', [String(seed), String(topology.procs), String(topology.fds)]);
    if (!f) return;
    const pids = Object.values(f.pids);
    assert.equal(pids.length, topology.procs, how);
    const report = fdsJson(['-p', pids.join(','), '--all', ...topology.args]);
    assert.deepEqual(report.errors, [], how);
    assert.ok(
      report.descriptions.every((d) => d.certain),
      how,
    );
    assert.deepEqual(partition(report), oracle(pids), how);
    assert.equal(
      report.stats.fds,
      report.descriptions.reduce((n, d) => n + d.holders.length, 0),
      how,
    );
    await f.stop();
  }
});

test('churn: fds closing and reopening, processes exiting, never give a false "same"', async (t) => {
  const f = await mkfds(t, 'churn', ['2']);
  if (!f) return;
  const top = Number(f.values.stableTop);
  const main = f.pids.main as number;
  for (let round = 0; round < 4; round++) {
    const report = fdsJson(['--tree', String(main), '--all', ...(round % 2 ? ['--workers', '2'] : [])]);
    const pids = new Set(report.descriptions.flatMap((d) => d.holders.map((h) => h.pid)));
    assertChurnSound(report, top, `round ${round}`);
    assert.ok(pids.has(main), `round ${round}: main missing`);
  }
});
