/**
 * `kcmp fds` on a pre-fork server that titles its processes as PostgreSQL does (mkfds titles: a master and
 * workers that write "myserver: master" / "myserver: worker" over their argv and pad it with NULs): the
 * CMDLINE is the title, trimmed; the listener is named as the kernel has it bound; the description view
 * (-D) has one row per description with its holders folded, and leaves JSON as it was.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FdsReport } from '../src/inspect/fds/fds-report.js';
import { mkfds } from './fixture/mkfds.js';
import { rawRows, runCli } from './helpers/cli.js';
import { fdsJson } from './helpers/fds.js';

const WORKERS = 5;

test('CMDLINE is the title a process wrote over its argv, without the NUL padding after it', async (t) => {
  const f = await mkfds(t, 'titles', [String(WORKERS)]);
  if (!f) return;
  const master = f.pids.main as number;
  const report = fdsJson(['--tree', String(master), '-o', 'PID,CMDLINE']);
  const holders = report.descriptions.flatMap((d) => d.holders) as ({ cmdline?: string } & { pid: number })[];
  assert.equal(new Set(holders.map((h) => h.pid)).size, WORKERS + 1, 'the master and every worker');
  for (const h of holders) {
    assert.equal(h.cmdline, h.pid === master ? 'myserver: master' : 'myserver: worker', JSON.stringify(h));
  }
  const rows = rawRows(['fds', '--tree', String(master), '-o', 'PID,CMDLINE', '-Q', `FD == ${f.fds.listen}`]);
  for (const [pid, cmdline] of rows) {
    assert.equal(
      cmdline,
      `myserver:\\x20${Number(pid) === master ? 'master' : 'worker'}`,
      'nothing after the title',
    );
  }
});

test('the shared listener is named by its protocol, address and state on every holder row', async (t) => {
  const f = await mkfds(t, 'titles', [String(WORKERS)]);
  if (!f) return;
  const r = runCli([
    'fds',
    '--tree',
    String(f.pids.main),
    '-o',
    'PID,FD,NAME',
    '-Q',
    `FD == ${f.fds.listen}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.split('\n').filter((l) => /^ *\d+ +\d+ /.test(l));
  assert.equal(rows.length, WORKERS + 1, r.stdout);
  for (const row of rows)
    assert.match(row, new RegExp(` TCP 127\\.0\\.0\\.1:${f.values.port} \\(LISTEN\\)$`));
});

test('-D: one row per description, its holders folded by title and fds; JSON unchanged', async (t) => {
  const f = await mkfds(t, 'titles', [String(WORKERS)]);
  if (!f) return;
  const master = String(f.pids.main);
  const r = runCli(['fds', '--tree', master, '-D']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0] as string, /^DESC +TYPE +MODE +NAME +HELDBY$/);
  const rows = lines.filter((l) => /^d\d+ /.test(l));
  const report = fdsJson(['--tree', master]);
  assert.equal(rows.length, report.descriptions.length, 'one row per description');
  const folded = (fd: number) =>
    `${master} myserver: master fd ${fd}; ${WORKERS} × myserver: worker fd ${fd}`;
  const listener = rows.filter((l) => l.includes(`TCP 127.0.0.1:${f.values.port} (LISTEN)`));
  assert.equal(listener.length, 1, r.stdout);
  assert.ok(listener[0]?.endsWith(` ${folded(f.fds.listen as number)}`), listener[0]);
  const log = rows.find((l) => l.includes(String(f.values.log)));
  assert.match(log ?? '', new RegExp(`^d\\d+ +REG +w +\\S+ +${folded(f.fds.log as number)}$`));
  assert.ok(
    rows.every((l) => !l.includes(' fd 6')),
    "the master's own write end is not shared: not listed",
  );

  // -D changes the table only: the document, and what -Q keeps of it, are the same.
  const strip = (doc: FdsReport) => ({ ...doc, stats: { ...doc.stats, elapsedMs: 0 } });
  assert.deepEqual(strip(fdsJson(['--tree', master, '-D'])), strip(report));
  const worker = ['-Q', `PID == ${f.pids.worker} && FD == ${f.fds.log}`];
  const kept = runCli(['fds', '--tree', master, '-D', ...worker, '-r', '-n', '-o', 'NAME,HOLDERS']);
  assert.equal(
    kept.stdout,
    `${f.values.log} ${WORKERS + 1}\n`,
    'a description one of whose fds matches, whole',
  );
});

test('-D with a column of one fd: one line that says where the holders are, exit 2', async () => {
  const r = runCli(['fds', '-D', '-o', 'DESC,PID,FD']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.split('\n').length, 2, r.stderr);
  assert.match(
    r.stderr,
    /^kcmp: -o PID,FD with -D: columns of one fd, not of a description: HELDBY .*drop -D/,
  );
  const listed = runCli(['fds', '-D', '-H']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^HELDBY /m);
  assert.doesNotMatch(listed.stdout, /^(PID|FD|COMMAND|CMDLINE) /m);
});
