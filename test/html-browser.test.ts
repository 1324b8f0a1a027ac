/**
 * The HTML report in a real headless Chromium (Debian's /usr/bin/chromium driven by playwright-core; no
 * browser download): `kcmp fds --tree PID --format html` of a live pre-fork fixture loads offline with no
 * console errors, its picture names every process, and the search box lights what it should; at scale
 * (200 workers, 40 processes × 200 descriptions) folded boxes still find each pid, no text leaves its
 * shape even in a wider font, "fit to width" fits the pane, and the matrix view stays legible.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { fdsPicture } from '../src/report/pictures.js';
import { type Fixture, mkfds } from './fixture/mkfds.js';
import { chromiumForTests, chromiumMissing } from './helpers/browser.js';
import { runCli } from './helpers/cli.js';
import { fdsJson } from './helpers/fds.js';
import { matrixProblems, pictureProblems } from './helpers/layout.js';
import { gridReport } from './helpers/reports.js';

const missing = chromiumMissing;
const { dir, browser } = chromiumForTests('kcmp-html-');

interface Loaded {
  page: Page;
  problems: string[];
  requests: string[];
}

/** Opens the file (`query`: "?view=graph"), collecting console errors, page errors and every request other
 * than the file itself. */
async function open(file: string, query = ''): Promise<Loaded> {
  const page = await browser().newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  const url = pathToFileURL(file).href + query;
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.evaluate(() => document.fonts.ready);
  return { page, problems, requests };
}

/** `kcmp ARGS --format html` written to a file of the test directory. */
function htmlOf(name: string, args: string[]): string {
  const r = runCli([...args, '--format', 'html']);
  assert.equal(r.code, 0, r.stderr);
  const file = join(dir, `${name}.html`);
  writeFileSync(file, r.stdout);
  return file;
}

/** The classes of a picture node (Graphviz sets `class` on the node's <g id=…>). */
async function classesOf(page: Page, id: string): Promise<string[]> {
  return page.evaluate((i) => [...(document.getElementById(i)?.classList ?? [])], id);
}

/** The PID cells of the table rows the search lit. */
async function hitRowPids(page: Page): Promise<string[]> {
  return page.$$eval('tbody tr.hit[data-keys]', (rows) => rows.map((r) => r.children[1]?.textContent ?? ''));
}

test('kcmp fds --format html: offline, every process drawn, search lights a pid, a path, a description', async (t) => {
  if (missing) return t.skip(missing);
  const f = await mkfds(t, 'prefork');
  if (!f) return;
  const pids = f.pids as Record<'main' | 'worker1' | 'worker2' | 'worker3' | 'helper', number>;
  const r = runCli(['fds', '--tree', String(pids.main), '--format', 'html']);
  assert.equal(r.code, 0, r.stderr);
  const file = join(dir, 'prefork.html');
  writeFileSync(file, r.stdout);
  const { page, problems, requests } = await open(file);

  assert.deepEqual(problems, [], 'no console errors or warnings');
  assert.deepEqual(requests, [], 'no fetches: everything is inline');
  for (const pid of Object.values(pids)) {
    assert.ok(await page.isVisible(`.graph svg g.pid-${pid}`), `a box of ${pid} is visible`);
  }
  // worker2 and worker3 hold the same descriptions under the same numbers: one box.
  assert.equal(await page.locator('.graph svg g.actor').count(), Object.keys(pids).length - 1);
  assert.equal(await page.locator(`.graph svg g.folded.pid-${pids.worker2}.pid-${pids.worker3}`).count(), 1);
  assert.deepEqual(await pictureProblems(page, '.graph svg'), []);

  // A pid: its node is lit, its descriptions are its neighbours, others fade; its table rows are lit.
  await page.fill('#search', String(pids.helper));
  assert.ok((await classesOf(page, `pid-${pids.helper}`)).includes('hit'));
  assert.ok(!(await classesOf(page, `pid-${pids.worker1}`)).includes('hit'));
  assert.ok(!(await classesOf(page, `pid-${pids.worker2}`)).includes('near'));
  const rowPids = await hitRowPids(page);
  assert.ok(rowPids.length > 0);
  assert.ok(
    rowPids.every((p) => p === String(pids.helper)),
    rowPids.join(','),
  );
  const faded = await page.$eval(`.pid-${pids.worker2}`, (el) => getComputedStyle(el).opacity);
  assert.ok(Number(faded) < 0.5, `worker2 fades (opacity ${faded})`);

  // A path: the log's description node is lit, and every row of it (all five processes hold it).
  await page.fill('#search', 'server.log');
  const logNode = await page.$eval('.graph svg g.object.hit', (el) => el.id);
  assert.match(logNode, /^desc-d\d+$/);
  assert.equal((await hitRowPids(page)).length, 5);
  for (const pid of Object.values(pids)) {
    assert.ok((await page.$eval(`.graph svg g.pid-${pid}`, (el) => el.classList.contains('near'))) === true);
  }

  // A description id: exactly that node, not d10…d19.
  const id = logNode.slice('desc-'.length);
  await page.fill('#search', id);
  assert.deepEqual(await page.$$eval('.graph svg g.hit', (els) => els.map((e) => e.id)), [logNode]);

  // Cleared: nothing lit, nothing faded.
  await page.fill('#search', '');
  assert.equal(await page.locator('.hit, .near').count(), 0);
  assert.equal(await page.locator('svg.searching').count(), 0);
});

