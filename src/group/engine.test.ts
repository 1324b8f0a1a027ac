/**
 * The engine against synthetic comparators: items carry a hidden class label, keys are a function of the
 * label (so equal items share a key, and unequal ones may), and the comparator orders labels by a secret
 * permutation — the shape of kcmp's obfuscated pointer order. Seeded; the seed is in every message.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom as rng } from '../../test/helpers/seeded.js';
import { CompareFailure, type Comparison, UNORDERED } from '../compare/comparison.js';
import { type Comparator, groupItems } from './engine.js';

interface Item {
  id: number;
  label: number;
}

function makeItems(seed: number): { items: Item[]; rank: number[]; keyOf: (i: Item) => number } {
  const random = rng(seed);
  const labels = 1 + Math.floor(random() * 60);
  const n = Math.floor(random() * 400);
  const rank = [...Array(labels).keys()].sort(() => random() - 0.5);
  const keys = 1 + Math.floor(random() * labels);
  const items = Array.from({ length: n }, (_, id) => ({ id, label: Math.floor(random() ** 2 * labels) }));
  return { items, rank, keyOf: (i) => i.label % keys };
}

/** The answer by brute force: every pair compared by label. */
function bruteForce(items: readonly Item[]): number[][] {
  const classes: Item[][] = [];
  for (const item of items) {
    const klass = classes.find((c) => c[0]?.label === item.label);
    if (klass) klass.push(item);
    else classes.push([item]);
  }
  return classes.map((c) => c.map((i) => i.id));
}

const ids = (classes: Item[][]): number[][] => classes.map((c) => c.map((i) => i.id));

function ordered(rank: number[], counter?: Map<number, number>, keyOf?: (i: Item) => number) {
  return {
    ordered: true,
    compare(a: Item, b: Item): Comparison<string> {
      if (counter && keyOf) counter.set(keyOf(a), (counter.get(keyOf(a)) ?? 0) + 1);
      return (rank[a.label] as number) - (rank[b.label] as number);
    },
  } satisfies Comparator<Item, string>;
}

test('classes equal a brute-force pairwise grouping, within n·⌈log2(c+1)⌉ comparisons per bucket', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const { items, rank, keyOf } = makeItems(seed);
    const perBucket = new Map<number, number>();
    const g = groupItems(items, keyOf, ordered(rank, perBucket, keyOf));
    assert.deepEqual(ids(g.classes), bruteForce(items), `seed ${seed}`);
    assert.equal(g.unresolved.length, 0, `seed ${seed}`);
    assert.equal(g.linearBuckets, 0, `seed ${seed}`);
    for (const { representatives, ordered } of g.buckets) {
      assert.ok(ordered, `seed ${seed}`);
      const ranks = representatives.map((i) => rank[i.label] as number);
      assert.deepEqual(
        ranks,
        [...ranks].sort((a, b) => a - b),
        `seed ${seed}: representatives out of order`,
      );
    }
    for (const [key, count] of perBucket) {
      const bucket = items.filter((i) => keyOf(i) === key);
      const c = new Set(bucket.map((i) => i.label)).size;
      const bound = bucket.length * Math.ceil(Math.log2(c + 1));
      assert.ok(count <= bound, `seed ${seed}: bucket ${key}: ${count} comparisons > ${bound}`);
    }
  }
});

test('an item alone in its bucket costs no comparison', () => {
  const items = [5, 6, 7].map((label, id) => ({ id, label }));
  const g = groupItems(items, (i) => i.label, ordered([0, 1, 2, 3, 4, 5, 6, 7]));
  assert.equal(g.comparisons, 0);
  assert.deepEqual(ids(g.classes), [[0], [1], [2]]);
});

test('an equality-only comparator falls back to a linear scan and is still exact', () => {
  for (let seed = 1; seed <= 100; seed++) {
    const { items, keyOf } = makeItems(seed);
    const equality: Comparator<Item, string> = {
      ordered: false,
      compare: (a, b) => (a.label === b.label ? 0 : 1),
    };
    const g = groupItems(items, keyOf, equality);
    assert.deepEqual(ids(g.classes), bruteForce(items), `seed ${seed}`);
    const multi = new Set(items.map(keyOf).filter((k, i, all) => all.indexOf(k) !== i)).size;
    assert.equal(g.linearBuckets, multi, `seed ${seed}`);
  }
});

test('a comparator answering UNORDERED switches that bucket to linear, and stays exact', () => {
  for (let seed = 1; seed <= 100; seed++) {
    const { items, rank, keyOf } = makeItems(seed);
    // Orders labels below 5, answers "different, unordered" for the rest (kcmp's 3).
    const partial: Comparator<Item, string> = {
      ordered: true,
      compare: (a, b) =>
        a.label === b.label
          ? 0
          : a.label < 5 && b.label < 5
            ? (rank[a.label] as number) - (rank[b.label] as number)
            : UNORDERED,
    };
    const g = groupItems(items, keyOf, partial);
    assert.deepEqual(ids(g.classes), bruteForce(items), `seed ${seed}`);
  }
});

