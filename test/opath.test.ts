/**
 * Every answer given without kcmp, attacked with O_PATH (mkfds `opath`): opens of /proc/self/fd/N with
 * O_PATH make a second open file description on the inode of a socket, an eventfd or any other kind —
 * even where a normal reopen fails with ENXIO — and dups, fork and SCM_RIGHTS spread them over three
 * processes. `kcmp fds` (default, --paranoid, worker threads; --borrow and no method at all under a
 * seccomp filter that refuses kcmp) and `kcmp same` / sameFile() must agree with pidfd_getfd +
 * F_DUPFD_QUERY (no kcmp, no shortcut) on every pair.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import { kcmp } from '../src/compare/kcmp.js';
import { sameFile } from '../src/compare/same-file.js';
import { bpfBlocker } from '../src/inspect/fds/fd-engine.js';
import { sysDupfdQuery } from '../src/sys/fcntl.js';
import { type Fixture, mkfds } from './fixture/mkfds.js';
import { seccompWrapper } from './fixture/seccomp.js';
import { runCli } from './helpers/cli.js';
import { assertSound, descriptionOf, fdsJson, oracle, partition } from './helpers/fds.js';

const SOCKETS = ['unixStream', 'unixDgram', 'unixSeqpacket', 'tcp', 'udp', 'netlink', 'packet'];

interface Topology {
  f: Fixture;
  pids: number[];
  truth: string[][];
  /** "pid:fd" of a fixture fd name: `Received` names live in the receiver, `ChildPath` in the child. */
  ref(name: string): string;
  sockets: string[];
}

async function topology(t: Parameters<typeof mkfds>[0]): Promise<Topology | null> {
  if (sysDupfdQuery(0, 0) < 0) {
    t.skip('F_DUPFD_QUERY needs Linux 6.10');
    return null;
  }
  const f = await mkfds(t, 'opath');
  if (!f) return null;
  const { main, child, receiver } = f.pids as Record<string, number>;
  const pids = [main, child, receiver] as number[];
  const ref = (name: string): string => {
    const fd = f.fds[name];
    assert.ok(fd !== undefined, `the fixture reported no ${name}`);
    if (name.endsWith('Received')) return `${receiver}:${fd}`;
    if (name.endsWith('ChildPath')) return `${child}:${fd}`;
    return `${main}:${fd}`;
  };
  return { f, pids, truth: oracle(pids), ref, sockets: SOCKETS.filter((k) => k in f.fds) };
}

const classOf = (truth: readonly string[][]) => {
  const map = new Map<string, number>();
  truth.forEach((members, i) => {
    for (const m of members) map.set(m, i);
  });
  return map;
};

test('kcmp fds: the oracle partition with O_PATH fds of every kind, a socket never merged with its O_PATH fds', async (t) => {
  const topo = await topology(t);
  if (!topo) return;
  const { pids, truth, ref, sockets } = topo;
  // The bpf engine too where it can run here (root, BTF): O_PATH shows in the f_mode its pass reads.
  const bpf =
    bpfBlocker() === null
      ? [
          ['--engine', 'bpf'],
          ['--engine', 'bpf', '--paranoid'],
        ]
      : [];
  for (const args of [[], ['--paranoid'], ['--workers', '2'], ...bpf]) {
    const report = fdsJson(['-p', pids.join(','), '--all', ...args]);
    const what = `kcmp fds ${args.join(' ')}`;
    assert.deepEqual(report.errors, [], what);
    assert.ok(
      report.descriptions.every((d) => d.certain),
      what,
    );
    assert.deepEqual(partition(report), truth, what);
    const byFd = descriptionOf(report);
    const method = new Map(report.descriptions.map((d) => [d.id, d.method]));
    for (const k of sockets) {
      const [socket, path] = [byFd.get(ref(k)), byFd.get(ref(`${k}Path`))];
      assert.notEqual(socket, path, `${what}: ${k} merged with its O_PATH fd`);
      if (!args.includes('--paranoid')) {
        assert.equal(method.get(socket as string), 'socket-inode', `${what}: ${k}`);
        assert.equal(method.get(path as string), 'kcmp', `${what}: ${k}Path among other O_PATH fds`);
      }
    }
  }
});

test('kcmp fds under a seccomp filter refusing kcmp: --borrow gives the oracle partition, without it nothing false', async (t) => {
  const topo = await topology(t);
  if (!topo) return;
  const { pids, truth, ref, sockets } = topo;
  const wrapper = seccompWrapper('eperm');
  const borrowed = fdsJson(['-p', pids.join(','), '--all', '--borrow'], { wrapper });
  assert.deepEqual(borrowed.errors, []);
  assert.deepEqual(
    partition(borrowed),
    truth,
    '--borrow: the pre-split by access mode and O_PATH must be exact',
  );
  const blocked = fdsJson(['-p', pids.join(','), '--all'], { wrapper });
  assertSound(blocked, truth, 'kcmp blocked');
  const byFd = descriptionOf(blocked);
  for (const k of sockets) {
    const d = blocked.descriptions.find((x) => x.id === byFd.get(ref(k)));
    assert.equal(d?.method, 'socket-inode', `${k}: its I/O fds need no kcmp`);
    assert.equal(d?.certain, true, `${k}: its O_PATH fds cannot belong to its description`);
  }
});

test('sameFile on every pair of fds of one inode agrees with the oracle; kcmp same names o-path', async (t) => {
  const topo = await topology(t);
  if (!topo) return;
  const { pids, truth, ref, sockets } = topo;
  const truthOf = classOf(truth);
  const fds = pids.flatMap((pid) => {
    const names = truth.flat().filter((m) => m.startsWith(`${pid}:`));
    return names.map((m) => ({ pid, fd: Number(m.split(':')[1]), key: m }));
  });
  // Every pair of fds of one inode: the pairs a shortcut could answer wrongly.
  const inodes = new Map<string, typeof fds>();
  for (const r of fds) {
    const st = statSync(`/proc/${r.pid}/fd/${r.fd}`, { bigint: true });
    const key = `${st.dev}:${st.ino}`;
    inodes.set(key, [...(inodes.get(key) ?? []), r]);
  }
  let pairs = 0;
  for (const group of inodes.values()) {
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        const [a, b] = [group[i], group[j]] as [(typeof fds)[0], (typeof fds)[0]];
        const expected = truthOf.get(a.key) === truthOf.get(b.key);
        const verdict = sameFile(a, b);
        assert.equal(verdict.same, expected, `sameFile ${a.key} ${b.key}: ${verdict.method}`);
        pairs++;
      }
    }
  }
  assert.ok(pairs > 100, `only ${pairs} same-inode pairs`);
  for (const k of sockets.slice(0, 2)) {
    const r = runCli(['same', ref(k), ref(`${k}Path`)]);
    assert.equal(`${r.code} ${r.stdout}`, '1 different (o-path)\n', `kcmp same ${k} ${k}Path: ${r.stderr}`);
    const blocked = runCli(['same', ref(k), ref(`${k}Path`)], { wrapper: seccompWrapper('eperm') });
    assert.equal(blocked.code, 1, `under seccomp, ${k} vs ${k}Path needs no kcmp: ${blocked.stderr}`);
    const [main, fd] = ref(k).split(':').map(Number) as [number, number];
    assert.equal(kcmp(main, main, 'file', fd, topo.f.fds[`${k}Path`] as number) === 'equal', false);
  }
});
