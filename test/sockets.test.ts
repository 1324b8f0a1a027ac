/**
 * Sockets named by `kcmp fds` (sock_diag, per network namespace; /proc/PID/net without CAP_SYS_ADMIN), on
 * the mkfds `peers` and `netns_listener` scenarios: a loopback listener both processes hold, the two ends
 * of its connection, a socketpair, and a listener in a network namespace of its own; and wherever lsfd
 * names them (`socket_protocols`, `ping`, `netns_passed`): unbound TCP and UDP sockets and UDP-Lite ones by
 * their protocol (TYPE, as lsfd 2.39+ prints it), ping sockets, and sockets made in another namespace than
 * their holder's — found in a process's namespace, or with --borrow through SIOCGSKNS. Compared with a
 * current lsfd where one is installed (LSFD=path, else lsfd on the PATH), and always with fixed strings.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bpfBlocker } from '../src/inspect/fds/fd-engine.js';
import type { Description, FdsReport } from '../src/inspect/fds/fds-report.js';
import { mkfds } from './fixture/mkfds.js';
import { seccompWrapper } from './fixture/seccomp.js';
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
      netnsFrom: 'holder',
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

/** The socket object and TYPE of the description fd `fd` of `pid` holds. */
function socketOf(report: FdsReport, pid: number, fd: number) {
  const d = at(report, pid, fd);
  return { type: d.type, stType: d.stType, socket: d.socket && { ...d.socket, ino: d.socket.ino === d.ino } };
}

test('TYPE is the protocol as lsfd 2.39+ prints it (the kernel protocol name), STTYPE and -J stType say SOCK', async (t) => {
  const f = await mkfds(t, 'socket_protocols');
  if (!f) return;
  const main = String(f.pids.main);
  const rows = rawRows(['fds', '-p', main, '--all', '-o', 'FD,TYPE,STTYPE']);
  const cells = new Map(rows.map(([fd, type, stType]) => [Number(fd), `${type} ${stType}`]));
  assert.equal(cells.get(f.fds.tcp as number), 'TCP SOCK');
  assert.equal(cells.get(f.fds.udp as number), 'UDP SOCK');
  assert.equal(cells.get(f.fds.udplite as number), 'UDP-Lite SOCK');
  assert.equal(cells.get(f.fds.udpliteUnbound as number), 'UDP-Lite SOCK');
  assert.equal(cells.get(f.fds.unixDgram as number), 'UNIX SOCK', 'a UNIX datagram socket is plain UNIX');
  assert.equal(
    cells.get(f.fds.pipe as number),
    'FIFO FIFO',
    'other files keep their TYPE; STTYPE is their stat type',
  );
  const report = fdsJson(['-p', main, '--all']);
  const d = at(report, Number(main), f.fds.udplite as number);
  assert.deepEqual([d.type, d.stType], ['UDP-Lite', 'SOCK']);
  // a filter on the file type goes through STTYPE, as lsfd's predefined "sockets" counter does (the
  // fixture's stdin, stdout and stderr are sockets too: Node's pipes to its children are socketpairs)
  const filtered = rawRows(['fds', '-p', main, '--all', '-Q', "STTYPE == 'SOCK'", '-o', 'FD']);
  const sockets = new Set(filtered.map(([fd]) => Number(fd)));
  for (const k of ['tcp', 'udp', 'udplite', 'udpliteUnbound', 'unixDgram'])
    assert.ok(sockets.has(f.fds[k] as number), `${k} is a socket`);
  assert.ok(!sockets.has(f.fds.pipe as number), 'a pipe is not');
});

test('unbound TCP and UDP sockets and UDP-Lite sockets are named with their protocol', async (t) => {
  const f = await mkfds(t, 'socket_protocols');
  if (!f) return;
  const main = f.pids.main as number;
  const name = names(['-p', String(main), '--all']);
  assert.equal(name.get(`${main}:${f.fds.tcp}`), 'TCP', 'in no socket table: the protocol alone');
  assert.equal(name.get(`${main}:${f.fds.udp}`), 'UDP');
  assert.equal(name.get(`${main}:${f.fds.udplite}`), `UDP-Lite 127.0.0.1:${f.values.udplitePort}`);
  assert.equal(name.get(`${main}:${f.fds.udpliteUnbound}`), 'UDP-Lite');
  const report = fdsJson(['-p', String(main), '--all']);
  const ours = statSync('/proc/self/ns/net').ino;
  assert.deepEqual(socketOf(report, main, f.fds.udplite as number).socket, {
    ino: true,
    protocol: 'UDP-Lite',
    state: 'CLOSE',
    local: { address: '127.0.0.1', port: f.values.udplitePort },
    netns: ours,
    netnsFrom: 'holder',
    source: 'sock_diag',
  });
  assert.deepEqual(socketOf(report, main, f.fds.tcp as number).socket, {
    ino: true,
    protocol: 'TCP',
    source: 'protoname',
  });
  assert.deepEqual(report.errors, []);
});

