/**
 * `--workers N` beyond the cores available: each worker thread is a V8 heap of its own, so 99 of them on
 * 2 cores cost ~1 GB for nothing. kcmp uses at most os.availableParallelism() and says so once.
 */
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { mkfds } from './fixture/mkfds.js';
import { CLI } from './helpers/cli.js';
import { pick } from './helpers/kernel.js';
import { peakRss } from './helpers/peak-rss.js';

test('fds --workers 99: capped at the cores available, said once on stderr, memory as with that many', async (t) => {
  const cores = availableParallelism();
  if (cores >= 99) return t.skip(`this machine has ${cores} cores: 99 workers is no more than that`);
  const f = await mkfds(t, 'fork');
  if (!f) return;
  const { main, child } = pick(f.pids, 'main', 'child');
  const run = (n: number) =>
    peakRss([process.execPath, CLI, 'fds', '-p', `${main},${child}`, '--all', '--workers', String(n)]);
  const capped = run(cores);
  const many = run(99);
  if (!capped || !many) return t.skip('python3 is needed to read a child peak RSS (getrusage)');
  assert.equal(many.code, 0, many.stderr);
  assert.equal(capped.stderr, '');
  const notice = many.stderr.trimEnd().split('\n');
  assert.deepEqual(notice, [
    `kcmp: --workers 99: only ${cores} cores are available to this process, using ${cores} workers`,
  ]);
  // Each worker adds ~10 MB or more: 99 of them would be many times the capped run.
  assert.ok(
    many.kilobytes < capped.kilobytes * 1.5,
    `peak RSS ${many.kilobytes} kB with --workers 99, ${capped.kilobytes} kB with --workers ${cores}`,
  );
});