test('kcmp fds --all --format html: an unshared fd folded onto its process is found by its id, and parent links stay drawn', async (t) => {
  if (missing) return t.skip(missing);
  const f = await mkfds(t, 'prefork');
  if (!f) return;
  const report = fdsJson(['--tree', String(f.pids.main), '--all']);
  const tree = ['fds', '--tree', String(f.pids.main), '--all'];
  const alone = report.descriptions.find((d) => d.holders.length === 1 && d.holders[0]?.fd !== undefined);
  assert.ok(alone, 'the fixture holds an unshared fd');
  const r = runCli([...tree, '--format', 'html']);
  assert.equal(r.code, 0, r.stderr);
  const file = join(dir, 'prefork-all.html');
  writeFileSync(file, r.stdout);
  const { page, problems } = await open(file);
  assert.deepEqual(problems, [], 'no console errors or warnings');
  assert.equal(await page.locator(`#desc-${alone.id}`).count(), 0, 'no node of its own');
  const boxes = await page.locator('.graph svg g.actor').count();
  assert.equal(
    await page.locator('.graph svg g.tree').count(),
    boxes - 1,
    'a link to every box but the root',
  );
  await page.fill('#search', alone.id);
  assert.deepEqual(await page.$$eval('.graph svg g.hit', (els) => els.map((e) => e.id)), [
    `pid-${alone.holders[0]?.pid}`,
  ]);
});

/** The SVG's drawn width and the pane's inner width, in CSS pixels. */
async function widths(page: Page): Promise<{ svg: number; pane: number }> {
  return page.evaluate(() => ({
    svg: (document.querySelector('.graph svg') as Element).getBoundingClientRect().width,
    pane: (document.querySelector('.graph') as HTMLElement).clientWidth,
  }));
}

test('"fit to width" fits a wide picture to the pane and never enlarges a narrow one', async (t) => {
  if (missing) return t.skip(missing);
  const small = await mkfds(t, 'prefork');
  const big = await mkfds(t, 'titles', ['40']);
  if (!small || !big) return;
  for (const [name, f] of [
    ['small', small],
    ['big', big],
  ] as const) {
    const { page } = await open(htmlOf(`fit-${name}`, ['fds', '--tree', String(f.pids.main)]), '?view=graph');
    const before = await widths(page);
    await page.check('#fit');
    const after = await widths(page);
    assert.ok(after.svg <= after.pane + 0.5, `${name}: ${after.svg} px drawn in a ${after.pane} px pane`);
    assert.ok(
      after.svg <= before.svg + 0.5,
      `${name}: fitting made it larger (${before.svg} → ${after.svg} px)`,
    );
    assert.deepEqual(await pictureProblems(page, '.graph svg'), [], `${name}, fitted`);
  }
});

/** The titled pre-fork fixture with 200 workers, for the tests below. */
async function bigPrefork(t: Parameters<typeof mkfds>[0]): Promise<Fixture | null> {
  return mkfds(t, 'titles', ['200']);
}

