/**
 * What the CLI prints, on real processes: hostile names escaped (golden files under test/expected/),
 * bytes that are not UTF-8 kept in JSON, display widths and terminal truncation, repeated selections,
 * -J with -o, TID rows, stable description ids, one-line errors and exit codes.
 * Set KCMP_UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate change.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import stringWidth from 'string-width';
import type { FdsReport } from '../src/inspect/fds/fds-report.js';
import { type Fixture, mkfds } from './fixture/mkfds.js';
import { runCli } from './helpers/cli.js';
import { runCliAsync } from './helpers/cli-async.js';
import { nobodyWrapper } from './helpers/nobody.js';
import { assertValid } from './helpers/schema.js';
import { onTerminal } from './helpers/terminal.js';

const EXPECTED = join(dirname(fileURLToPath(import.meta.url)), 'expected');

/** The names fixture in /tmp, so its scratch directory has one length (it is replaced in goldens). */
async function names(t: Parameters<typeof mkfds>[0]): Promise<Fixture | null> {
  process.env.TMPDIR = '/tmp';
  return mkfds(t, 'names');
}

function golden(file: string, actual: string): void {
  const path = join(EXPECTED, file);
  if (process.env.KCMP_UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  assert.equal(actual, readFileSync(path, 'utf8'), `${file} (KCMP_UPDATE_GOLDEN=1 rewrites it)`);
}

/**
 * Only fds 3..8 (the hostile names) are printed: fds the fixture inherits from whoever runs the
 * suite (a CI harness leaves some open) would otherwise widen the FD column.
 */
const HOSTILE_FDS = ['-Q', 'FD >= 3 && FD <= 8'];

/** The heading and the hostile rows, the scratch directory as SCRATCH/, the summary line dropped. */
function hostileRows(f: Fixture, stdout: string): string {
  const rows = stdout.split('\n').filter((line) => line !== '' && !/^\d+ process/.test(line));
  return `${rows.map((line) => line.replaceAll(String(f.values.dir), 'SCRATCH/')).join('\n')}\n`;
}

test('fds table and -r escape hostile file names and comms as libsmartcols does (golden)', async (t) => {
  const f = await names(t);
  if (!f) return;
  const pids = `${f.pids.main},${f.pids.child}`;
  const table = runCli(['fds', '-p', pids, ...HOSTILE_FDS, '-o', 'DESC,COMMAND,FD,TYPE,MODE,NAME']);
  assert.equal(table.code, 0, table.stderr);
  // No byte of a name may reach the terminal as a control: no ESC, CR, bidi override, raw newline in a row.
  for (const c of ['\x1b', '\r', '\u202e', '\ufffd']) assert.ok(!table.stdout.includes(c), JSON.stringify(c));
  golden('names-fds.txt', hostileRows(f, table.stdout));
  const raw = runCli(['fds', '-p', pids, ...HOSTILE_FDS, '-r', '-o', 'DESC,COMMAND,FD,TYPE,NAME']);
  assert.equal(raw.code, 0, raw.stderr);
  golden('names-fds-raw.txt', hostileRows(f, raw.stdout));
  const tasks = runCli(['tasks', '-p', pids, '-o', 'COMMAND,VM,FILES,FS,RELATION']);
  assert.equal(tasks.code, 0, tasks.stderr);
  golden('names-tasks.txt', tasks.stdout);
});

test('fds -J keeps bytes that are not UTF-8: readable text with U+FFFD, and the exact bytes beside it', async (t) => {
  const f = await names(t);
  if (!f) return;
  const r = runCli(['fds', '-p', `${f.pids.main},${f.pids.child}`, '-J']);
  assert.equal(r.code, 0, r.stderr);
  assertValid('kcmp.fds/2', r.stdout);
  const report = JSON.parse(r.stdout) as FdsReport;
  type Bytes = { nameBytes?: string; commandBytes?: string };
  const bad = report.descriptions.find((d) =>
    d.name.endsWith('/bad\ufffdbyte'),
  ) as FdsReport['descriptions'][0] & Bytes;
  assert.ok(bad, 'the \\xff name is listed, decoded with U+FFFD');
  assert.deepEqual(
    Buffer.from(bad.nameBytes ?? '', 'base64'),
    Buffer.concat([Buffer.from(String(f.values.dir)), Buffer.from('bad\xffbyte', 'latin1')]),
  );
  const evil = report.descriptions.find((d) => d.name.includes('EVIL')) as FdsReport['descriptions'][0] &
    Bytes;
  assert.equal(evil.name, `${f.values.dir}x\nd9     1 systemd   0 REG  w      0 \x1b[31mEVIL`);
  assert.equal(evil.nameBytes, undefined, 'valid UTF-8 needs no bytes field');
  const child = evil.holders.find(
    (h) => h.pid === f.pids.child,
  ) as FdsReport['descriptions'][0]['holders'][0] & Bytes;
  assert.equal(child.command, '\x1b[2J\rkid\ufffd');
  assert.deepEqual(
    Buffer.from(child.commandBytes ?? '', 'base64'),
    Buffer.from('\x1b[2J\rkid\xff', 'latin1'),
  );
});

test('fds: a CJK name is measured in display columns, so the columns after it stay aligned', async (t) => {
  const f = await names(t);
  if (!f) return;
  const r = runCli(['fds', '-p', `${f.pids.main},${f.pids.child}`, '-o', 'NAME,FD']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => /\s\d+$/.test(l) || l.startsWith('NAME'));
  assert.ok(lines.some((l) => l.includes('中文名')));
  const ends = new Set(lines.map((l) => stringWidth(l)));
  assert.equal(ends.size, 1, `every row ends in the same column:\n${lines.join('\n')}`);
});

test('fds on a terminal cuts NAME to fit its width, -u does not, and a pipe never does', async (t) => {
  if (spawnSync('script', ['--version']).status !== 0) return t.skip('script(1) is not installed');
  const f = await names(t);
  if (!f) return;
  const args = ['fds', '-p', `${f.pids.main},${f.pids.child}`, '-o', 'DESC,FD,NAME'];
  const cut = onTerminal(args, 40);
  if (cut === null) return t.skip('script(1) could not run the CLI on a pseudo-terminal');
  const rows = cut.split('\n').filter((l) => l.startsWith('d'));
  assert.ok(rows.length >= 12, cut);
  for (const row of rows) assert.ok(stringWidth(row) <= 40, `wider than the terminal: ${row}`);
  assert.ok(
    rows.some((row) => row.endsWith('…')),
    cut,
  );
  const full = onTerminal([...args, '-u'], 40) ?? '';
  assert.ok(full.includes('\\x1b[31mEVIL'), full);
  const piped = runCli(args);
  assert.ok(piped.stdout.includes('\\x1b[31mEVIL'), piped.stdout);
  assert.ok(!piped.stdout.includes('…'));
});

test('repeated -p and --tree accumulate: leaks -p A -p B is leaks -p A,B; fds -p with --tree is their union', async (t) => {
  const f = await mkfds(t, 'leaky');
  const g = await names(t);
  if (!f || !g) return;
  const [a, b] = [String(f.pids.main), String(f.pids.child)];
  const together = runCli(['leaks', '-p', `${a},${b}`, '-r', '-n']);
  const repeated = runCli(['leaks', '-p', a, '-p', b, '-r', '-n']);
  assert.equal(repeated.code, together.code, repeated.stderr);
  assert.notEqual(together.stdout, '', 'the fixture leaks');
  assert.equal(repeated.stdout, together.stdout);
  const pidsOf = (args: string[]): number[] => {
    const r = runCli(['fds', ...args, '-J']);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as FdsReport).processes.map((p) => p.pid).sort();
  };
  const all = [f.pids.main, f.pids.child, g.pids.main, g.pids.child].map(Number).sort();
  assert.deepEqual(pidsOf(['-p', a, '-p', b, '-p', String(g.pids.main), '-p', String(g.pids.child)]), all);
  assert.deepEqual(pidsOf(['--tree', a, '--tree', String(g.pids.main)]), all);
  assert.deepEqual(pidsOf(['-p', a, '--tree', String(g.pids.main), '-p', b]), all);
});

