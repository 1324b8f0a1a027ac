/**
 * Pictures of real servers as a new user would draw them, read in a real browser (Debian's chromium):
 * nginx (a master, 8 workers, two listeners) and PostgreSQL (a postmaster, its helpers and 32 backends: 37
 * processes) from the machine's Debian packages, started as this test's own processes on loopback ports
 * (test/helpers/servers.ts), and the mkfds fixtures of a 200-worker pre-fork server and a thread pool.
 * In each the page must let a reader name the master, the workers and every listener from the picture
 * alone, with no label outside its shape. `UPDATE_SCREENSHOTS=1` saves the screenshots docs/pictures.md
 * shows (each under 200 KB).
 */
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { type Fixture, mkfds } from './fixture/mkfds.js';
import { chromiumForTests, chromiumMissing } from './helpers/browser.js';
import { runCli } from './helpers/cli.js';
import { fdsJson } from './helpers/fds.js';
import { matrixProblems, pictureProblems } from './helpers/layout.js';
import { startNginx, startPostgres, titleOf } from './helpers/servers.js';

const DOCS = join(import.meta.dirname, '..', 'docs');
const missing = chromiumMissing;
const { dir, browser } = chromiumForTests('kcmp-real-');

/** `kcmp ARGS --format html`, opened (`view`: the graph or the matrix) in a 1000 × 900 window. */
async function page(name: string, args: string[], view: 'graph' | 'matrix'): Promise<Page> {
  const r = runCli([...args, '--format', 'html']);
  assert.equal(r.code, 0, r.stderr);
  const file = join(dir, `${name}.html`);
  writeFileSync(file, r.stdout);
  const p = await browser().newPage({ viewport: { width: 1000, height: 900 } });
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(e.message));
  await p.goto(`${pathToFileURL(file).href}?view=${view}`);
  await p.evaluate(() => document.fonts.ready);
  assert.deepEqual(errors, []);
  return p;
}

/** With UPDATE_SCREENSHOTS=1, docs/pictures-NAME.png: what the window shows, a graph fitted to its width,
 * kept small. */
async function screenshot(p: Page, name: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  const file = join(DOCS, `pictures-${name}.png`);
  if (await p.isVisible('div.graph')) await p.check('#fit');
  // The window down to the shown view's pane: the table beneath is not the picture.
  const pane = '#graph-view:not([hidden]) .graph, #matrix-view:not([hidden]) .grid-pane';
  const bottom = await p.$eval(pane, (el) => el.getBoundingClientRect().bottom);
  await p.screenshot({ path: file, clip: { x: 0, y: 0, width: 1000, height: Math.min(900, bottom + 8) } });
  assert.ok(statSync(file).size < 200_000, `${file} is ${statSync(file).size} bytes`);
}

/** The texts of the shown picture. */
async function texts(p: Page): Promise<string[]> {
  return p.$$eval('.graph svg text', (els) => els.map((e) => e.textContent ?? ''));
}

/** A page of `kcmp KIND --tree MAIN` of an mkfds scenario, opened as a graph, and its texts; null (the test
 * skipped) where the browser or the scenario is missing. */
async function fixturePage(
  t: Parameters<typeof mkfds>[0],
  kind: 'fds' | 'tasks',
  scenario: string,
  args: string[],
): Promise<{ f: Fixture; p: Page; drawn: string[] } | null> {
  if (missing) {
    t.skip(missing);
    return null;
  }
  const f = await mkfds(t, scenario, args);
  if (!f) return null;
  const p = await page(scenario, [kind, '--tree', String(f.pids.main)], 'graph');
  return { f, p, drawn: await texts(p) };
}

/** Each of `names` is a text of the picture (`part`: or a part of one). */
function assertDrawn(drawn: readonly string[], names: readonly string[], part = false): void {
  for (const name of names) {
    assert.ok(
      drawn.some((s) => (part ? s.includes(name) : s === name)),
      `${name} in ${drawn.join(' | ')}`,
    );
  }
}

