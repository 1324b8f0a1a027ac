/**
 * One JSON convention for every -J: compact, each element of a top-level array on a line of its own;
 * --pretty indents instead. Both parse to documents of the same shape.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkfds } from './fixture/mkfds.js';
import { runCli } from './helpers/cli.js';

test('every -J is compact with an array element per line; --pretty indents the same document', async (t) => {
  const f = await mkfds(t, 'fork');
  if (!f) return;
  const { main, child } = f.pids as { main: number; child: number };
  const pids = `${main},${child}`;
  const commands: string[][] = [
    ['fds', '-p', pids, '--all'],
    ['tasks', '-p', pids],
    ['leaks', '-p', pids],
    ['same', `${main}:0`, `${child}:0`],
    ['raw', String(main), String(child), 'vm'],
    ['doctor'],
  ];
  for (const args of commands) {
    const compact = runCli([...args, '-J']);
    const pretty = runCli([...args, '-J', '--pretty']);
    assert.ok(compact.code === 0 || compact.code === 1, `${args[0]}: ${compact.stderr}`);
    const lines = compact.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^\{"schema":"kcmp\.\w+\/\d+"/, `${args[0]} -J starts with its schema`);
    assert.ok(!compact.stdout.includes('\n  '), `${args[0]} -J is not indented`);
    assert.match(pretty.stdout, /^\{\n {2}"schema": "kcmp\.\w+\/\d+"/, `${args[0]} --pretty indents`);
    const shape = (text: string) => Object.keys(JSON.parse(text)).sort();
    assert.deepEqual(shape(compact.stdout), shape(pretty.stdout), args[0]);
  }
  const fds = runCli(['fds', '-p', pids, '--all', '-J']).stdout.split('\n');
  const report = JSON.parse(fds.join('\n')) as { descriptions: unknown[] };
  const descriptionLines = fds.filter((l) => l.startsWith('{"id":"d'));
  assert.equal(descriptionLines.length, report.descriptions.length, 'one line per description');
});
