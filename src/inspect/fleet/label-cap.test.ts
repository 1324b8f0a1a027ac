/** The label cap: the heaviest values keep their names (ties by name), the rest fold into "other". */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capLabel, OTHER } from './label-cap.js';

test('capLabel keeps the max - 1 heaviest values, ties by name, and counts the folded ones', () => {
  const weights = new Map([
    ['b.service', 5],
    ['a.service', 5],
    ['big.service', 90],
    ['tiny.service', 1],
  ]);
  const cap = capLabel(weights, 3);
  assert.deepEqual(
    [...weights.keys()].map((v) => cap.valueOf(v)),
    [OTHER, 'a.service', 'big.service', OTHER],
  );
  assert.equal(cap.folded, 2);
});

test('capLabel keeps every value when they fit, and cuts long ones', () => {
  const long = `x${'y'.repeat(300)}`;
  const cap = capLabel(new Map([[long, 1]]), 1);
  assert.equal(cap.folded, 0);
  assert.equal(cap.valueOf(long), long.slice(0, 128));
  assert.equal(cap.valueOf('never seen'), OTHER);
  assert.equal(
    capLabel(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
      1,
    ).valueOf('b'),
    OTHER,
    'a cap of 1 folds all of two',
  );
});
