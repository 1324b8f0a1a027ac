/**
 * Manual pages are written from the commander definitions: every subcommand has a page that man(1)
 * renders without warnings and that names every option `--help` lists. (Completion scripts, written from
 * the same definitions: test/completion.test.ts.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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
  // npm links only the pages package.json `man` lists (it no longer reads `directories.man` of an
  // installed package): every built page, and only those.
  const pkg = JSON.parse(readFileSync(join(MAN_DIR, '..', '..', 'package.json'), 'utf8'));
  assert.deepEqual([...pkg.man].sort(), pages.map((p) => `./dist/man/${p}`).sort());
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
