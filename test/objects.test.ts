/**
 * Asked like lsof and ss: `kcmp fds FILE` (who holds this file), `kcmp fds PID:FD` (that fd's description,
 * every holder, the other end), `-Q` over every fd (what listens), peers outside the selection (who is on
 * the other end), and otherEndOf() (why a child's pipe never reaches EOF). Machine-wide scans here are
 * read-only: every process this test does not start is only read.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Description, FdsReport } from '../src/inspect/fds/fds-report.js';
import { parseObject } from '../src/inspect/fds/objects.js';
import { otherEndOf } from '../src/inspect/fds/other-end.js';
import { mkfds } from './fixture/mkfds.js';
import { runCli } from './helpers/cli.js';
import { waitComm } from './helpers/wait.js';

const refs = (d: Description | undefined) => (d?.holders ?? []).map((h) => `${h.pid}:${h.fd}`).sort();
const peerRefs = (d: Description | undefined) =>
  (d?.peers ?? []).map((p) => `${p.pid}:${p.fd}${p.outside ? ' outside' : ''}`).sort();
const holding = (report: FdsReport, ref: string) =>
  report.descriptions.find((d) => d.holders.some((h) => `${h.pid}:${h.fd}` === ref));
/** Only the JSON on stdout: a machine-wide search may say on stderr that some processes are unreadable. */
function json(args: string[]): FdsReport {
  const r = runCli(['fds', ...args, '-J']);
  assert.equal(r.code, 0, `kcmp fds ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as FdsReport;
}

test('kcmp fds FILE: exactly the descriptions of that file, machine-wide, grouped; a symlink is followed', async (t) => {
  const f = await mkfds(t, 'fork');
  if (!f) return;
  const { main, child } = f.pids as Record<string, number>;
  const path = f.values.path as string;
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-objects-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const link = join(dir, 'link');
  symlinkSync(path, link);
  for (const operand of [path, link]) {
    const report = json([operand]);
    // main opened it (shared, inherited by the child); the child opened it again itself (fd 70)
    assert.deepEqual(
      report.descriptions.map(refs).sort(),
      [[`${child}:${f.fds.childOwn}`], [`${child}:${f.fds.shared}`, `${main}:${f.fds.shared}`].sort()].sort(),
      operand,
    );
    assert.ok(report.descriptions.every((d) => d.certain && d.name === path));
    assert.deepEqual(
      report.processes.map((p) => p.pid).sort(),
      [main, child].sort(),
      'the processes listed are the holders found, not every process searched',
    );
    assert.deepEqual(report.errors, [], 'processes not named are searched quietly');
  }
  // with -p, the operands narrow the selection (AND): the child's fds of that file only
  const narrowed = json([path, '-p', String(child)]);
  assert.deepEqual(
    narrowed.descriptions.map(refs).sort(),
    [[`${child}:${f.fds.childOwn}`], [`${child}:${f.fds.shared}`]].sort(),
  );
  // a file nobody holds: no description, and the table says so in its summary
  const nobody = join(dir, 'nobody');
  writeFileSync(nobody, '');
  assert.deepEqual(json([nobody]).descriptions, []);
});

test('kcmp fds PID:FD: that description with all its holders, and the other end with -o +PEERS', async (t) => {
  const f = await mkfds(t, 'fork');
  if (!f) return;
  const { main, child } = f.pids as Record<string, number>;
  const report = json([`${main}:${f.fds.pipeRead}`, '-o', '+PEERS']);
  assert.equal(report.descriptions.length, 1, 'only the description the fd holds');
  const [read] = report.descriptions;
  assert.deepEqual(refs(read), [`${child}:${f.fds.pipeRead}`, `${main}:${f.fds.pipeRead}`].sort());
  assert.deepEqual(peerRefs(read), [`${child}:${f.fds.pipeWrite}`, `${main}:${f.fds.pipeWrite}`].sort());
  // a socket: its peer has another inode, found through unix_diag
  const sock = json([`${main}:${f.fds.sock0}`, '-o', '+PEERS']);
  assert.deepEqual(sock.descriptions.map(refs), [
    [`${child}:${f.fds.sock0}`, `${main}:${f.fds.sock0}`].sort(),
  ]);
  assert.deepEqual(
    peerRefs(sock.descriptions[0]),
    [`${child}:${f.fds.sock1}`, `${main}:${f.fds.sock1}`].sort(),
  );
});

test('-p A --all -o +PEERS: the other end held outside the selection is named and marked', async (t) => {
  const f = await mkfds(t, 'peers');
  if (!f) return;
  const { main, child } = f.pids as Record<string, number>;
  const m = (name: string) => `${main}:${f.fds[name]}`;
  const c = (name: string) => `${child}:${f.fds[name]}`;
  const report = json(['-p', String(main), '--all', '-o', '+PEERS']);
  assert.deepEqual(
    report.processes.map((p) => p.pid),
    [main],
    'the outside process is not a scanned one',
  );
  assert.deepEqual(peerRefs(holding(report, m('pipeRead'))), [`${c('pipeWrite')} outside`]);
  assert.deepEqual(peerRefs(holding(report, m('pairMain'))), [`${c('pairChild')} outside`]);
  assert.deepEqual(peerRefs(holding(report, m('accepted'))), [`${c('client')} outside`]);
  assert.deepEqual(peerRefs(holding(report, m('ptmx'))), [`${c('pts')} outside`]);
  assert.equal(holding(report, m('listener'))?.peerUnseen, 'listening');
  assert.ok(report.descriptions.every((d) => d.holders.every((h) => h.pid === main)));
  const table = runCli(['fds', '-p', String(main), '--all', '-o', 'PID,FD,PEERS']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(
    table.stdout,
    new RegExp(`^ *${main} +${f.fds.pipeRead} +${child},[^, ]+,${f.fds.pipeWrite}\\*$`, 'm'),
  );
  assert.match(table.stdout, /^\*: a peer held by a process outside the selection/m);
  // the same with the bpf engine where it runs (root): one pass over every process
  if (process.getuid?.() === 0) {
    const bpf = runCli(['fds', '-p', String(main), '--all', '-o', '+PEERS', '--engine', 'bpf', '-J']);
    const again = JSON.parse(bpf.stdout) as FdsReport;
    if (again.stats.engine === 'bpf')
      assert.deepEqual(peerRefs(holding(again, m('pipeRead'))), [`${c('pipeWrite')} outside`]);
  }
});

test('-Q sees every fd: a listener held by one process is listed without --all', async (t) => {
  const server = spawn(process.execPath, [
    '-e',
    "require('net').createServer().listen(0, '127.0.0.1', () => console.log('up'))",
  ]);
  t.after(() => server.kill());
  await new Promise((resolve) => server.stdout?.once('data', resolve));
  const pid = server.pid as number;
  // Narrowed to the server: before, -Q kept only shared descriptions, and this one has one holder.
  const narrowed = json(['-p', String(pid), '-Q', "SOCK.STATE == 'LISTEN'"]);
  assert.equal(narrowed.descriptions.length, 1, 'the listener, held once');
  // Machine-wide: every listener. Processes this test did not start may fail to be read (this machine's
  // init is unreadable even to root): that is theirs to say, and exits 2, but never about the server.
  const r = runCli(['fds', '-Q', "SOCK.STATE == 'LISTEN'", '-J']);
  assert.ok(r.code === 0 || r.code === 2, r.stderr);
  const report = JSON.parse(r.stdout) as FdsReport;
  assert.deepEqual(
    report.errors.filter((e) => e.pid === pid),
    [],
  );
  const ours = report.descriptions.filter((d) => d.holders.some((h) => h.pid === pid));
  assert.equal(ours.length, 1, 'the listener, held once');
  assert.deepEqual(refs(ours[0]), [`${pid}:${ours[0]?.holders[0]?.fd}`]);
  assert.equal(ours[0]?.socket?.protocol, 'TCP');
  assert.equal(ours[0]?.socket?.local?.address, '127.0.0.1');
  assert.ok(report.descriptions.every((d) => d.socket?.state === 'LISTEN'));
});

test('a pipe end whose other end is closed says why no peer is seen', async (t) => {
  const py = spawn('python3', [
    '-c',
    'import os,sys,time\nr,w=os.pipe()\nos.close(w)\nprint(r,flush=True)\ntime.sleep(60)',
  ]);
  t.after(() => py.kill());
  const fd = Number(await firstLine(py));
  const report = json([`${py.pid}:${fd}`, '-o', '+PEERS']);
  const [read] = report.descriptions;
  assert.deepEqual(read?.peers, []);
  assert.equal(read?.peerUnseen, report.stats.unsearched ? 'unreadable' : 'no-holder');
});

test("otherEndOf(): the grandchild that keeps a child's stdout open, after the child exited", async (t) => {
  const child = spawn('sh', ['-c', 'sleep 60 </dev/null 2>/dev/null & echo $!'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const sleeper = Number(await firstLine(child));
  t.after(() => process.kill(sleeper));
  waitComm(sleeper, 'sleep');
  await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
  const fd = (child.stdout as unknown as { _handle: { fd: number } })._handle.fd;
  const end = await otherEndOf(fd);
  assert.deepEqual(
    end.holders.map((h) => [h.pid, h.fd, h.command]),
    [[sleeper, 1, 'sleep']],
  );
  // reparented when its parent exited: no longer a descendant by its parents, but in our process group
  assert.equal(end.holders[0]?.relation, 'other');
  assert.equal(
    end.holders[0]?.pgrp,
    Number((await import('node:fs')).readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ')[2]),
  );
});

test('operands: PID:FD and ./NAME; a missing file or a closed fd is one line and exit 2', () => {
  assert.deepEqual(parseObject('123:4'), { pid: 123, fd: 4 });
  assert.deepEqual(parseObject('./123:4'), { file: './123:4' });
  assert.deepEqual(parseObject('/dev/null'), { file: '/dev/null' });
  for (const [args, pattern] of [
    [['/nonexistent/kcmp-file'], /^kcmp: cannot look up "\/nonexistent\/kcmp-file": stat failed: ENOENT/],
    [[`${process.pid}:9999`], new RegExp(`^kcmp: fd 9999 of process ${process.pid} is not open`)],
    [['/dev/null', '--stop'], /^kcmp: --stop with FILE or PID:FD operands would stop every process/],
  ] as const) {
    const r = runCli(['fds', ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.split('\n')[0] as string);
    });
    child.stdout?.once('end', () => reject(new Error(`no line before the end: ${text}`)));
  });
}
