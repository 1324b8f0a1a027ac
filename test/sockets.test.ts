/**
 * Sockets named by `kcmp fds` (sock_diag, per network namespace; /proc/PID/net without CAP_SYS_ADMIN), on
 * the mkfds `peers` and `netns_listener` scenarios: a loopback listener both processes hold, the two ends
 * of its connection, a socketpair, and a listener in a network namespace of its own.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import type { Description, FdsReport } from '../src/inspect/fds/fds-report.js';
import { mkfds } from './fixture/mkfds.js';
import { rawRows, runCli } from './helpers/cli.js';
import { fdsJson } from './helpers/fds.js';

const isRoot = process.getuid?.() === 0;

function at(report: FdsReport, pid: number, fd: number): Description {
  const d = report.descriptions.find((x) => x.holders.some((h) => h.pid === pid && h.fd === fd));
  assert.ok(d, `no description holds ${pid}:${fd}`);
  return d;
}

/** The NAME cell of each row, by "pid:fd", from `kcmp fds -r -o PID,FD,NAME`. */
function names(args: string[], wrapper?: string[]): Map<string, string> {
  const rows = rawRows(['fds', ...args, '-o', 'PID,FD,NAME'], wrapper ? { wrapper } : {});
  return new Map(rows.map(([pid, fd, ...name]) => [`${pid}:${fd}`, name.join(' ').replaceAll('\\x20', ' ')]));
}

test('a loopback listener, its connection and a socketpair are named from sock_diag', async (t) => {
  const f = await mkfds(t, 'peers');
  if (!f) return;
  const { main, child } = f.pids as Record<string, number>;
  const { port } = f.values;
  const pids = `${main},${child}`;
  const name = names(['-p', pids, '--all']);
  const listener = `TCP 127.0.0.1:${port} (LISTEN)`;
  assert.equal(name.get(`${main}:${f.fds.listener}`), listener);
  assert.equal(name.get(`${child}:${f.fds.listener}`), listener, 'the child holds the same listener');
  const clientName = name.get(`${child}:${f.fds.client}`) ?? '';
  const clientPort = Number(/^TCP 127\.0\.0\.1:(\d+)->/.exec(clientName)?.[1]);
  assert.equal(clientName, `TCP 127.0.0.1:${clientPort}->127.0.0.1:${port} (ESTABLISHED)`);
  assert.equal(
    name.get(`${main}:${f.fds.accepted}`),
    `TCP 127.0.0.1:${port}->127.0.0.1:${clientPort} (ESTABLISHED)`,
  );

  const report = fdsJson(['-p', pids, '--all']);
  const ours = statSync('/proc/self/ns/net').ino;
  const socket = at(report, main as number, f.fds.listener as number).socket;
  assert.deepEqual(
    { ...socket, ino: 0 },
    {
      ino: 0,
      protocol: 'TCP',
      state: 'LISTEN',
      local: { address: '127.0.0.1', port },
      netns: ours,
      source: 'sock_diag',
    },
  );
  const a = at(report, main as number, f.fds.pairMain as number);
  const b = at(report, child as number, f.fds.pairChild as number);
  assert.equal(a.socket?.protocol, 'UNIX-STREAM');
  assert.equal(a.socket?.peer, b.ino, 'unix_diag names the peer of one end');
  assert.equal(b.socket?.peer, a.ino, 'and of the other');
});

test('sockets are named in the network namespace of their holder (setns), or from /proc/PID/net', async (t) => {
  if (!isRoot) return t.skip('entering a network namespace needs CAP_SYS_ADMIN: run as root');
  const f = await mkfds(t, 'netns_listener');
  if (!f) return;
  const main = f.pids.main as number;
  const expected = `TCP 127.0.0.1:${f.values.port} (LISTEN)`;
  assert.equal(names(['-p', String(main), '--all']).get(`${main}:${f.fds.listener}`), expected);
  const report = fdsJson(['-p', String(main), '--all']);
  const socket = at(report, main, f.fds.listener as number).socket;
  assert.equal(socket?.netns, statSync(`/proc/${main}/ns/net`).ino);
  assert.notEqual(socket?.netns, statSync('/proc/self/ns/net').ino);
  assert.equal(socket?.source, 'sock_diag');

  // without CAP_SYS_ADMIN setns is refused: the holder's /proc/PID/net/tcp names it instead
  const noAdmin = ['setpriv', '--bounding-set', '-sys_admin', '--inh-caps', '-sys_admin', '--'];
  assert.equal(names(['-p', String(main), '--all'], noAdmin).get(`${main}:${f.fds.listener}`), expected);
  const r = runCli(['fds', '-p', String(main), '--all', '--json'], { wrapper: noAdmin });
  const fallback = at(JSON.parse(r.stdout) as FdsReport, main, f.fds.listener as number).socket;
  assert.equal(fallback?.source, 'procfs');
  assert.equal(fallback?.netns, socket?.netns);
  // a socket no table lists is named by neither; without setns that is said, with it (no table) it is not
  const unnamed = (json: string) =>
    (JSON.parse(json) as FdsReport).errors.filter((e) => e.pid === main && e.fd === f.fds.unbound);
  assert.deepEqual(
    unnamed(r.stdout).map((e) => `${e.syscall}:${e.errno}`),
    ['setns:EPERM'],
  );
  assert.match(unnamed(r.stdout)[0]?.message ?? '', /could not be named: entering the network namespace/);
  const withAdmin = runCli(['fds', '-p', String(main), '--all', '--json']);
  assert.deepEqual(unnamed(withAdmin.stdout), []);
});

test('raw, packet and netlink sockets are named (raw from /proc/PID/net/raw where raw_diag is absent)', async (t) => {
  const f = await mkfds(t, 'raw_sockets');
  if (!f) return;
  const main = f.pids.main as number;
  const name = names(['-p', String(main), '--all']);
  assert.equal(
    name.get(`${main}:${f.fds.raw}`),
    'RAW 0.0.0.0:1',
    'ICMP: the "port" is the protocol, as in ss',
  );
  assert.equal(name.get(`${main}:${f.fds.packet}`), 'PACKET RAW 0x0003');
  assert.equal(name.get(`${main}:${f.fds.route}`), `NETLINK route portid=${f.values.portid}`);
});