test('ping sockets are named from /proc/net/icmp of their namespace', async (t) => {
  if (!isRoot)
    return t.skip('a ping socket for root needs a namespace whose ping_group_range admits it: run as root');
  const f = await mkfds(t, 'ping');
  if (!f) return;
  const main = f.pids.main as number;
  const name = names(['-p', String(main), '--all']);
  assert.equal(name.get(`${main}:${f.fds.ping}`), `PING 0.0.0.0:${f.values.id}`, 'the "port" is the echo id');
  assert.equal(name.get(`${main}:${f.fds.unbound}`), 'PING');
  const report = fdsJson(['-p', String(main), '--all']);
  const ping = socketOf(report, main, f.fds.ping as number);
  assert.equal(ping.type, 'PING');
  assert.deepEqual(
    { ...ping.socket, local: undefined },
    {
      ino: true,
      protocol: 'PING',
      state: 'CLOSE',
      local: undefined,
      netns: statSync(`/proc/${main}/ns/net`).ino,
      netnsFrom: 'holder',
      source: 'procfs',
    },
  );
});

test('a socket made in another network namespace and passed to a holder in ours is found in a namespace some process is in', async (t) => {
  if (!isRoot) return t.skip('the fixture creates a network namespace (CAP_SYS_ADMIN): run as root');
  const f = await mkfds(t, 'netns_passed');
  if (!f) return;
  const { main, child } = f.pids as Record<string, number>;
  const name = names(['-p', String(main), '--all']);
  assert.equal(name.get(`${main}:${f.fds.listener}`), `TCP 127.0.0.1:${f.values.port} (LISTEN)`);
  assert.equal(name.get(`${main}:${f.fds.udp}`), `UDP 127.0.0.1:${f.values.udpPort}`);
  assert.equal(name.get(`${main}:${f.fds.unbound}`), 'TCP');
  const report = fdsJson(['-p', String(main), '--all']);
  const listener = socketOf(report, main as number, f.fds.listener as number).socket;
  assert.equal(
    listener?.netns,
    statSync(`/proc/${child}/ns/net`).ino,
    "the child's namespace, not the holder's",
  );
  assert.notEqual(listener?.netns, statSync(`/proc/${main}/ns/net`).ino);
  assert.equal(listener?.netnsFrom, 'scan');
  assert.deepEqual(socketOf(report, main as number, f.fds.unbound as number).socket, {
    ino: true,
    protocol: 'TCP',
    source: 'protoname',
  });
});

test('with --borrow, a socket whose namespace no process is in is named through SIOCGSKNS, and said so', async (t) => {
  if (!isRoot) return t.skip('the fixture creates a network namespace (CAP_SYS_ADMIN): run as root');
  const f = await mkfds(t, 'netns_passed', ['exit']);
  if (!f) return;
  const main = f.pids.main as number;
  const listenerFd = f.fds.listener as number;
  // without --borrow nothing is borrowed: only the protocol is known
  assert.equal(names(['-p', String(main), '--all']).get(`${main}:${listenerFd}`), 'TCP');
  const plain = fdsJson(['-p', String(main), '--all']);
  assert.deepEqual(socketOf(plain, main, listenerFd).socket, {
    ino: true,
    protocol: 'TCP',
    source: 'protoname',
  });

  const borrowed = names(['-p', String(main), '--all', '--borrow']);
  assert.equal(borrowed.get(`${main}:${listenerFd}`), `TCP 127.0.0.1:${f.values.port} (LISTEN)`);
  assert.equal(borrowed.get(`${main}:${f.fds.udp}`), `UDP 127.0.0.1:${f.values.udpPort}`);
  const report = fdsJson(['-p', String(main), '--all', '--borrow']);
  const listener = socketOf(report, main, listenerFd).socket;
  assert.equal(listener?.netnsFrom, 'borrowed');
  assert.equal(listener?.source, 'sock_diag');
  assert.notEqual(listener?.netns, statSync('/proc/self/ns/net').ino);
  assert.deepEqual(socketOf(report, main, f.fds.unbound as number).socket, {
    ino: true,
    protocol: 'TCP',
    netns: listener?.netns,
    netnsFrom: 'borrowed',
    source: 'protoname',
  });
  assert.deepEqual(report.errors, []);

  // borrowing refused (a seccomp filter answers pidfd_getfd with EPERM): the protocol alone, and why
  const refused = fdsJson(['-p', String(main), '--all', '--borrow'], {
    wrapper: seccompWrapper('eperm+getfd'),
  });
  assert.deepEqual(socketOf(refused, main, listenerFd).socket, {
    ino: true,
    protocol: 'TCP',
    source: 'protoname',
  });
  const row = refused.errors.find((e) => e.fd === listenerFd);
  assert.deepEqual([row?.syscall, row?.errno], ['pidfd_getfd', 'EPERM']);
  assert.match(
    row?.message ?? '',
    /^socket:\[\d+\] \(fd \d+ of process \d+\) could not be named: pidfd_getfd failed: EPERM/,
  );
});