test('fds -J carries the -o columns, typed as -H -J lists them', async (t) => {
  const f = await names(t);
  if (!f) return;
  const listed = runCli(['fds', '-H', '-J']);
  assert.equal(listed.code, 0, listed.stderr);
  const types = new Map(
    (JSON.parse(listed.stdout) as { name: string; type: string }[]).map((c) => [c.name, c.type]),
  );
  const columns = 'PID,FD,POS,FLAGS,MNTID,MODE,PPID,UID,USER,CMDLINE';
  const r = runCli(['fds', '-p', String(f.pids.child), '--all', '-J', '-o', columns]);
  assert.equal(r.code, 0, r.stderr);
  assertValid('kcmp.fds/2', r.stdout);
  const report = JSON.parse(r.stdout) as FdsReport;
  const holder = report.descriptions.flatMap((d) => d.holders).find((h) => h.fd === 3) as unknown as Record<
    string,
    unknown
  >;
  const fields = {
    POS: 'pos',
    FLAGS: 'flags',
    MNTID: 'mntId',
    MODE: 'mode',
    PPID: 'ppid',
    UID: 'uid',
    USER: 'user',
    CMDLINE: 'cmdline',
  };
  for (const [column, key] of Object.entries(fields)) {
    assert.equal(typeof holder[key], types.get(column), `${column} as ${key}: ${JSON.stringify(holder)}`);
  }
  assert.equal(holder.ppid, f.pids.main);
  assert.equal(holder.mode, 'rw');
  assert.equal(holder.cloexec, false);
  assert.match(String(holder.cmdline), / names$/);
  const plain = JSON.parse(runCli(['fds', '-p', String(f.pids.child), '-J']).stdout) as FdsReport;
  assert.equal(plain.descriptions[0]?.holders[0]?.pos, undefined, 'without -o, -J is the document as before');
});

