/**
 * kcmp-spec.md §9.2 conformance, part 3: KCMP_EPOLL_TFD (scenarios 31-38), through the typed kcmp() and
 * its 12-byte slot. The epoll_bugs fixture (scenario-epoll.c) builds 31, 32, 34, 35 and 37;
 * kernel_epoll (scenario-kernel.c) builds 36 and 38.
 *
 * Not run: 33 (a slot ending exactly at a page boundary, or straddling into an unmapped page, needs
 * control over where the slot lives in memory, which koffi buffers do not give).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kcmp } from '../src/compare/kcmp.js';
import { KCMP, sysKcmpEpollTfdNullSlot } from '../src/sys/kcmp.js';
import { mkfds } from './fixture/mkfds.js';
import { answer, outcome, pick, rawKcmp } from './helpers/kernel.js';

test('scenario 31: registered target, another file, toff beyond, an unregistered tfd', async (t) => {
  const f = await mkfds(t, 'epoll_bugs');
  if (!f) return;
  const { main } = pick(f.pids, 'main');
  const { clean, cleanPipe, cleanEventfd, notEpoll } = pick(
    f.fds,
    'clean',
    'cleanPipe',
    'cleanEventfd',
    'notEpoll',
  );
  const tfd = (fd: number, targetFd: number, offset = 0) =>
    outcome(() => kcmp(main, main, 'epoll-tfd', fd, { epfd: clean, targetFd, offset }));
  assert.equal(tfd(cleanPipe, cleanPipe), 'equal');
  assert.ok(['less', 'greater'].includes(tfd(cleanEventfd, cleanPipe)), 'another file is ordered');
  assert.equal(tfd(cleanPipe, cleanPipe, 1), 'ENOENT', 'toff beyond the items under that number');
  assert.equal(tfd(notEpoll, notEpoll), 'ENOENT', 'tfd never registered');
});

test('scenario 32: efd not an epoll, efd or idx1 not open, NULL or bad slot pointers', async (t) => {
  const f = await mkfds(t, 'epoll_bugs');
  if (!f) return;
  const { main } = pick(f.pids, 'main');
  const { clean, cleanPipe, notEpoll, closedFd } = pick(f.fds, 'clean', 'cleanPipe', 'notEpoll', 'closedFd');
  const tfd = (fd: number, epfd: number) =>
    outcome(() => kcmp(main, main, 'epoll-tfd', fd, { epfd, targetFd: cleanPipe }));
  assert.equal(tfd(cleanPipe, notEpoll), 'EINVAL', 'efd is not an epoll');
  assert.equal(tfd(cleanPipe, closedFd), 'EBADF', 'efd not open');
  assert.equal(tfd(closedFd, clean), 'EBADF', 'idx1 not open');
  assert.equal(answer(sysKcmpEpollTfdNullSlot(main, main, cleanPipe)), 'EFAULT', 'idx2 = NULL');
  assert.equal(rawKcmp(main, main, KCMP.EPOLL_TFD, cleanPipe, 0x10), 'EFAULT', 'idx2 = 0x10');
  assert.equal(
    answer(sysKcmpEpollTfdNullSlot(main, main, closedFd)),
    'EFAULT',
    'NULL is checked before idx1',
  );
});

test('scenario 34: the registered fd number is closed, the description lives on in a dup', async (t) => {
  const f = await mkfds(t, 'epoll_bugs');
  if (!f) return;
  const { main } = pick(f.pids, 'main');
  const { epoll, closedTfd, closedDup } = pick(f.fds, 'epoll', 'closedTfd', 'closedDup');
  assert.equal(kcmp(main, main, 'epoll-tfd', closedDup, { epfd: epoll, targetFd: closedTfd }), 'equal');
});

test('scenario 35: an fd number reused by file B, B also added: two items in address order, then ENOENT', async (t) => {
  const f = await mkfds(t, 'epoll_bugs');
  if (!f) return;
  const { main } = pick(f.pids, 'main');
  const { epoll, reusedTfd, reusedOld } = pick(f.fds, 'epoll', 'reusedTfd', 'reusedOld');
  const at = (fd: number, offset: number) =>
    outcome(() => kcmp(main, main, 'epoll-tfd', fd, { epfd: epoll, targetFd: reusedTfd, offset }));
  // reusedOld holds A (registered first as reusedTfd); reusedTfd now holds B.
  const a = [at(reusedOld, 0), at(reusedOld, 1)];
  const b = [at(reusedTfd, 0), at(reusedTfd, 1)];
  assert.equal(a.filter((o) => o === 'equal').length, 1, `A is exactly one item: ${a}`);
  assert.equal(b.filter((o) => o === 'equal').length, 1, `B is exactly one item: ${b}`);
  assert.notEqual(a.indexOf('equal'), b.indexOf('equal'), 'A and B are different items');
  assert.equal(at(reusedTfd, 2), 'ENOENT');
});

test('scenario 36: the last reference to A is closed: its item is gone, only B remains under the number', async (t) => {
  const f = await mkfds(t, 'kernel_epoll');
  if (!f) return;
  const { main } = pick(f.pids, 'main');
  const { lastRefEpoll, lastRefTfd } = pick(f.fds, 'lastRefEpoll', 'lastRefTfd');
  const at = (offset: number) =>
    outcome(() =>
      kcmp(main, main, 'epoll-tfd', lastRefTfd, { epfd: lastRefEpoll, targetFd: lastRefTfd, offset }),
    );
  assert.equal(at(0), 'equal');
  assert.equal(at(1), 'ENOENT');
});

test('scenario 37: across processes the epoll fd is looked up in pid2; swapped, EBADF', async (t) => {
  const f = await mkfds(t, 'epoll_bugs');
  if (!f) return;
  const { main, holder } = pick(f.pids, 'main', 'holder');
  const { epoll, elsewhereTfd, dupA } = pick(f.fds, 'epoll', 'elsewhereTfd', 'dupA');
  const slot = { epfd: epoll, targetFd: elsewhereTfd };
  assert.equal(kcmp(holder, main, 'epoll-tfd', elsewhereTfd, slot), 'equal');
  assert.equal(
    outcome(() => kcmp(main, holder, 'epoll-tfd', dupA, slot)),
    'EBADF',
    'no epoll fd in the holder',
  );
});

test('scenario 38: a nested epoll is a target like any file, also through a dup', async (t) => {
  const f = await mkfds(t, 'kernel_epoll');
  if (!f) return;
  const { main } = pick(f.pids, 'main');
  const { inner, outer, innerDup } = pick(f.fds, 'inner', 'outer', 'innerDup');
  assert.equal(kcmp(main, main, 'epoll-tfd', inner, { epfd: outer, targetFd: inner }), 'equal');
  assert.equal(kcmp(main, main, 'epoll-tfd', innerDup, { epfd: outer, targetFd: inner }), 'equal');
});
