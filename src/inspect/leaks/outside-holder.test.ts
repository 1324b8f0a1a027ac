/**
 * The nearest outside holder over a scripted process tree (the rule's order, each step deciding once):
 *
 *   1 ── 10 (host daemon) ── 11 (unrelated)
 *    └── 20 (shell) ── 30 (runtime) ── 40 (container init) ── 41 (container process)
 *                   └── 31 (the runtime's sibling)
 *                   └── 32 (another sibling)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Holder } from '../fds/fds-report.js';
import { ancestorsOf } from './ancestry.js';
import { nearestOutside } from './outside-holder.js';

const PARENT = new Map([
  [10, 1],
  [11, 10],
  [20, 1],
  [30, 20],
  [31, 20],
  [32, 20],
  [40, 30],
  [41, 40],
]);
const ancestors = ancestorsOf((pid) => PARENT.get(pid));

const held = (...pidFds: [number, number][]): Holder[] =>
  pidFds.map(([pid, fd]) => ({ pid, fd, command: `p${pid}` }));
const nearest = (holders: Holder[]) => {
  const h = nearestOutside(41, holders, ancestors);
  return `${h.pid}:${h.fd}`;
};

test('an ancestor that holds it is named, the nearest first, before any closer relative', () => {
  assert.equal(nearest(held([11, 3], [31, 3], [30, 5], [1, 3])), '30:5', 'the runtime');
  assert.equal(nearest(held([11, 3], [31, 3], [20, 7], [20, 4])), '20:4', "the runtime's parent, lowest fd");
  assert.equal(nearest(held([10, 3], [1, 9])), '1:9', 'init is an ancestor too');
});

test('no ancestor holds it: the fewest parent links through a common ancestor, then the lowest pid', () => {
  assert.equal(nearest(held([11, 3], [32, 3])), '32:3', "the runtime's sibling (3 links), not 11 (5)");
  assert.equal(nearest(held([32, 3], [31, 4])), '31:4', 'a tie: the lower pid');
  assert.equal(
    nearest(held([99, 3], [11, 3])),
    '11:3',
    'a holder with no common ancestor in reach comes last',
  );
});
