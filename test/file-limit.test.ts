/**
 * A low open-file limit (RLIMIT_NOFILE): kcmp raises its soft limit to the hard one, and where even the
 * hard one is below what it needs it says so in one line (exit 2) — no EMFILE stack trace, no SIGSEGV, no
 * Node assertion. Below ~20 (Node 20; ~24 for Node 22 and 24) Node itself cannot start (the README names
 * the floor).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { FILE_LIMIT_NEEDED } from '../src/cli/file-limit.js';
import { mkfds } from './fixture/mkfds.js';
import type { CliResult } from './helpers/cli.js';
import { runCliAsync } from './helpers/cli-async.js';

function underLimit(limit: string, args: string[]): Promise<CliResult> {
  return runCliAsync(args, { wrapper: ['prlimit', `--nofile=${limit}`] });
}

test('open-file limit: soft raised to hard; a hard limit too low is one line naming it, exit 2', async (t) => {
  if (spawnSync('prlimit', ['--version']).status !== 0)
    return t.skip('prlimit (util-linux) is not installed');
  const f = await mkfds(t, 'fork');
  if (!f) return;
  const args = ['fds', '-p', `${f.pids.main},${f.pids.child}`, '--all', '-J'];
  // The fewest fds each Node.js needs to reach kcmp's own code, measured: 20 on Node 20, 24 on 22 and 24.
  const floor = process.versions.node.startsWith('20.') ? 20 : 24;
  for (const n of [floor, 28, 33, 40, FILE_LIMIT_NEEDED - 1]) {
    const r = await underLimit(`${n}:${n}`, args);
    assert.equal(r.signal, null, `nofile ${n}: died of ${r.signal}`);
    assert.equal(r.code, 2, `nofile ${n}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.deepEqual(r.stderr.trimEnd().split('\n'), [
      `kcmp: the open-file limit (RLIMIT_NOFILE) is ${n}, hard limit ${n}: kcmp needs at least ` +
        `${FILE_LIMIT_NEEDED} open files; raise the limit (ulimit -n ${FILE_LIMIT_NEEDED}, or prlimit ` +
        `--nofile=${FILE_LIMIT_NEEDED} for a running shell)`,
    ]);
  }
  for (const limit of [`${FILE_LIMIT_NEEDED}:${FILE_LIMIT_NEEDED}`, `${floor}:4096`]) {
    const r = await underLimit(limit, args);
    assert.equal(r.code, 0, `nofile ${limit}: ${r.stderr}`);
    assert.equal(JSON.parse(r.stdout).schema, 'kcmp.fds/2', limit);
  }
});