test('-o "," and -o "" are one-line errors; a wrong option is one line without a usage line', () => {
  for (const args of [
    ['fds', '-o', ','],
    ['fds', '-o', ''],
    ['tasks', '-o', ','],
    ['fds', '--no-such-option'],
    ['leaks', '-p'],
  ]) {
    const r = runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^kcmp: [^\n]+\n$/, args.join(' '));
  }
});

test('fds and tasks that could read none of the selected processes exit 2 with one line', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to start a process nobody may not read');
  if (spawnSync('setpriv', ['--version']).status !== 0) return t.skip('setpriv is not installed');
  const f = await names(t);
  if (!f) return;
  const wrapper = nobodyWrapper(); // staged where nobody can reach it, if the checkout is not
  for (const command of ['fds', 'tasks']) {
    const r = runCli([command, '-p', `${f.pids.main},${f.pids.child}`], { wrapper });
    assert.equal(r.code, 2, `${command}: ${r.stdout}`);
    assert.equal(r.stdout, '', command);
    assert.match(r.stderr, /^kcmp: could not read any of the 2 selected processes: [^\n]+\n$/, command);
  }
});

test('epoll with no registrations says so instead of printing a heading alone', async (t) => {
  const f = await names(t);
  if (!f) return;
  const r = runCli(['epoll', String(f.pids.main), String(f.fds.emptyEpoll)]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `no registrations: epoll fd ${f.fds.emptyEpoll} of process ${f.pids.main} watches nothing\n`,
  );
});