test('the bpf engine gives each socket the TYPE the kcmp engine reads, from its pass: no getxattr', async (t) => {
  const why = bpfBlocker();
  if (why) return t.skip(why);
  if (spawnSync('strace', ['-V']).status !== 0) return t.skip('strace is not installed');
  const f = await mkfds(t, 'socket_protocols');
  if (!f) return;
  const main = String(f.pids.main);
  const types = (engine: string, wrapper?: string[]) =>
    rawRows(['fds', '-p', main, '--all', '--engine', engine, '-o', 'FD,TYPE'], wrapper ? { wrapper } : {})
      .map((cells) => cells.join(' '))
      .sort();
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-strace-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const trace = join(dir, 'trace');
  const strace = ['strace', '-f', '-qq', '-e', 'trace=getxattr,lgetxattr', '-o', trace];
  const kcmp = types('kcmp', strace);
  const getxattrs = () =>
    readFileSync(trace, 'utf8')
      .split('\n')
      .filter((l) => /getxattr\(/.test(l)).length;
  assert.ok(getxattrs() >= 5, "the kcmp engine reads each socket's protocol by getxattr (the trace sees it)");
  assert.deepEqual(types('bpf', strace), kcmp);
  assert.equal(getxattrs(), 0, 'the bpf engine read every protocol in its pass');
  assert.ok(kcmp.includes(`${f.fds.udplite} UDP-Lite`));
});

/** A current lsfd (2.39+, whose TYPE is a socket's protocol): $LSFD, else lsfd on the PATH; or why none. */
function currentLsfd(): { path: string } | { why: string } {
  const path = process.env.LSFD ?? 'lsfd';
  const r = spawnSync(path, ['--version'], { encoding: 'utf8' });
  if (r.error) return { why: `no lsfd to compare with (${path}: ${r.error.message}; set LSFD to one)` };
  const [major = 0, minor = 0] = (/(\d+)\.(\d+)/.exec(r.stdout) ?? []).slice(1).map(Number);
  if (major < 2 || (major === 2 && minor < 39))
    return { why: `${path} is ${r.stdout.trim()}: its TYPE is SOCK; 2.39+ prints the protocol (set LSFD)` };
  return { path };
}

test('TYPE, STTYPE and SOCK.NETNS of each socket are what current lsfd prints (with --borrow, as lsfd borrows)', async (t) => {
  const lsfd = currentLsfd();
  if ('why' in lsfd) return t.skip(lsfd.why);
  const scenarios: [string, string[]][] = [['socket_protocols', []]];
  if (isRoot) scenarios.push(['netns_passed', []], ['netns_passed', ['exit']], ['ping', []]);
  for (const [scenario, args] of scenarios) {
    const f = await mkfds(t, scenario, args);
    if (!f) continue;
    const pid = String(f.pids.main);
    const columns = 'FD,TYPE,STTYPE,SOCK.NETNS';
    const r = spawnSync(lsfd.path, ['-p', pid, '-r', '-n', '-o', columns, '-Q', "STTYPE == 'SOCK'"], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const theirs = r.stdout.trimEnd().split('\n').sort();
    const ours = rawRows(['fds', '-p', pid, '--all', '--borrow', '-o', columns, '-Q', "STTYPE == 'SOCK'"])
      .map((cells) => cells.join(' '))
      .sort();
    assert.deepEqual(ours, theirs, `${scenario} ${args.join(' ')}`);
    await f.stop();
  }
});
