/**
 * `kcmp doctor` and the library calls behind it (detectCapabilities, diagnose, remedyFor) on this
 * machine, as root and as an unprivileged user. The blocked cases are in seccomp.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { release } from 'node:os';
import { test } from 'node:test';
import { diagnose } from '../src/compare/diagnose.js';
import { detectCapabilities } from '../src/compare/probe.js';
import { remedyFor } from '../src/compare/remedies.js';
import { readStatus } from '../src/procfs/status.js';
import { runCliAsync } from './helpers/cli-async.js';
import { NOBODY, nobodyWrapper } from './helpers/nobody.js';

test('detectCapabilities: everything is usable on this unfiltered kernel, probed once', () => {
  if (readStatus('self').seccomp !== 'disabled') return;
  const caps = detectCapabilities();
  for (const name of [
    'kcmp',
    'kcmpSysvsem',
    'kcmpEpollTfd',
    'dupfdQuery',
    'pidfdOpen',
    'pidfdGetfd',
  ] as const) {
    assert.equal(caps[name].outcome, 'usable', `${name}: ${caps[name].detail}`);
  }
  assert.equal(caps.dupfdQueryValidatesFd2, true, 'this 6.18 kernel has the F_DUPFD_QUERY fd2 fix');
  assert.equal(detectCapabilities(), caps, 'cached for the process');
});

test('diagnose: facts of this process and no limits for root with CAP_SYS_PTRACE', () => {
  const d = diagnose();
  const status = readStatus('self');
  assert.equal(d.schema, 'kcmp.doctor/1');
  assert.equal(d.kernel.release, release());
  assert.equal(d.user.uid, status.uid[0]);
  assert.equal(d.seccomp.mode, status.seccomp);
  if (d.user.sysPtrace && d.seccomp.mode === 'disabled' && d.user.initialUserNamespace) {
    assert.deepEqual(d.limits, []);
    assert.match(d.canInspect, /^every process in this PID namespace/);
  }
});

test('remedyFor: ptrace EPERM, ESRCH, EBADF, ENOSYS and an old F_DUPFD_QUERY each get their remedy', () => {
  if (readStatus('self').seccomp !== 'disabled') return;
  assert.match(remedyFor({ syscall: 'kcmp', errno: 'EPERM' }) ?? '', /CAP_SYS_PTRACE/);
  assert.match(remedyFor({ syscall: 'kcmp', errno: 'ESRCH' }) ?? '', /PID namespace/);
  assert.match(remedyFor({ syscall: 'kcmp', errno: 'EBADF' }) ?? '', /not open/);
  assert.match(remedyFor({ syscall: 'kcmp', errno: 'ENOSYS' }) ?? '', /CONFIG_KCMP/);
  assert.match(remedyFor({ syscall: 'pidfd_getfd', errno: 'EPERM' }) ?? '', /Yama/);
  assert.match(remedyFor({ syscall: 'fcntl', errno: 'EINVAL' }) ?? '', /6\.10/);
  assert.equal(remedyFor({ syscall: 'kcmp', errno: 'EINVAL' }), undefined);
});

test('kcmp doctor: text and --json, exit 0', async () => {
  const [text, json] = await Promise.all([runCliAsync(['doctor']), runCliAsync(['doctor', '--json'])]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^kernel {9}\S+ \(\w+\)\nkcmp {11}usable\n/);
  for (const row of [
    'F_DUPFD_QUERY',
    'pidfd_open',
    'pidfd_getfd',
    'seccomp',
    'user',
    'yama',
    'can inspect',
  ]) {
    assert.match(text.stdout, new RegExp(`^${row} +\\S`, 'm'), row);
  }
  assert.equal(json.code, 0);
  const d = JSON.parse(json.stdout);
  assert.equal(d.schema, 'kcmp.doctor/1');
  assert.equal(d.capabilities.kcmp.outcome, 'usable');
});

test('kcmp doctor as an unprivileged user names the ptrace limit and its remedy', async (t) => {
  if (spawnSync(NOBODY[0] as string, [...NOBODY.slice(1), 'true']).status !== 0) {
    t.skip('setpriv cannot switch to uid 65534 here');
    return;
  }
  const [text, json] = await Promise.all([
    runCliAsync(['doctor'], { wrapper: nobodyWrapper() }),
    runCliAsync(['doctor', '--json'], { wrapper: nobodyWrapper() }),
  ]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^user +uid 65534, gid 65534, CAP_SYS_PTRACE no$/m);
  assert.match(text.stdout, /^can inspect +only your own processes/m);
  assert.match(text.stdout, /Limits:\n {2}- other users' processes .*\n {4}remedy: run as the target's user/);
  const d = JSON.parse(json.stdout);
  assert.equal(d.user.sysPtrace, false);
  assert.deepEqual(d.user.capEff, []);
});

test('kcmp doctor --help shows examples', async () => {
  const r = await runCliAsync(['doctor', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Examples:\n {2}kcmp doctor /);
});
