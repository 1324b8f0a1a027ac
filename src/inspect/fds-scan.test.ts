/** Sharding a scan over worker threads. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shard } from './fds-scan.js';

test('shard splits fd lists into k runs of about equal length, in order, losing nothing', () => {
  const slices = [10, 0, 3, 25, 1].map((n, i) => ({
    tid: i + 1,
    fds: Int32Array.from({ length: n }, (_, j) => j),
  }));
  for (const k of [1, 2, 3, 7]) {
    const shards = shard(slices, k);
    assert.equal(shards.length, k);
    const flat = shards.flat().flatMap((s) => Array.from(s.fds, (fd) => `${s.tid}:${fd}`));
    assert.deepEqual(
      flat,
      slices.flatMap((s) => Array.from(s.fds, (fd) => `${s.tid}:${fd}`)),
    );
    const sizes = shards.map((sh) => sh.reduce((n, s) => n + s.fds.length, 0));
    assert.ok(
      Math.max(...sizes) - Math.min(...sizes) <= 1 + Math.ceil(39 / k) - Math.floor(39 / k),
      `${k}: ${sizes}`,
    );
  }
});
