/**
 * kcmp-spec.md §9.2 conformance, part 2: task resources (scenarios 12-24). Each test is named after its
 * scenario. kernel_clone's parent holds an io_context and a SysV undo list, so "every other type
 * differs" is checkable for io and sysvsem too (with nothing allocated they would compare NULL == NULL).
 *
 * Not run: 18 (unshare(CLONE_FILES) inside a CLONE_FILES child: no fixture builds it), the fd half of 19
 * (an fd opened in the leader after a thread unshared its table: the tasks fixture opens none), the
 * second half of 24 (a CLONE_IO parent that gets an io_context later would need a signal to the fixture).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kcmp } from '../src/compare/kcmp.js';
import { sameTaskResource } from '../src/compare/same-task.js';
import { TASK_RESOURCES, type TaskResource } from '../src/compare/types.js';
import { mkfds } from './fixture/mkfds.js';
import { outcome, pick, waitReaped } from './helpers/kernel.js';

/** Every task resource of a and b: 'equal' for those in `shared`, an ordering for all others. */
function expectShared(a: number, b: number, shared: readonly TaskResource[], what: string): void {
  for (const type of TASK_RESOURCES) {
    const order = kcmp(a, b, type);
    if (shared.includes(type)) assert.equal(order, 'equal', `${what}: ${type} is shared`);
    else assert.ok(order === 'less' || order === 'greater', `${what}: ${type} differs, got ${order}`);
  }
}

test('scenarios 12-13: clone with each flag shares exactly that resource; VM|FS|FILES|SIGHAND shares four', async (t) => {
  const f = await mkfds(t, 'kernel_clone');
  if (!f) return;
  const p = pick(f.pids, 'cloneParent', 'files', 'fs', 'vm', 'vmSighand', 'io', 'sysvsem', 'all4');
  expectShared(p.cloneParent, p.files, ['files'], 'CLONE_FILES');
  expectShared(p.cloneParent, p.fs, ['fs'], 'CLONE_FS');
  expectShared(p.cloneParent, p.vm, ['vm'], 'CLONE_VM');
  expectShared(p.cloneParent, p.vmSighand, ['vm', 'sighand'], 'CLONE_VM|CLONE_SIGHAND');
  expectShared(p.cloneParent, p.io, ['io'], 'CLONE_IO (parent has an io_context)');
  expectShared(p.cloneParent, p.sysvsem, ['sysvsem'], 'CLONE_SYSVSEM (parent has an undo list)');
  expectShared(p.cloneParent, p.all4, ['vm', 'files', 'fs', 'sighand'], 'CLONE_VM|FS|FILES|SIGHAND');
  assert.deepEqual(sameTaskResource(p.cloneParent, p.io, 'io'), { kind: 'io', same: true, method: 'kcmp' });
});

test('scenario 14: after execve, vm, files and sighand are unshared; fs stays shared; fd 0 is inherited', async (t) => {
  const f = await mkfds(t, 'tasks_clone');
  if (!f) return;
  const { main, execClone } = pick(f.pids, 'main', 'execClone');
  for (const type of ['vm', 'files', 'sighand'] as const)
    assert.notEqual(kcmp(main, execClone, type), 'equal', type);
  assert.equal(kcmp(main, execClone, 'fs'), 'equal');
  assert.equal(kcmp(main, execClone, 'file', 0, 0), 'equal');
});

test('scenarios 15-16: a thread shares all but io (parent has one); a fork differs from that thread in all', async (t) => {
  const f = await mkfds(t, 'kernel_clone');
  if (!f) return;
  const { cloneParent, thread, forked } = pick(f.pids, 'cloneParent', 'thread', 'forked');
  expectShared(cloneParent, thread, ['vm', 'files', 'fs', 'sighand', 'sysvsem'], 'pthread');
  expectShared(forked, thread, [], 'fork child vs thread');
});

test('scenario 17: a vfork child shares the vm only; fd 0 is the same description', async (t) => {
  const f = await mkfds(t, 'tasks_clone');
  if (!f) return;
  const { main, vforkChild } = pick(f.pids, 'main', 'vforkChild');
  assert.equal(kcmp(main, vforkChild, 'vm'), 'equal');
  for (const type of ['files', 'fs', 'sighand'] as const)
    assert.notEqual(kcmp(main, vforkChild, type), 'equal', type);
  assert.equal(kcmp(main, vforkChild, 'file', 0, 0), 'equal');
});

