/** On a terminal that does not say how wide it is (a pty whose size was never set: 0 columns), NAME is not cut. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { mkfds } from './fixture/mkfds.js';
import { CLI } from './helpers/cli.js';

test('a terminal of unknown width: NAME is printed whole, not cut to nothing', async (t) => {
  if (spawnSync('sh', ['-c', 'command -v script']).status !== 0) return t.skip('script(1) is not installed');
  const f = await mkfds(t, 'fork');
  if (!f) return;
  const command = `stty cols 0; "${process.execPath}" "${CLI}" fds -p ${f.pids.main},${f.pids.child} -o PID,FD,NAME`;
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.ok(!r.stdout.includes('…'), `nothing is cut:\n${r.stdout}`);
  assert.match(r.stdout, /\/\S+/, 'a path is printed');
});
