/**
 * `kcmp completion bash|zsh|fish`: each shell's own completion, driven with the script kcmp prints
 * (test/helpers/shell-completion.ts), offers subcommands and their options, an option's words (`--engine`,
 * `--format`), column names after `-o` (the subcommand's own, as a comma-separated list), pids after `-p`
 * and for `raw PID PID`, kcmp types after `raw PID PID`, and shells after `completion`. The zsh and fish
 * scripts also parse (`-n`); an unknown shell is one line, exit 2.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from './helpers/cli.js';
import { type CompletionShell, completer, missingShell } from './helpers/shell-completion.js';

const PID = String(process.pid);
const KCMP_TYPES = ['file', 'vm', 'files', 'fs', 'sighand', 'io', 'sysvsem', 'epoll-tfd'];

function sorted(words: readonly string[]): string[] {
  return [...new Set(words)].sort();
}

for (const shell of ['bash', 'zsh', 'fish'] as const satisfies readonly CompletionShell[]) {
  test(`${shell} completion offers subcommands, options, their values, pids, kcmp types and shells`, {
    skip: missingShell(shell),
  }, (t) => {
    const script = runCli(['completion', shell]);
    assert.equal(script.code, 0, script.stderr);
    const offered = completer(t, shell, script.stdout);
    assert.deepEqual(sorted(offered('kcmp f')), ['fds']);
    assert.ok(offered('kcmp fds --al').includes('--all'));
    assert.ok(!offered('kcmp same --').includes('--all'), 'same has no --all');
    assert.deepEqual(sorted(offered('kcmp fds --format sv')), ['svg']);
    assert.deepEqual(sorted(offered('kcmp fds --engine ')), ['auto', 'borrow', 'bpf', 'kcmp']);
    assert.deepEqual(sorted(offered('kcmp exporter --group-by ')), ['cgroup', 'comm', 'unit']);
    const fdsColumns = offered('kcmp fds -o ');
    assert.ok(fdsColumns.includes('NAME') && fdsColumns.includes('SOCK.STATE'), fdsColumns.join(' '));
    const taskColumns = offered('kcmp tasks -o ');
    assert.ok(taskColumns.includes('SIGHAND') && !taskColumns.includes('SOCK.STATE'), taskColumns.join(' '));
    // The column after the comma; the shells differ in whether they show the list typed so far.
    assert.deepEqual(sorted(offered('kcmp fds -o PID,COMM').map((w) => w.replace(/^PID,/, ''))), ['COMMAND']);
    assert.ok(offered('kcmp fds -p ').includes(PID), `${shell} offers pids after -p`);
    assert.ok(offered('kcmp tasks --tree ').includes(PID), `${shell} offers pids after --tree`);
    assert.ok(offered('kcmp raw ').includes(PID), `${shell} offers pids for raw's PID1`);
    assert.ok(offered(`kcmp raw ${PID} `).includes(PID), `${shell} offers pids for raw's PID2`);
    assert.deepEqual(sorted(offered(`kcmp raw ${PID} ${PID} `)), sorted(KCMP_TYPES));
    assert.deepEqual(sorted(offered(`kcmp raw -J ${PID} ${PID} s`)), ['sighand', 'sysvsem']);
    assert.deepEqual(sorted(offered('kcmp completion ')), ['bash', 'fish', 'zsh']);
  });
}

test('zsh and fish completion scripts parse; an unknown shell is one line, exit 2', (t) => {
  const bad = runCli(['completion', 'tcsh']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^kcmp: unknown shell "tcsh": choose bash, zsh, fish\n$/);
  for (const shell of ['zsh', 'fish'] as const) {
    const script = runCli(['completion', shell]);
    assert.equal(script.code, 0, script.stderr);
    assert.match(script.stdout, /fds/);
    const missing = missingShell(shell);
    if (missing) {
      t.diagnostic(`${missing}: its script is not parsed`);
      continue;
    }
    const dir = mkdtempSync(join(tmpdir(), 'kcmp-completion-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, `kcmp.${shell}`);
    writeFileSync(file, script.stdout);
    const r = spawnSync(shell, ['-n', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${shell} -n: ${r.stderr}`);
  }
});
