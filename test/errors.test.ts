/** Errors as Node users expect them: `code` like SystemError's, pid/fd on the error, psutil's class tree. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  InvalidArgumentError,
  isKcmpError,
  kcmp,
  ProcessGoneError,
  SysError,
  sameFile,
  ZombieProcessError,
} from '../src/index.js';
import { mkfds } from './fixture/mkfds.js';
import { pick } from './helpers/kernel.js';

/** What `fn` throws (it must throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail('expected a throw');
}

test('errors carry code, pid and fd; a zombie is a kind of gone process', async (t) => {
  const f = await mkfds(t, 'kernel_zombies');
  if (!f) return;
  const { main, zombie1 } = pick(f.pids, 'main', 'zombie1');
  const { file } = pick(f.fds, 'file');
  const ref = { pid: main, fd: file };

  const zombie = thrown(() => sameFile(ref, { pid: zombie1, fd: file }));
  assert.ok(zombie instanceof ZombieProcessError);
  assert.ok(zombie instanceof ProcessGoneError, 'instanceof ProcessGoneError catches zombies');
  assert.equal(zombie.code, 'ESRCH');
  assert.equal(zombie.pid, zombie1);

  const gone = thrown(() => sameFile(ref, { pid: 2 ** 31 - 1, fd: file }));
  assert.ok(gone instanceof ProcessGoneError && !(gone instanceof ZombieProcessError));
  assert.equal(gone.code, 'ESRCH');

  const closed = thrown(() => sameFile(ref, { pid: main, fd: 999 }));
  assert.ok(closed instanceof SysError);
  assert.equal(closed.code, closed.errno);
  assert.match(closed.code, /^E[A-Z]+$/);
  assert.equal(closed.pid, main);
  assert.equal(closed.fd, 999);

  const bad = thrown(() => kcmp(0, 1, 'vm'));
  assert.ok(bad instanceof InvalidArgumentError && isKcmpError(bad));
  assert.equal(bad.code, 'ERR_INVALID_ARG_VALUE');
});