test('scenario 19 (partial): a thread that unshared files and fs keeps the vm', async (t) => {
  const f = await mkfds(t, 'tasks_clone');
  if (!f) return;
  const { main, unshared } = pick(f.pids, 'main', 'unshared');
  assert.notEqual(kcmp(main, unshared, 'files'), 'equal');
  assert.notEqual(kcmp(main, unshared, 'fs'), 'equal');
  assert.equal(kcmp(main, unshared, 'vm'), 'equal');
});

test('scenario 20: leader pthread_exit with a live thread: FILE via the pid is EBADF, via the tid equal', async (t) => {
  const f = await mkfds(t, 'kernel_leader_exit');
  if (!f) return;
  const { main, leaderExit, thread } = pick(f.pids, 'main', 'leaderExit', 'thread');
  const { file } = pick(f.fds, 'file');
  assert.equal(
    outcome(() => kcmp(main, leaderExit, 'file', file, file)),
    'EBADF',
  );
  assert.equal(kcmp(main, thread, 'file', file, file), 'equal');
});

test('scenario 21: two zombies compare equal on vm/files/fs/io/sysvsem (NULL), not on sighand', async (t) => {
  const f = await mkfds(t, 'kernel_zombies');
  if (!f) return;
  const { zombie1, zombie2 } = pick(f.pids, 'zombie1', 'zombie2');
  expectShared(zombie1, zombie2, ['vm', 'files', 'fs', 'io', 'sysvsem'], 'zombies');
  assert.throws(() => sameTaskResource(zombie1, zombie2, 'vm'), { name: 'ZombieProcessError' });
});

test('scenario 22: FILE and EPOLL_TFD on a zombie are EBADF; after the reap, ESRCH', async (t) => {
  const f = await mkfds(t, 'kernel_zombies');
  if (!f) return;
  const { main, zombie1, reaper, zombie3 } = pick(f.pids, 'main', 'zombie1', 'reaper', 'zombie3');
  const { file, target, epoll } = pick(f.fds, 'file', 'target', 'epoll');
  assert.equal(
    outcome(() => kcmp(main, zombie1, 'file', file, file)),
    'EBADF',
  );
  const slot = { epfd: epoll, targetFd: target };
  assert.equal(
    outcome(() => kcmp(main, zombie1, 'epoll-tfd', target, slot)),
    'EBADF',
  );
  assert.equal(
    outcome(() => kcmp(main, zombie3, 'file', file, file)),
    'EBADF',
  );
  process.kill(reaper, 'SIGUSR1'); // our fixture's reaper: it reaps zombie3
  await waitReaped(zombie3);
  assert.equal(
    outcome(() => kcmp(main, zombie3, 'vm')),
    'ESRCH',
  );
});

test('scenarios 23-24 (partial): undo lists and io_contexts, fresh, allocated and shared', async (t) => {
  const basic = await mkfds(t, 'fork');
  const clone = await mkfds(t, 'kernel_clone');
  const tasks = await mkfds(t, 'tasks_clone');
  if (!basic || !clone || !tasks) return;
  const fresh = pick(basic.pids, 'main', 'child');
  const c = pick(clone.pids, 'cloneParent', 'forked', 'sysvsem');
  assert.equal(kcmp(fresh.main, fresh.child, 'sysvsem'), 'equal', '23: fresh, NULL == NULL');
  assert.notEqual(kcmp(c.cloneParent, c.forked, 'sysvsem'), 'equal', "23: after the parent's SEM_UNDO");
  assert.equal(kcmp(c.cloneParent, c.sysvsem, 'sysvsem'), 'equal', '23: CLONE_SYSVSEM child');
  assert.notEqual(kcmp(c.cloneParent, c.forked, 'io'), 'equal', '24: after ioprio_set, a fork gets its own');
  const { main, ioNoCtx } = pick(tasks.pids, 'main', 'ioNoCtx');
  assert.equal(kcmp(main, ioNoCtx, 'io'), 'equal', '24: CLONE_IO from a parent without one: NULL == NULL');
  const verdict = sameTaskResource(main, ioNoCtx, 'io');
  assert.equal(verdict.same, null, 'sameTaskResource does not call NULL == NULL sharing');
  assert.equal(verdict.absent, true);
});
