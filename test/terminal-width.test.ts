/**
 * Tables on a terminal, on real processes: a terminal that does not say how wide it is (a pty whose size
 * was never set: 0 columns) cuts nothing; at 100-odd columns a pre-fork server's table fits, lists give way
 * first and count what they left out, NAME keeps at least 24 columns, and -u still prints everything.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import stringWidth from 'string-width';
import { mkfds } from './fixture/mkfds.js';
import { onTerminal } from './helpers/terminal.js';

const NO_SCRIPT = 'script(1) is missing or could not run the CLI on a pseudo-terminal';

test('a terminal of unknown width: NAME is printed whole, not cut to nothing', async (t) => {
  const f = await mkfds(t, 'fork');
  if (!f) return;
  const out = onTerminal(['fds', '-p', `${f.pids.main},${f.pids.child}`, '-o', 'PID,FD,NAME'], 0);
  if (out === null) return t.skip(NO_SCRIPT);
  assert.ok(!out.includes('…'), `nothing is cut:\n${out}`);
  assert.match(out, /\/\S+/, 'a path is printed');
});

const WORKERS = 20;

/** Wide enough for the widest TYPE here (UNIX-STREAM, lsfd 2.39+'s) beside the log's whole name. */
const WIDTH = 108;

test('108 columns: PEERS and CMDLINE give way to NAME, which keeps 24 columns; PEERS counts what it left out; -u cuts nothing', async (t) => {
  const f = await mkfds(t, 'titles', [String(WORKERS)]);
  if (!f) return;
  const log = String(f.values.log);
  const tree = ['fds', '--tree', String(f.pids.main), '--all'];
  const peers = onTerminal([...tree, '-o', '+PEERS'], WIDTH);
  if (peers === null) return t.skip(NO_SCRIPT);
  const lines = peers.trimEnd().split('\n');
  for (const line of lines) assert.ok(stringWidth(line) <= WIDTH, `wider than the terminal:\n${line}`);
  assert.ok(
    lines.filter((l) => l.includes(` ${log}`)).length === WORKERS + 1,
    `the log's name whole on every holder's row:\n${peers}`,
  );
  // The master's write end of the pipe: its peers are the read end in the master and every worker.
  const owner = lines.find((l) => new RegExp(`^d\\d+ +${f.pids.main} +\\S+ +${f.fds.owner} `).test(l)) ?? '';
  const listed = owner.match(/\d+,myserver,\d+/g) ?? [];
  const more = Number(/ \+(\d+) more$/.exec(owner)?.[1]);
  assert.ok(listed.length >= 1, `PEERS lists whole items: ${owner}`);
  assert.equal(listed.length + more, WORKERS + 1, `the items shown and the count add up: ${owner}`);

  const both = onTerminal([...tree, '-o', '+PEERS,CMDLINE'], WIDTH) ?? '';
  const logRows = both.split('\n').filter((l) => l.includes(log.slice(0, 23)));
  assert.equal(logRows.length, WORKERS + 1, `NAME keeps at least 24 columns:\n${both}`);
  for (const row of logRows) {
    assert.ok(stringWidth(row) <= WIDTH, row);
    assert.match(row, /myserver: (master|worker)$/, 'the title, whole');
  }

  const whole = onTerminal([...tree, '-o', '+PEERS', '-u'], WIDTH) ?? '';
  const uncut = whole
    .split('\n')
    .find((l) => new RegExp(`^d\\d+ +${f.pids.main} +\\S+ +${f.fds.owner} `).test(l));
  assert.equal(uncut?.match(/\d+,myserver,\d+/g)?.length, WORKERS + 1, `-u prints every peer: ${uncut}`);
  assert.ok(!whole.includes('…'), '-u cuts nothing');
});

test('100 columns, one row per description (-D): the listener named whole, its holders folded', async (t) => {
  const f = await mkfds(t, 'titles', [String(WORKERS)]);
  if (!f) return;
  const out = onTerminal(['fds', '--tree', String(f.pids.main), '-D'], 100);
  if (out === null) return t.skip(NO_SCRIPT);
  for (const line of out.trimEnd().split('\n')) assert.ok(stringWidth(line) <= 100, `too wide: ${line}`);
  const listener = `TCP 127.0.0.1:${f.values.port} (LISTEN)`;
  const row = out.split('\n').filter((l) => l.includes(listener));
  assert.equal(row.length, 1, `one row for the listener:\n${out}`);
  const escaped = listener.replace(/[.()]/g, '\\$&');
  // (HELDBY gives way to TYPE, which a socket's protocol widens: the fold's count and title start stay)
  const heldBy = `${f.pids.main} myserver: master fd 3; ${WORKERS} × my`;
  assert.match(row[0] as string, new RegExp(`${escaped} +${heldBy}`), 'the master, then the workers folded');
});