test('an item whose comparison fails goes to unresolved and is never merged', () => {
  for (let seed = 1; seed <= 100; seed++) {
    const { items, rank, keyOf } = makeItems(seed);
    const broken = new Set(items.filter((i) => i.id % 7 === 3).map((i) => i.id));
    const failing: Comparator<Item, string> = {
      ordered: true,
      compare: (a, b) =>
        broken.has(a.id)
          ? new CompareFailure(`EPERM ${a.id}`)
          : (rank[a.label] as number) - (rank[b.label] as number),
    };
    const g = groupItems(items, keyOf, failing);
    const placed = ids(g.classes).flat();
    for (const { item, error } of g.unresolved) {
      assert.ok(broken.has(item.id), `seed ${seed}: ${item.id} unresolved but not broken`);
      assert.equal(error, `EPERM ${item.id}`);
      assert.ok(!placed.includes(item.id), `seed ${seed}: ${item.id} both placed and unresolved`);
    }
    // A broken item is placed only as the founder of a class, where it was compared with nothing.
    for (const klass of g.classes) {
      for (const member of klass.slice(1)) assert.ok(!broken.has(member.id), `seed ${seed}`);
    }
    assert.equal(placed.length + g.unresolved.length, items.length, `seed ${seed}`);
    // Everything that could be compared is grouped exactly.
    const pure = ids(g.classes.map((c) => c.filter((i) => !broken.has(i.id))).filter((c) => c.length > 0));
    pure.sort((a, b) => (a[0] as number) - (b[0] as number));
    assert.deepEqual(pure, bruteForce(items.filter((i) => !broken.has(i.id))), `seed ${seed}`);
  }
});

test('a representative whose comparison fails is evicted; its class lives on in the next member', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const { items, rank, keyOf } = makeItems(seed);
    const random = rng(seed * 31);
    // Each item "dies" (as an fd closes) after a random number of comparisons overall.
    const dieAt = new Map(items.map((i) => [i.id, random() < 0.3 ? Math.floor(random() * 2000) : Infinity]));
    let clock = 0;
    const dead = (i: Item): boolean => clock >= (dieAt.get(i.id) as number);
    const dying: Comparator<Item, string> = {
      ordered: true,
      compare(a, b) {
        clock++;
        if (dead(a)) return new CompareFailure(`a ${a.id}`, 'a');
        if (dead(b)) return new CompareFailure(`b ${b.id}`, 'b');
        return (rank[a.label] as number) - (rank[b.label] as number);
      },
    };
    const g = groupItems(items, keyOf, dying);
    const where = new Map<number, number>();
    g.classes.forEach((c, n) => {
      for (const i of c) where.set(i.id, n);
      assert.equal(new Set(c.map((i) => i.label)).size, 1, `seed ${seed}: a class mixes labels`);
    });
    for (const { item } of g.unresolved) {
      assert.ok(dead(item), `seed ${seed}: live item ${item.id} unresolved`);
      assert.ok(!where.has(item.id), `seed ${seed}: ${item.id} twice`);
    }
    assert.equal(where.size + g.unresolved.length, items.length, `seed ${seed}`);
    // Among the items still alive, the same label means the same class.
    const alive = items.filter((i) => !dead(i));
    for (const a of alive) {
      for (const b of alive) {
        assert.equal(where.get(a.id) === where.get(b.id), a.label === b.label, `seed ${seed}`);
      }
    }
  }
});

test('a hint: one comparison when right, one extra when wrong, never a merge on a wrong guess', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const { items, rank, keyOf } = makeItems(seed);
    const random = rng(seed + 1000);
    // Half the items name an earlier item of the same label (right), a quarter any earlier item (maybe wrong).
    const guess = new Map<Item, Item>();
    items.forEach((item, i) => {
      const r = random();
      const same = items.slice(0, i).filter((o) => o.label === item.label);
      if (r < 0.5 && same.length > 0) guess.set(item, same[Math.floor(random() * same.length)] as Item);
      else if (r < 0.75 && i > 0) guess.set(item, items[Math.floor(random() * i)] as Item);
    });
    const plain = groupItems(items, keyOf, ordered(rank));
    const hinted = groupItems(items, keyOf, { ...ordered(rank), hint: (item) => guess.get(item) });
    assert.deepEqual(ids(hinted.classes), bruteForce(items), `seed ${seed}`);
    const right = items.filter(
      (i) => guess.get(i)?.label === i.label && keyOf(guess.get(i) as Item) === keyOf(i),
    );
    const wrong = [...guess.keys()].filter((i) => !right.includes(i));
    assert.ok(
      hinted.comparisons <= plain.comparisons - right.length + right.length + wrong.length,
      `seed ${seed}: a wrong hint costs at most one comparison`,
    );
  }
  // 8 classes founded (≤ 3 comparisons each), then 56 items inherited: one comparison each.
  const items = Array.from({ length: 64 }, (_, id) => ({ id, label: id % 8 }));
  const first = new Map(items.slice(0, 8).map((i) => [i.label, i]));
  const g = groupItems(items, () => 0, { ...ordered([...Array(8).keys()]), hint: (i) => first.get(i.label) });
  assert.deepEqual(ids(g.classes), bruteForce(items));
  const plain = groupItems(items, () => 0, ordered([...Array(8).keys()]));
  assert.ok(g.comparisons <= 8 * 3 + 56, `${g.comparisons} with hints, ${plain.comparisons} without`);
});
