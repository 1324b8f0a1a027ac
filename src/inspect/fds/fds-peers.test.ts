/**
 * What the peer and watcher finders cost per description: each looks at a description's first fd as
 * often as it needs it — once to tell its kind, never again for each kind, nor for an index of every
 * description when no epoll is there to read it (at 50,000 fds each look is a subarray and a call).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SocketTables } from '../../netlink/socket-tables.js';
import { allocFdColumns } from '../../procfs/fds.js';
import { findPeers, type PeerScan } from './fds-peers.js';
import { findWatchers } from './fds-watchers.js';

/** `n` descriptions of one regular file each, counting the looks at their fds. */
function regularFiles(n: number): { scan: PeerScan<number>; looks: () => number } {
  const cols = allocFdColumns(n);
  cols.mode.fill(0o100644); // S_IFREG, rw-r--r--
  let looks = 0;
  const scan: PeerScan<number> = {
    descriptions: Array.from({ length: n }, (_, d) => d),
    slots: (d) => {
      looks++;
      return [d];
    },
    at: (slot) => ({ pid: 1, tid: 1, fd: slot }),
    cols,
    link: () => '',
    // no socket among them: the tables are never asked
    sockets: {} as SocketTables,
  };
  return { scan, looks: () => looks };
}

test('peers of regular files: none, each description looked at once', () => {
  const { scan, looks } = regularFiles(100);
  const found = findPeers(scan);
  assert.equal(found.peers.size, 0);
  assert.equal(found.onlyWriterIsReader.size, 0);
  assert.equal(looks(), 100, 'one look per description, not one per kind of other end');
});

test('watchers without an epoll: none, and no description looked at', () => {
  const { scan, looks } = regularFiles(100);
  assert.equal(findWatchers(scan, []).size, 0);
  assert.equal(looks(), 0, 'no inode index is built when no epoll would read it');
});