test('a description keeps its id in the default view and with --all', async (t) => {
  const f = await names(t);
  if (!f) return;
  const args = ['fds', '-p', `${f.pids.main},${f.pids.child}`, '-J'];
  const shared = JSON.parse(runCli(args).stdout) as FdsReport;
  const all = JSON.parse(runCli([...args, '--all']).stdout) as FdsReport;
  const key = (d: FdsReport['descriptions'][0]) => d.holders.map((h) => `${h.pid}:${h.fd}`).join(',');
  const ids = new Map(all.descriptions.map((d) => [key(d), d.id]));
  assert.ok(all.descriptions.length > shared.descriptions.length, 'the epoll is unshared');
  for (const d of shared.descriptions) assert.equal(d.id, ids.get(key(d)), key(d));
});

test('fds: a thread that unshared its fd table gets a TID column, and every holder of its process a tid', async (t) => {
  const f = await mkfds(t, 'tasks_clone');
  if (!f) return;
  const r = runCli(['fds', '-p', String(f.pids.main), '-J', '--all']);
  assert.equal(r.code, 0, r.stderr);
  const holders = (JSON.parse(r.stdout) as FdsReport).descriptions.flatMap((d) => d.holders);
  assert.ok(holders.some((h) => h.tid === f.pids.unshared));
  assert.ok(
    holders.some((h) => h.tid === f.pids.main),
    'the leader names its tid too',
  );
  assert.ok(holders.every((h) => h.tid !== undefined));
  const table = runCli(['fds', '-p', String(f.pids.main), '--all']);
  assert.match(table.stdout, /^DESC +PID +TID COMMAND/);
  const explicit = runCli(['fds', '-p', String(f.pids.main), '-o', 'PID,FD']);
  assert.match(explicit.stdout, /^ *PID +FD\n/, '-o names the columns exactly');
});

test('fds --all at scale: table, -r and -J list every fd of a 20,000-fd scan', async (t) => {
  const f = await mkfds(t, 'random', ['5', '5', '4000']);
  if (!f) return;
  const args = ['fds', '-p', Object.values(f.pids).join(','), '--all'];
  const json = await runCliAsync([...args, '-J']);
  assert.equal(json.code, 0, json.stderr);
  const { stats } = JSON.parse(json.stdout) as FdsReport;
  assert.ok(stats.fds >= 15_000, `${stats.fds} fds`);
  const table = await runCliAsync(args);
  assert.equal(table.code, 0, table.stderr);
  assert.equal(table.stdout.split('\n').length, stats.fds + stats.errors + 3, 'heading, rows, summary, end');
  const raw = await runCliAsync([...args, '-r', '-n']);
  assert.equal(raw.stdout.split('\n').length, stats.fds + stats.errors + 1);
});

test('tasks and fds tell processes apart by PPID, USER, UID and CMDLINE; COMMAND stays the comm', async (t) => {
  const f = await names(t);
  if (!f) return;
  const uid = process.getuid?.() ?? 0;
  const columns = 'PID,PPID,UID,USER,COMMAND,CMDLINE';
  const r = runCli(['tasks', '-p', String(f.pids.child), '-r', '-n', '-o', columns]);
  assert.equal(r.code, 0, r.stderr);
  const [pid, ppid, rowUid, user, command, ...cmdline] = r.stdout.trim().split(' ');
  assert.deepEqual([pid, ppid, rowUid], [String(f.pids.child), String(f.pids.main), String(uid)]);
  assert.ok(user !== undefined && user !== '', r.stdout);
  assert.equal(command, '\\x1b[2J\\x0dkid\\xff');
  assert.match(cmdline.join(' '), /mkfds-[0-9a-f]+\\x20names$/);
  const table = runCli(['fds', '-p', String(f.pids.child), '--all', '-o', 'PID,PPID,UID,COMMAND,CMDLINE,FD']);
  const row = table.stdout.split('\n')[1] ?? '';
  assert.match(row, new RegExp(`^${f.pids.child} +${f.pids.main} +${uid} .* names +\\d+$`), table.stdout);
});
