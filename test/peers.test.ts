/**
 * Peers beside sharers (`kcmp fds` PEERS, EPOLL.WATCHERS, PIPE.SELFWRITER, JSON `peers`/`watchers`), on the
 * mkfds `peers` scenario: every relation must be found from both ends, and sharers are never peers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Description, FdsReport } from '../src/inspect/fds/fds-report.js';
import { type Fixture, mkfds } from './fixture/mkfds.js';
import { rawRows, runCli } from './helpers/cli.js';
import { fdsJson } from './helpers/fds.js';

function relation(
  report: FdsReport,
  pid: number,
  fd: number,
  key: 'peers' | 'watchers' | 'watching',
): string[] {
  const d = report.descriptions.find((x) => x.holders.some((h) => h.pid === pid && h.fd === fd));
  assert.ok(d, `no description holds ${pid}:${fd}`);
  return ((d as Description)[key] ?? []).map((p) => `${p.pid}:${p.fd}`).sort();
}

function scenario(f: Fixture) {
  const { main, child } = f.pids as Record<string, number>;
  const m = (name: string) => `${main}:${f.fds[name]}`;
  const c = (name: string) => `${child}:${f.fds[name]}`;
  return { main: main as number, child: child as number, m, c };
}

test('pipe ends, socketpair ends, a loopback connection and a pty pair are peers both ways', async (t) => {
  const f = await mkfds(t, 'peers');
  if (!f) return;
  const { main, child, m, c } = scenario(f);
  const report = fdsJson(['-p', `${main},${child}`, '--all', '-o', '+PEERS,EPOLL.WATCHERS']);
  const peersOf = (ref: string) => {
    const [pid, fd] = ref.split(':').map(Number);
    return relation(report, pid as number, fd as number, 'peers');
  };
  // the read end (held as pipeRead and its dup `watched`) ↔ the child's write end
  assert.deepEqual(peersOf(m('pipeRead')), [c('pipeWrite')]);
  assert.deepEqual(peersOf(c('pipeWrite')), [m('pipeRead'), m('watched')].sort());
  assert.deepEqual(peersOf(m('pairMain')), [c('pairChild')]);
  assert.deepEqual(peersOf(c('pairChild')), [m('pairMain')]);
  assert.deepEqual(peersOf(m('accepted')), [c('client')]);
  assert.deepEqual(peersOf(c('client')), [m('accepted')]);
  assert.deepEqual(peersOf(m('ptmx')), [c('pts')]);
  assert.deepEqual(peersOf(c('pts')), [m('ptmx')]);
  // sharers are not peers: the listener and the eventfd both processes hold
  assert.deepEqual(peersOf(m('listener')), []);
  assert.deepEqual(peersOf(m('eventfd')), []);
  const listener = report.descriptions.find((d) =>
    d.holders.some((h) => `${h.pid}:${h.fd}` === m('listener')),
  );
  assert.deepEqual(
    listener?.holders.map((h) => `${h.pid}:${h.fd}`).sort(),
    [m('listener'), c('listener')].sort(),
  );

  // without --all the write end, held once, is not listed: it is still the read end's peer, without an id
  const shared = fdsJson(['-p', `${main},${child}`, '-o', '+PEERS']);
  const read = shared.descriptions.find((d) => d.holders.some((h) => `${h.pid}:${h.fd}` === m('pipeRead')));
  assert.deepEqual(
    read?.peers?.map((p) => [`${p.pid}:${p.fd}`, p.description]),
    [[c('pipeWrite'), null]],
  );
  // and JSON reads peers only when a peer column is asked for
  assert.equal(
    fdsJson(['-p', `${main},${child}`]).descriptions.some((d) => d.peers !== undefined),
    false,
  );
});

test('epoll watchers are found by the registered file, not by the fd number it had', async (t) => {
  const f = await mkfds(t, 'peers');
  if (!f) return;
  const { main, child, m } = scenario(f);
  const report = fdsJson(['-p', `${main},${child}`, '--all', '-o', '+PEERS,EPOLL.WATCHERS']);
  assert.deepEqual(relation(report, main, f.fds.watched as number, 'watchers'), [m('epoll')]);
  assert.deepEqual(
    relation(report, main, f.fds.reused as number, 'watchers'),
    [],
    'the number, not the file',
  );
  // and from the epoll's side: what it watches is the read end (its holders), not what fd 90 is now
  assert.deepEqual(
    relation(report, main, f.fds.epoll as number, 'watching'),
    [m('pipeRead'), m('watched')].sort(),
  );
});

test('an eventfd has one id per eventfd: its holders share it, it has no peers', async (t) => {
  const f = await mkfds(t, 'peers');
  if (!f) return;
  const { main, child, m, c } = scenario(f);
  const report = fdsJson(['-p', `${main},${child}`, '--all', '-o', '+PEERS,EPOLL.WATCHERS']);
  const of = (ref: string) =>
    report.descriptions.find((d) => d.holders.some((h) => `${h.pid}:${h.fd}` === ref));
  const shared = of(m('eventfd'));
  if (shared?.eventfdId === undefined) return t.skip('no eventfd-id in fdinfo (Linux < 6.8)');
  assert.equal(of(c('eventfd')), shared, 'inherited: one description');
  assert.notEqual(of(m('reused'))?.eventfdId, shared.eventfdId, 'another eventfd, another id');
  assert.deepEqual(shared.peers, []);
});

test('a pipe read end whose only writers are its own holders is flagged', async (t) => {
  const f = await mkfds(t, 'peers');
  if (!f) return;
  const { main, child, m } = scenario(f);
  const table = rawRows(['fds', '-p', `${main},${child}`, '--all', '-o', 'PID,FD,PIPE.SELFWRITER,PEERS']);
  const rows = new Map(table.map(([pid, fd, flag, ...peers]) => [`${pid}:${fd}`, { flag, peers }]));
  assert.equal(rows.get(m('stuckRead'))?.flag, 'true');
  assert.equal(rows.get(m('pipeRead'))?.flag, '', 'the child writes pipeRead: it can see an EOF');
  assert.equal(rows.get(m('stuckWrite'))?.flag, '', 'a write end is never flagged');
  const comm = (report: FdsReport) => report.processes.find((p) => p.pid === child)?.command ?? '';
  const command = comm(fdsJson(['-p', String(child)]));
  assert.deepEqual(rows.get(m('pipeRead'))?.peers, [`${child},${command},${f.fds.pipeWrite}`]);
});

test('pictures draw peers as edges between descriptions, apart from holder edges', async (t) => {
  const f = await mkfds(t, 'peers');
  if (!f) return;
  const { main, child, m, c } = scenario(f);
  const args = ['-p', `${main},${child}`, '--all'];
  const report = fdsJson(args); // ids only: no peer column needed
  // The node a description is drawn in: its own when shared, else (--all) its process's, where a line
  // of the box names the fd.
  const drawn = (ref: string) => {
    const d = report.descriptions.find((x) => x.holders.some((h) => `${h.pid}:${h.fd}` === ref));
    if (d === undefined) return { node: undefined, fd: '' };
    if (d.holders.length > 1) return { node: `desc-${d.id}`, fd: '' };
    return { node: `pid-${d.holders[0]?.pid}`, fd: `fd ${d.holders[0]?.fd}` };
  };
  const dot = runCli(['fds', ...args, '--format', 'dot']);
  assert.equal(dot.code, 0, dot.stderr);
  const lines = dot.stdout.split('\n');
  const peerEdges = lines.filter((line) => line.includes('class="peer '));
  const label = (node: string | undefined) =>
    lines.find((l) => l.trimStart().startsWith(`"${node}" [`))?.match(/label="([^"]*)"/)?.[1] ?? '';
  const between = (a: string, b: string) => {
    const [x, y] = [drawn(a), drawn(b)];
    return peerEdges.filter((l) => {
      const joins = l.includes(`"${x.node}" -> "${y.node}"`) || l.includes(`"${y.node}" -> "${x.node}"`);
      const named = [x, y].every((end) => end.fd === '' || label(end.node).includes(`\\n${end.fd} `));
      return joins && named;
    });
  };
  assert.equal(between(m('pairMain'), c('pairChild')).length, 1, 'one edge per pair of ends');
  assert.equal(between(m('ptmx'), c('pts')).length, 1);
  assert.equal(between(m('pipeRead'), c('pipeWrite')).length, 1);
  assert.match(between(m('pipeRead'), c('pipeWrite'))[0] as string, /style="dashed"/);
  assert.equal(between(m('listener'), c('listener')).length, 0, 'sharers are joined through their holders');
});
