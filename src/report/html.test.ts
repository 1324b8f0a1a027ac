import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statsLine } from './html.js';

test('the stats line of a picture counts one as one', () => {
  assert.equal(statsLine({ processes: 1, tasks: 1, elapsedMs: 3 }), '1 process · 1 task · 3 ms');
  assert.equal(statsLine({ processes: 4, fds: 11, engine: 'bpf' }), '4 processes · 11 fds · bpf engine');
});
