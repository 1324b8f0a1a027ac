import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kcmp } from '../src/compare/kcmp.js';
import { mkfds } from './fixture/mkfds.js';
import { runCli } from './helpers/cli.js';

test('kcmp raw $$ $$ vm prints equal', () => {
  const r = runCli(['raw', String(process.pid), String(process.pid), 'vm']);
  assert.equal(r.stdout, 'equal\n');
  assert.equal(r.code, 0);
});

test('fork: inherited fd is equal, the child own open is not', async (t) => {
  const f = await mkfds(t, 'fork');
  if (!f) return;
  const { main, child } = f.pids as { main: number; child: number };
  assert.equal(kcmp(main, child, 'file', f.fds.shared as number, f.fds.shared as number), 'equal');
  assert.notEqual(kcmp(main, child, 'file', f.fds.shared as number, f.fds.childOwn as number), 'equal');
});

test('bad input is one line and exit 2', () => {
  for (const args of [['raw', '0', '1', 'vm'], ['raw', 'x', '1', 'vm'], ['raw', '1', '1', 'nope'], ['raw']]) {
    const r = runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^kcmp: [^\n]+\n$/);
  }
});