test('nginx, a master and 8 workers: named by their titles, both listeners named as the table names them', async (t) => {
  if (missing) return t.skip(missing);
  const nginx = await startNginx(t, { workers: 8, ports: 2 });
  if (!nginx) return;
  const args = ['fds', '--tree', String(nginx.master)];
  const listeners = nginx.ports.map((port) => `TCP 127.0.0.1:${port} (LISTEN)`);
  // Each worker holds the master's ends of the other workers' channels, under numbers of its own: the
  // workers are not alike, nothing folds, and their many lines make the page open as a matrix.
  const matrix = await page('nginx', args, 'matrix');
  assert.match(
    await matrix.textContent('#view-reason'),
    /^Opened as a matrix: 9 boxes and \d+ shared descriptions/,
  );
  const rows = await matrix.$$eval('.grid th.row', (els) => els.map((e) => e.firstChild?.textContent ?? ''));
  assert.match(rows[0] ?? '', new RegExp(`^${nginx.master} nginx: master process`));
  assert.deepEqual(
    rows.slice(1),
    nginx.workers.map((pid) => `${pid} nginx: worker process`),
  );
  const heads = await matrix.$$eval('.grid th.col', (els) => els.map((e) => e.textContent ?? ''));
  for (const name of listeners) {
    const column = heads.findIndex((h) => h.endsWith(name));
    assert.ok(column >= 0, `${name} is a column: ${heads.join(' | ')}`);
    const cells = await matrix.$$eval(`.grid tbody tr td:nth-of-type(${column + 1})`, (els) =>
      els.map((e) => e.textContent),
    );
    assert.equal(cells.filter((c) => c !== '').length, 9, `master and workers hold ${name}`);
  }
  assert.deepEqual(await matrixProblems(matrix), []);
  await screenshot(matrix, 'nginx-matrix');

  const graph = await page('nginx', args, 'graph');
  const drawn = await texts(graph);
  assertDrawn(drawn, [...listeners, 'nginx: worker process'], true);
  assert.deepEqual(await pictureProblems(graph, '.graph svg'), []);
});

test('PostgreSQL, 37 processes: the postmaster with its listeners, each helper by its title, 32 backends in one box', async (t) => {
  if (missing) return t.skip(missing);
  const pg = await startPostgres(t, { clients: 32 });
  if (!pg) return;
  const report = fdsJson(['--tree', String(pg.postmaster)]);
  assert.equal(report.processes.length, 37);
  const p = await page('postgres', ['fds', '--tree', String(pg.postmaster)], 'graph');
  assert.match(await p.textContent('#view-reason'), /^Opened as a graph: /);
  assert.match(await p.textContent('.summary'), /^37 processes in 6 boxes, /);
  const drawn = await texts(p);
  const backends = report.processes.filter((x) => titleOf(x.pid).includes('[local]'));
  assert.equal(backends.length, 32);
  assertDrawn(
    drawn,
    [
      `${pg.postmaster} postgres -D `,
      `fd 5 TCP 127.0.0.1:${pg.port} (LISTEN)`,
      `(LISTEN)`,
      'postgres: checkpointer',
      'postgres: background writer',
      'postgres: walwriter',
      'postgres: logical replication launcher',
      '32 × postgres: postgres postgres [local] idle',
    ],
    true,
  );
  assert.ok(
    drawn.some((s) => s.includes(`UNIX-STREAM …/.s.PGSQL.${pg.port} (LISTEN)`)),
    'the UNIX listener',
  );
  const edgeLabels = await p.$$eval('.graph svg g.edge text', (els) => els.map((e) => e.textContent));
  assert.deepEqual(edgeLabels, [], 'no edge repeats the fd numbers its description says');
  assert.deepEqual(await pictureProblems(p, '.graph svg'), []);
  // Every backend is found by its pid: the folded box lights.
  await p.fill('#search', String(backends[20]?.pid));
  assert.equal(await p.locator('.graph svg g.folded.hit').count(), 1);
  await p.fill('#search', '');
  await screenshot(p, 'postgres');
});

test('a 200-worker pre-fork server titled as PostgreSQL titles its own: master and "200 × myserver: worker", its listener named', async (t) => {
  const opened = await fixturePage(t, 'fds', 'titles', ['200']);
  if (!opened) return;
  const { f, p, drawn } = opened;
  assertDrawn(
    drawn,
    [
      `${f.pids.main} myserver: master`,
      `fd ${f.fds.owner} FIFO pipe:[`,
      '200 × myserver: worker',
      `TCP 127.0.0.1:${f.values.port} (LISTEN)`,
      `fd ${f.fds.listen} in all 201`,
    ],
    true,
  );
  assert.deepEqual(await pictureProblems(p, '.graph svg'), []);
  await screenshot(p, 'prefork');
});

test('kcmp tasks of a thread pool: the process, its acceptor thread and "8 threads: worker" with one line per resource', async (t) => {
  const opened = await fixturePage(t, 'tasks', 'threadpool', ['8']);
  if (!opened) return;
  const { f, p, drawn } = opened;
  assertDrawn(drawn, [
    `${f.pids.main} pool`,
    `${f.pids.main}/${f.pids.acceptor} acceptor`,
    '8 threads: worker',
    `${f.pids.logger} logger`,
  ]);
  // One line from the folded box to each resource the threads share (not one per thread).
  const folded = await p.$eval('.graph svg g.folded', (g) => g.id);
  const resources = await p.locator('.graph svg g.object').count();
  assert.ok(resources >= 4, 'vm, files, fs and sighand at least');
  assert.equal(await p.locator(`.graph svg g.edge[id^="edge-${folded}--"]`).count(), resources);
  assert.deepEqual(await pictureProblems(p, '.graph svg'), []);
  await screenshot(p, 'threads');
});