test('200 workers: one box "200 × myserver: worker" that a search or a click still finds each pid of', async (t) => {
  if (missing) return t.skip(missing);
  const f = await bigPrefork(t);
  if (!f) return;
  const report = fdsJson(['--tree', String(f.pids.main)]);
  const workers = report.processes.filter((p) => p.ppid === f.pids.main);
  assert.equal(workers.length, 200);
  const { page, problems } = await open(htmlOf('titles', ['fds', '--tree', String(f.pids.main)]));
  assert.deepEqual(problems, []);
  assert.match(await page.textContent('#view-reason'), /^Opened as a graph: 2 boxes and /);
  const texts = await page.$$eval('.graph svg text', (els) => els.map((e) => e.textContent ?? ''));
  for (const name of [`${f.pids.main} myserver: master`, '200 × myserver: worker']) {
    assert.ok(texts.includes(name), `${name} in ${texts.join(' | ')}`);
  }
  assert.deepEqual(await pictureProblems(page, '.graph svg'), []);

  const someone = workers[150]?.pid as number;
  await page.fill('#search', String(someone));
  assert.deepEqual(await page.$$eval('.graph svg g.hit', (els) => els.map((e) => e.id)), [
    `pid-${workers[0]?.pid}`,
  ]);
  const rowPids = await hitRowPids(page);
  assert.ok(rowPids.length > 0 && rowPids.every((p) => p === String(someone)), rowPids.join(','));

  await page.fill('#search', '');
  await page.click('.graph svg g.folded');
  const listed = await page.$$eval('#graph-view .details button.pid', (els) =>
    els.map((e) => Number(e.textContent)),
  );
  assert.deepEqual(
    listed,
    workers.map((p) => p.pid).sort((a, b) => a - b),
    'a click lists every pid of the box',
  );
  await page.click(`#graph-view .details button.pid >> text="${someone}"`);
  assert.equal(await page.inputValue('#search'), String(someone));
  assert.ok((await hitRowPids(page)).every((p) => p === String(someone)));
});

test('no text leaves its shape in a font wider than the one Graphviz measured: the page narrows it', async (t) => {
  if (missing) return t.skip(missing);
  const f = await bigPrefork(t);
  if (!f) return;
  const r = runCli(['fds', '--tree', String(f.pids.main), '--format', 'html']);
  assert.equal(r.code, 0, r.stderr);
  // DejaVu Sans (Debian's default sans) is ~15 % wider than Helvetica, which Graphviz sized the boxes for.
  const wide = '<style>.graph svg text { font-family: "DejaVu Sans" !important; }</style></head>';
  const file = join(dir, 'wide-font.html');
  writeFileSync(file, r.stdout.replace('</head>', wide));
  const { page, problems } = await open(file, '?view=graph');
  assert.deepEqual(problems, []);
  assert.ok((await page.locator('.graph svg text[textLength]').count()) > 0, 'some labels were narrowed');
  assert.deepEqual(await pictureProblems(page, '.graph svg'), []);
});

test('kcmp fds --format svg opened alone: the caption and every label inside the picture and their shapes', async (t) => {
  if (missing) return t.skip(missing);
  const f = await bigPrefork(t);
  if (!f) return;
  const r = runCli(['fds', '--tree', String(f.pids.main), '--all', '--format', 'svg']);
  assert.equal(r.code, 0, r.stderr);
  const file = join(dir, 'titles.svg');
  writeFileSync(file, r.stdout);
  const { page, problems } = await open(file);
  assert.deepEqual(problems, []);
  // The caption: the graph's own texts, outside every node, cluster and edge.
  const caption = await page.$$eval('text', (els) =>
    els.filter((e) => e.closest('g.node, g.cluster, g.edge') === null).map((e) => e.textContent),
  );
  assert.ok(
    caption.some((c) => c?.startsWith('201 processes in 2 boxes, ')),
    caption.join(' | '),
  );
  assert.deepEqual(await pictureProblems(page), []);
});

test('40 processes × 200 descriptions open as a matrix that says why, legible, and the graph a click away', async (t) => {
  if (missing) return t.skip(missing);
  const file = join(dir, 'grid.html');
  writeFileSync(file, await fdsPicture(gridReport(40, 200)).html('kcmp fds (40 × 200)'));
  const { page, problems } = await open(file);
  assert.deepEqual(problems, []);
  assert.match(
    await page.textContent('#view-reason'),
    /^Opened as a matrix: 40 boxes and 200 shared descriptions joined by \d+ lines, more than a drawing keeps readable/,
  );
  assert.ok(await page.isVisible('.matrix'));
  assert.ok(await page.isHidden('.graph'));
  assert.equal(await page.locator('.grid tbody tr').count(), 40);
  assert.equal(await page.locator('.grid th.col').count(), 200);
  assert.deepEqual(await matrixProblems(page), []);
  assert.equal(await page.textContent('#m-pid-100 th'), '100 master');
  // A search lights a row and a column.
  await page.fill('#search', 'd77');
  assert.deepEqual(await page.$$eval('.grid .hit', (els) => els.map((e) => e.id)), ['m-desc-d77']);
  await page.click('#view-graph');
  assert.ok(await page.isVisible('.graph svg'));
  assert.ok(await page.isHidden('.matrix'));
});
