/**
 * Manual pages and completion scripts are written from the commander definitions: every subcommand has a
 * page that man(1) renders without warnings and that names every option `--help` lists; the bash script
 * completes subcommands, options and pids; the zsh and fish scripts parse (where those shells exist).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from './helpers/cli.js';

const MAN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'man');
const SUBCOMMANDS = [
  'raw',
  'same',
  'fds',
  'tasks',
  'epoll',
  'leaks',
  'doctor',
  'exporter',
  'metrics',
  'completion',
];

function which(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
}

/** The long options `kcmp CMD --help` lists. */
function helpOptions(cmd: string): string[] {
  return [...runCli([cmd, '--help']).stdout.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map(
    (m) => m[1] as string,
  );
}

test('every subcommand has a manual page naming each option --help lists', () => {
  const pages = readdirSync(MAN_DIR);
  for (const cmd of SUBCOMMANDS) {
    assert.ok(pages.includes(`kcmp-${cmd}.1`), `kcmp-${cmd}.1 is built`);
    const page = readFileSync(join(MAN_DIR, `kcmp-${cmd}.1`), 'utf8').replace(/\\-/g, '-');
    const options = helpOptions(cmd);
    assert.ok(options.length > 0, `${cmd} --help lists options`);
    for (const option of options) assert.ok(page.includes(option), `kcmp-${cmd}.1 documents ${option}`);
  }
  assert.match(readFileSync(join(MAN_DIR, 'kcmp.1'), 'utf8'), /\.B kcmp fds\n/);
});

/** Each option of `kcmp CMD --help`, its flags and help text on one line. */
function helpEntries(cmd: string): Map<string, string> {
  const options = runCli([cmd, '--help'])
    .stdout.split(/\n\n/)
    .find((block) => block.startsWith('Options:'));
  const entries = new Map<string, string>();
  for (const entry of (options ?? '').split(/\n(?= {2}-)/).slice(1)) {
    const [flags = '', ...help] = entry.trim().split(/ {2,}|\n\s+/);
    entries.set(flags, help.join(' '));
  }
  return entries;
}

test('every option says its default once, in --help and on its manual page alike', () => {
  for (const cmd of SUBCOMMANDS) {
    const page = readFileSync(join(MAN_DIR, `kcmp-${cmd}.1`), 'utf8').replace(/\\-/g, '-');
    for (const [flags, help] of helpEntries(cmd)) {
      const defaults = help.match(/\bdefault\b/g)?.length ?? 0;
      assert.ok(defaults <= 1, `kcmp ${cmd} --help: ${flags}: ${help}`);
      if (defaults === 0) continue;
      const item = page.split(`.B ${flags}\n`)[1]?.split('\n.')[0] ?? '';
      assert.match(item, /\bdefault\b/, `kcmp-${cmd}.1 says the default of ${flags} as --help does: ${help}`);
    }
  }
});

test('man -l renders every page without warnings', (t) => {
  if (!which('man')) return t.skip('man(1) is not installed');
  for (const page of readdirSync(MAN_DIR)) {
    const r = spawnSync('man', ['--warnings', '-l', join(MAN_DIR, page)], {
      encoding: 'utf8',
      env: { ...process.env, MANWIDTH: '100', MANPAGER: 'cat', PAGER: 'cat' },
    });
    assert.equal(r.status, 0, `${page}: ${r.stderr}`);
    assert.equal(r.stderr, '', `${page} renders cleanly`);
    assert.match(r.stdout, /NAME\n\s+kcmp/, page);
  }
});

/** What bash's completion offers for the words typed so far (the last one being completed). */
function bashComplete(script: string, words: string[]): string[] {
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const r = spawnSync(
    'bash',
    [
      '-c',
      `${script}\nCOMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _kcmp; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((w) => w !== '');
}

test('bash completion offers subcommands, their options, choices and pids', () => {
  const r = runCli(['completion', 'bash']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(bashComplete(r.stdout, ['kcmp', 'f']), ['fds']);
  assert.ok(bashComplete(r.stdout, ['kcmp', 'fds', '--al']).includes('--all'));
  assert.ok(!bashComplete(r.stdout, ['kcmp', 'same', '--']).includes('--all'), 'same has no --all');
  assert.deepEqual(bashComplete(r.stdout, ['kcmp', 'fds', '--format', 'sv']), ['svg']);
  assert.ok(bashComplete(r.stdout, ['kcmp', 'fds', '-p', String(process.pid)]).includes(String(process.pid)));
});

test('zsh and fish completion scripts parse; an unknown shell is one line, exit 2', (t) => {
  const bad = runCli(['completion', 'tcsh']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^kcmp: unknown shell "tcsh": choose bash, zsh, fish\n$/);
  for (const shell of ['zsh', 'fish']) {
    const script = runCli(['completion', shell]);
    assert.equal(script.code, 0, script.stderr);
    assert.match(script.stdout, /fds/);
    if (!which(shell)) {
      t.diagnostic(`${shell} is not installed: its script is not parsed`);
      continue;
    }
    const dir = mkdtempSync(join(tmpdir(), 'kcmp-completion-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, `kcmp.${shell}`);
    writeFileSync(file, script.stdout);
    const r = spawnSync(shell, ['-n', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${shell} -n: ${r.stderr}`);
  }
  assert.ok(existsSync(MAN_DIR));
});
