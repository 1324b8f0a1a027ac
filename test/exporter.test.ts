/**
 * `kcmp exporter` and `kcmp metrics`, on loopback against fixture processes only: the output passes
 * `promtool check metrics`, content negotiation, labels without pids/fds/paths, bad --listen and a taken
 * port, SIGTERM, a process gone mid-run, slow and concurrent scrapes, flat memory over hundreds of scans,
 * atomic textfile writes. A real Prometheus server scraping it is in test/prometheus.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BPF_MIN_FDS, bpfBlocker } from '../src/inspect/fds/fd-engine.js';
import { mkfds } from './fixture/mkfds.js';
import { runCli } from './helpers/cli.js';
import { sampleValue, startExporter, waitFor } from './helpers/exporter.js';

const PROMTOOL = spawnSync('promtool', ['--version']).status === 0;

function promtoolCheck(text: string): string {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return r.status === 0 ? '' : `${r.stdout}${r.stderr}`;
}

test('exporter: /metrics of a leaky fixture passes promtool, counts its leaks, and labels carry no pid, fd or path', async (t) => {
  const f = await mkfds(t, 'leaky');
  if (!f) return;
  const e = await startExporter(t, ['--tree', String(f.pids.main), '--interval', '0.2']);
  await waitFor('a scan', () => e.value('kcmp_scans_total'));
  const { status, type, body } = await e.scrape();
  assert.equal(status, 200);
  assert.match(type, /^text\/plain; version=0\.0\.4/);
  if (PROMTOOL) assert.equal(promtoolCheck(body), '');
  else t.diagnostic('promtool missing (Debian package prometheus): syntax not checked');
  assert.equal(sampleValue(body, 'kcmp_scan_processes'), 2);
  assert.match(body, /^kcmp_leaked_fds\{group="[^"]*",kind="listening-socket",case="exec"\} 1$/m);
  assert.match(body, /^kcmp_leaked_fds\{group="[^"]*",kind="pipe-write-end",case="exec"\} 1$/m);
  assert.match(body, /^kcmp_capability_usable\{call="kcmp"\} [01]$/m);
  assert.match(body, /^kcmp_engine_info\{engine="[a-z-]+"\} 1$/m);
  assert.ok((sampleValue(body, 'kcmp_scan_duration_seconds') ?? -1) > 0);
  const labels = [...body.matchAll(/\{([^}]*)\}/g)].map((m) => m[1] as string).join(',');
  const pids = Object.values(f.pids).map(String);
  for (const value of labels.matchAll(/="([^"]*)"/g)) {
    assert.ok(!pids.includes(value[1] as string), `a label carries pid ${value[1]}`);
    assert.ok(!(value[1] as string).startsWith('/tmp'), `a label carries a path: ${value[1]}`);
  }
  assert.doesNotMatch(labels, /\b(pid|tid|fd|inode|ino|path)=/);
  const stopped = await e.stop();
  assert.equal(stopped.code, 0);
  assert.ok(stopped.ms < 1000, `SIGTERM took ${stopped.ms} ms`);
});

test('exporter: OpenMetrics when the scraper asks for it (Prometheus text otherwise)', async (t) => {
  const f = await mkfds(t, 'leaky');
  if (!f) return;
  const e = await startExporter(t, ['-p', String(f.pids.main), '--interval', '5']);
  await waitFor('a scan', () => e.value('kcmp_scans_total'));
  const om = await e.scrape('application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5');
  assert.match(om.type, /^application\/openmetrics-text; version=1\.0\.0/);
  assert.match(om.body, /\n# EOF\n$/);
  assert.match(om.body, /^# TYPE kcmp_scans counter$/m);
  assert.match(om.body, /^kcmp_scans_total 1$/m);
  const text = await e.scrape('text/plain');
  assert.doesNotMatch(text.body, /# EOF/);
  assert.match(text.body, /^# TYPE kcmp_scans_total counter$/m);
});

test('exporter: a bad --listen and a taken port are one line and exit 2', async () => {
  for (const listen of ['nonsense', '127.0.0.1:99999', '127.0.0.1:', '[::1:80', ':80']) {
    const r = runCli(['exporter', '--listen', listen, '-p', String(process.pid)]);
    assert.equal(r.code, 2, listen);
    assert.match(r.stderr, /^kcmp: invalid --listen "[^\n]*": expected ADDR:PORT[^\n]*\n$/, listen);
  }
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as { port: number };
  try {
    // The bound socket refuses the second bind in the kernel; this thread need not run meanwhile.
    const r = runCli(['exporter', '--listen', `127.0.0.1:${port}`, '-p', String(process.pid)]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.split('\n').length, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`^kcmp: cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE: the port is taken`),
    );
  } finally {
    taken.close();
  }
});

test('exporter: a selected process that exits is a counted scan failure, never fatal', async (t) => {
  const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
  t.after(() => sleeper.kill('SIGKILL'));
  const f = await mkfds(t, 'leaky');
  if (!f) return;
  const e = await startExporter(t, ['-p', `${f.pids.main},${sleeper.pid}`, '--interval', '0.05']);
  await waitFor('a scan', () => e.value('kcmp_scans_total'));
  sleeper.kill('SIGKILL');
  await waitFor('a failed scan', () => e.value('kcmp_scan_failures_total{reason="ESRCH"}'));
  assert.equal(e.child.exitCode, null, 'the exporter is still running');
  const { status, body } = await e.scrape();
  assert.equal(status, 200);
  assert.equal(sampleValue(body, 'kcmp_scan_processes'), 2, 'the last completed scan is still served');
  assert.match(e.stderr(), /scan failed: ESRCH: process \d+ does not exist, serving the previous scan/);
});

test('exporter: a stalled scraper and 20 concurrent scrapes do not hold up the scans', async (t) => {
  const f = await mkfds(t, 'leaky');
  if (!f) return;
  const e = await startExporter(t, ['--tree', String(f.pids.main), '--interval', '0.02']);
  const first = await waitFor('a scan', () => e.value('kcmp_scans_total'));
  // A client that sends half a request and never reads: its connection stays open the whole time.
  const stalled = connect(e.port, '127.0.0.1');
  t.after(() => stalled.destroy());
  stalled.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
  const replies = await Promise.all(Array.from({ length: 20 }, () => e.scrape()));
  assert.deepEqual(
    replies.map((r) => r.status),
    Array(20).fill(200),
  );
  const later = await waitFor('ten more scans', async () => {
    const n = await e.value('kcmp_scans_total');
    return n !== undefined && n >= first + 10 ? n : undefined;
  });
  assert.ok(later >= first + 10);
});

test('exporter: memory stays flat over hundreds of scans', async (t) => {
  const f = await mkfds(t, 'leaky');
  if (!f) return;
  const e = await startExporter(t, ['--tree', String(f.pids.main), '--interval', '0.01']);
  const rss = () =>
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${e.child.pid}/status`, 'utf8'))?.[1]) * 1024;
  const atLeast = (n: number) => async () => {
    const v = await e.value('kcmp_scans_total');
    return v !== undefined && v >= n ? v : undefined;
  };
  // V8 sizes its heap over the first scans, by a path that depends on the machine's load (RSS after 50
  // scans was 100 MiB in one run and 117 in the next, the same 117 later in both): the baseline is taken
  // once that settling is over, and a leak shows as growth over the 300 scans after it.
  await waitFor('150 scans', atLeast(150), 60_000);
  const warm = rss();
  await waitFor('450 scans', atLeast(450), 120_000);
  const grown = rss() - warm;
  t.diagnostic(
    `RSS after 150 scans ${(warm / 2 ** 20).toFixed(1)} MiB, +${(grown / 2 ** 20).toFixed(1)} MiB after 300 more`,
  );
  assert.ok(grown < 16 * 2 ** 20, `RSS grew ${grown} bytes over 300 scans`);
});

test('metrics: one scan in the same format, and --textfile replaces the file atomically', async (t) => {
  const f = await mkfds(t, 'leaky');
  if (!f) return;
  const printed = runCli(['metrics', '--tree', String(f.pids.main)]);
  assert.equal(printed.code, 0, printed.stderr);
  assert.equal(sampleValue(printed.stdout, 'kcmp_scan_processes'), 2);
  if (PROMTOOL) assert.equal(promtoolCheck(printed.stdout), '');
  // -p repeats and accumulates here as in every scan (the two fixture processes, named one by one).
  const each = Object.values(f.pids).flatMap((pid) => ['-p', String(pid)]);
  const repeated = runCli(['metrics', ...each]);
  assert.equal(repeated.code, 0, repeated.stderr);
  assert.equal(sampleValue(repeated.stdout, 'kcmp_scan_processes'), 2);
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-textfile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'kcmp.prom');
  const written = runCli(['metrics', '--tree', String(f.pids.main), '--textfile', path]);
  assert.equal(written.code, 0, written.stderr);
  assert.equal(written.stdout, '');
  assert.deepEqual(readdirSync(dir), ['kcmp.prom'], 'no temporary file is left behind');
  assert.equal(sampleValue(readFileSync(path, 'utf8'), 'kcmp_scan_processes'), 2);
  const bad = runCli(['metrics', '-p', String(f.pids.main), '--textfile', join(dir, 'missing', 'x.prom')]);
  assert.equal(bad.code, 2);
  assert.deepEqual(readdirSync(dir), ['kcmp.prom']);
});

test('exporter: --max-label-values folds the rest into "other" and says how many', async (t) => {
  const f = await mkfds(t, 'leaky');
  if (!f) return;
  const capped = (values: number) => {
    const args = ['--group-by', 'comm', '--max-label-values', String(values)];
    const run = runCli(['metrics', '--tree', String(f.pids.main), ...args]);
    assert.equal(run.code, 0, run.stderr);
    return run;
  };
  const r = capped(2);
  const one = capped(1);
  const groups = (text: string) =>
    [...new Set([...text.matchAll(/group="([^"]*)"/g)].map((m) => m[1]))].sort();
  assert.deepEqual(groups(r.stdout), ['server', 'sleep'], 'two comms fit under a cap of two');
  assert.equal(sampleValue(r.stdout, 'kcmp_label_values_folded{label="group"}'), 0);
  assert.deepEqual(groups(one.stdout), ['other']);
  assert.equal(sampleValue(one.stdout, 'kcmp_label_values_folded{label="group"}'), 2);
  const bad = runCli(['metrics', '-p', String(f.pids.main), '--max-label-values', '0']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^kcmp: invalid --max-label-values "0": expected a number from 1 to 1000\n$/);
});

test('exporter: scans on the bpf engine print no warning (each fd is closed the way it was opened)', async (t) => {
  const why = bpfBlocker();
  if (why) return t.skip(why);
  // Above BPF_MIN_FDS in the selection, so that auto takes the bpf engine.
  const f = await mkfds(t, 'random', ['5', '2', String(BPF_MIN_FDS)]);
  if (!f) return;
  const e = await startExporter(t, ['--tree', String(f.pids.main), '--interval', '0.05']);
  await waitFor('three scans', async () => {
    const n = await e.value('kcmp_scans_total');
    return n !== undefined && n >= 3 ? n : undefined;
  });
  const { body } = await e.scrape();
  assert.equal(sampleValue(body, 'kcmp_scan_processes'), 2);
  // The engine the scan ran, as `kcmp fds --json` names it: bpf here, not the comparison method.
  assert.match(body, /^kcmp_engine_info\{engine="bpf"\} 1$/m);
  await e.stop();
  assert.doesNotMatch(e.stderr(), /Warning|closed but not opened/);
});
