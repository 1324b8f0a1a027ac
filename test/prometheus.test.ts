/**
 * A real Prometheus server (Debian's `prometheus` package) scrapes `kcmp exporter` on loopback and answers
 * a PromQL query for a kcmp metric: the exposition parses in the reference implementation (it asks for
 * OpenMetrics first), and the leak the fixture makes is what the query returns. Bounded: start, wait for
 * the answer with a deadline, stop.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mkfds } from './fixture/mkfds.js';
import { startExporter, waitFor } from './helpers/exporter.js';

const MISSING =
  spawnSync('prometheus', ['--version']).status === 0
    ? false
    : 'prometheus is not installed (Debian package prometheus; .ci/run installs it as root)';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface QueryResult {
  status: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

test('prometheus scrapes the exporter and answers a PromQL query for a kcmp metric', {
  skip: MISSING,
}, async (t) => {
  const f = await mkfds(t, 'leaky');
  if (!f) return;
  const exporter = await startExporter(t, ['--tree', String(f.pids.main), '--interval', '0.5']);
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-prometheus-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      'scrape_configs:',
      '  - job_name: kcmp',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${exporter.port}']`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const server = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  server.stderr.setEncoding('utf8').on('data', (d: string) => {
    log += d;
  });
  const exited = new Promise((resolve) => server.once('exit', resolve));
  t.after(() => server.kill('SIGKILL'));

  const query = async (promql: string): Promise<QueryResult['data']['result'] | undefined> => {
    if (server.exitCode !== null) throw new Error(`prometheus exited ${server.exitCode}: ${log}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await res.json()) as QueryResult;
      return body.status === 'success' && body.data.result.length > 0 ? body.data.result : undefined;
    } catch {
      return undefined; // not listening yet
    }
  };
  const leaked = await waitFor(
    'prometheus to scrape kcmp_leaked_fds',
    () => query('kcmp_leaked_fds{kind="listening-socket",case="exec"}'),
    60_000,
  );
  assert.equal(leaked.length, 1);
  assert.equal(leaked[0]?.value[1], '1');
  assert.equal(leaked[0]?.metric.job, 'kcmp');
  const up = await query('up{job="kcmp"}');
  assert.equal(up?.[0]?.value[1], '1');
  const scans = await query('kcmp_scans_total');
  assert.ok(Number(scans?.[0]?.value[1]) >= 1);

  server.kill('SIGTERM');
  await exited;
});
