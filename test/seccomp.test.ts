/**
 * The CLI under seccomp filters that block kcmp the way sandboxes do (kcmp-spec.md §5): EPERM (Docker
 * without CAP_SYS_PTRACE), ENOSYS (a kernel without CONFIG_KCMP), kill (SIGSYS), each also with
 * pidfd_getfd blocked. Whatever the filter, `kcmp same` never answers 0 or 1 wrongly — every answer is
 * checked against kcmp made by this (unfiltered) test process — never dies of SIGSYS, and says why
 * when it cannot decide; `kcmp doctor` explains the block and exits 0.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { kcmp } from '../src/compare/kcmp.js';
import { mkfds } from './fixture/mkfds.js';
import { SECCOMP_MODES, type SeccompMode, seccompWrapper } from './fixture/seccomp.js';
import { CLI } from './helpers/cli.js';
import { runCliAsync } from './helpers/cli-async.js';
import { pick } from './helpers/kernel.js';
import { assertValid } from './helpers/schema.js';

interface Pair {
  name: string;
  a: string;
  b: string;
  /** The truth, from kcmp in this process. */
  same: boolean;
  /** Decidable without kcmp: different inodes, or one socket. */
  withoutKcmp?: 'different-inode' | 'socket-inode';
}

const KCMP_WORDS: Readonly<Record<string, RegExp>> = {
  eperm: /blocks kcmp here: .*--cap-add SYS_PTRACE/,
  enosys: /no kcmp .*CONFIG_KCMP/,
  kill: /kills processes that call kcmp/,
};

const DOCTOR_OUTCOME: Readonly<Record<string, string>> = { eperm: 'eperm', enosys: 'enosys', kill: 'killed' };

test('kcmp same and kcmp doctor under every seccomp mode: no wrong answer, no SIGSYS, a reason', async (t) => {
  const f = await mkfds(t, 'fork');
  if (!f) return;
  const { main, child } = pick(f.pids, 'main', 'child');
  const fd = pick(f.fds, 'shared', 'childOwn', 'pipeRead', 'sock0');
  const truth = (a: number, b: number) => kcmp(main, child, 'file', a, b) === 'equal';
  const pairs: Pair[] = [
    {
      name: 'inherited fd',
      a: `${main}:${fd.shared}`,
      b: `${child}:${fd.shared}`,
      same: truth(fd.shared, fd.shared),
    },
    {
      name: 'two opens',
      a: `${main}:${fd.shared}`,
      b: `${child}:${fd.childOwn}`,
      same: truth(fd.shared, fd.childOwn),
    },
    {
      name: 'file vs pipe',
      a: `${main}:${fd.shared}`,
      b: `${child}:${fd.pipeRead}`,
      same: truth(fd.shared, fd.pipeRead),
      withoutKcmp: 'different-inode',
    },
    {
      name: 'one socket',
      a: `${main}:${fd.sock0}`,
      b: `${child}:${fd.sock0}`,
      same: truth(fd.sock0, fd.sock0),
      withoutKcmp: 'socket-inode',
    },
  ];
  assert.deepEqual(
    pairs.map((p) => p.same),
    [true, false, false, true],
  );

  const check = async (mode: SeccompMode): Promise<void> => {
    const wrapper = seccompWrapper(mode);
    const [base] = mode.split('+') as [string];
    const getfdBlocked = mode.endsWith('+getfd');
    const runs = pairs.flatMap((pair) =>
      [false, true].map(async (borrow) => {
        const args = ['same', '--json', ...(borrow ? ['--borrow'] : []), pair.a, pair.b];
        const r = await runCliAsync(args, { wrapper });
        const what = `[${mode}] ${pair.name}${borrow ? ' --borrow' : ''}`;
        assert.equal(r.signal, null, `${what}: died of ${r.signal}`);
        const doc = JSON.parse(r.stdout) as {
          same: boolean | null;
          method: string;
          reason?: { remedy?: string };
        };
        if (doc.same !== null) assert.equal(doc.same, pair.same, `${what}: WRONG ANSWER via ${doc.method}`);
        assert.equal(r.code, doc.same === null ? 2 : doc.same ? 0 : 1, what);
        if (pair.withoutKcmp) {
          assert.equal(doc.method, pair.withoutKcmp, what);
        } else if (borrow && !getfdBlocked) {
          assert.equal(doc.method, 'borrowed-dupfd-query', `${what}: pidfd_getfd is allowed`);
        } else {
          assert.equal(doc.same, null, `${what}: undecided`);
          assert.match(doc.reason?.remedy ?? '', KCMP_WORDS[base] as RegExp, what);
        }
      }),
    );
    const doctor = runCliAsync(['doctor', '--json'], { wrapper }).then((r) => {
      assert.equal(r.signal, null, `[${mode}] doctor died of ${r.signal}`);
      assert.equal(r.code, 0, `[${mode}] doctor: ${r.stderr}`);
      const d = JSON.parse(r.stdout);
      assert.equal(d.schema, 'kcmp.doctor/1');
      assert.equal(d.seccomp.mode, 'filter');
      assert.equal(d.capabilities.kcmp.outcome, DOCTOR_OUTCOME[base], mode);
      assert.equal(d.capabilities.pidfdGetfd.outcome === 'usable', !getfdBlocked, mode);
      assert.ok(
        d.limits.some((l: { remedy: string }) => (KCMP_WORDS[base] as RegExp).test(l.remedy)),
        mode,
      );
    });
    await Promise.all([...runs, doctor]);
  };
  for (const mode of SECCOMP_MODES) await check(mode);
});

