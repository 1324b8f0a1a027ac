/**
 * Where the output cannot go: a full device (ENOSPC), a terminal that hung up (EIO), a stdout the shell
 * closed (`>&-`). Each is one line on stderr and exit 2, never a stack trace nor a silent exit 0;
 * `> /dev/null` stays a quiet success.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { CLI } from './helpers/cli.js';

/** Runs `kcmp doctor` from sh with `redirect` applied to it. */
function doctorWith(redirect: string): { code: number | null; stderr: string } {
  const r = spawnSync('sh', ['-c', `"$0" "$1" doctor ${redirect}`, process.execPath, CLI], {
    encoding: 'utf8',
  });
  return { code: r.status, stderr: r.stderr };
}

function assertOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, not a trace: ${stderr}`);
  assert.match(lines[0] ?? '', pattern);
}

test('stdout on a full device (ENOSPC): one line naming the errno, exit 2', () => {
  const r = doctorWith('> /dev/full');
  assert.equal(r.code, 2, r.stderr);
  assertOneLine(
    r.stderr,
    /^kcmp: cannot write the output: write to stdout failed: ENOSPC \(no space left on device\)$/,
  );
});

test('stdout closed by the shell (>&-): said on stderr, exit 2, not a silent 0', () => {
  const r = doctorWith('>&-');
  assert.equal(r.code, 2, r.stderr);
  assertOneLine(r.stderr, /^kcmp: stdout is closed .*> \/dev\/null$/);
});

test('stdout discarded with > /dev/null (opened write-only by the shell): exit 0, nothing on stderr', () => {
  assert.deepEqual(doctorWith('> /dev/null'), { code: 0, stderr: '' });
});

test('stdout on a terminal whose other side closed (EIO): one line, exit 2', (t) => {
  const script = [
    'import os, pty, subprocess, sys',
    'm, s = pty.openpty(); os.close(m)',
    'r = subprocess.run(sys.argv[1:], stdout=s, stderr=subprocess.PIPE)',
    'sys.stderr.write(r.stderr.decode()); sys.exit(r.returncode)',
  ].join('\n');
  const r = spawnSync('python3', ['-c', script, process.execPath, CLI, 'doctor'], { encoding: 'utf8' });
  if (r.error) {
    t.skip(`python3 is needed to make a pty: ${r.error.message}`);
    return;
  }
  assert.equal(r.status, 2, r.stderr);
  assertOneLine(r.stderr, /^kcmp: cannot write the output: write to stdout failed: EIO /);
});

test('a command that prints nothing is not concerned: kcmp same -s with stdout closed answers by exit status', () => {
  const same = spawnSync('sh', ['-c', '"$0" "$1" same -s $$:2 $$:2 >&-', process.execPath, CLI], {
    encoding: 'utf8',
  });
  assert.deepEqual({ code: same.status, stderr: same.stderr }, { code: 0, stderr: '' });
});