test('kcmp doctor explains a kill policy in words, and the one-pair answer says it did not call kcmp', async (t) => {
  const f = await mkfds(t, 'fork');
  if (!f) return;
  const { main, child } = pick(f.pids, 'main', 'child');
  const { shared } = pick(f.fds, 'shared');
  const wrapper = seccompWrapper('kill+getfd');
  const [doctor, same, sameJson] = await Promise.all([
    runCliAsync(['doctor'], { wrapper }),
    runCliAsync(['same', `${main}:${shared}`, `${child}:${shared}`], { wrapper }),
    runCliAsync(['same', '--json', '--borrow', `${main}:${shared}`, `${child}:${shared}`], { wrapper }),
  ]);
  assert.match(doctor.stdout, /^kcmp {11}killed by seccomp \(SIGSYS\)/m);
  assert.match(doctor.stdout, /^pidfd_getfd {4}killed by seccomp \(SIGSYS\)/m);
  assert.match(doctor.stdout, /^seccomp {8}filter/m);
  assert.equal(same.code, 2);
  assert.match(same.stdout, /^undecided: kcmp not called: a seccomp filter kills/);
  // No errno: neither kcmp nor pidfd_getfd was called, so none was returned.
  assertValid('kcmp.same/1', sameJson.stdout);
  const { reason } = JSON.parse(sameJson.stdout) as {
    reason: { syscall: string; errno: string | null; remedy: string };
  };
  assert.deepEqual([reason.syscall, reason.errno], ['kcmp', null]);
  assert.match(reason.message, /^kcmp not called: .*; pidfd_getfd not called: /);
  assert.match(reason.remedy, /^a seccomp filter kills processes that call kcmp/);
});

test('kcmp epoll under every seccomp mode: probed in a child first, never SIGSYS, one line naming the block, exit 2', async (t) => {
  const f = await mkfds(t, 'epoll_bugs');
  if (!f) return;
  const { main } = pick(f.pids, 'main');
  const { clean } = pick(f.fds, 'clean');
  await Promise.all(
    SECCOMP_MODES.map(async (mode) => {
      const r = await runCliAsync(['epoll', String(main), String(clean)], { wrapper: seccompWrapper(mode) });
      const [base] = mode.split('+') as [string];
      assert.equal(r.signal, null, `[${mode}] died of ${r.signal}`);
      assert.equal(r.code, 2, `[${mode}] ${r.stderr}`);
      assert.equal(r.stdout, '', mode);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `[${mode}] one line: ${r.stderr}`);
      assert.match(
        lines[0] ?? '',
        /^kcmp: cannot check the registrations of epoll fd \d+ .*kcmp cannot be used here/,
      );
      assert.match(lines[0] ?? '', KCMP_WORDS[base] as RegExp, mode);
    }),
  );
});

/** The programs a CLI run executes, by strace(1): the node binary once per process started. */
function execsOf(args: string[], wrapper: string[] = []): string[] | null {
  const probe = spawnSync('strace', ['-V'], { encoding: 'utf8' });
  if (probe.status !== 0) return null;
  const r = spawnSync(
    'strace',
    [
      '-f',
      '-qq',
      '-e',
      'trace=execve',
      '-e',
      'signal=none',
      '--',
      ...wrapper,
      process.execPath,
      CLI,
      ...args,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stderr.split('\n').filter((line) => /execve\(.*\) = 0$/.test(line));
}

test('the capability probes run in-process without a seccomp filter, and in a child under one', (t) => {
  const args = ['doctor'];
  const plain = execsOf(args);
  if (plain === null) return t.skip('strace is not installed');
  const nodes = (execs: string[]) => execs.filter((line) => line.includes(process.execPath)).length;
  assert.equal(nodes(plain), 1, `only the CLI's own node starts:\n${plain.join('\n')}`);
  const filtered = execsOf(args, seccompWrapper('eperm')) as string[];
  assert.ok(nodes(filtered) >= 2, `a probe child starts under a filter:\n${filtered.join('\n')}`);
});
