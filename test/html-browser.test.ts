/**
 * The HTML report in a real headless Chromium (Debian's /usr/bin/chromium driven by playwright-core; no
 * browser download): `kcmp fds --tree PID --format html` of a live pre-fork fixture loads offline with no
 * console errors, its picture names every process, and the search box lights what it should.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { mkfds } from './fixture/mkfds.js';
import { runCli } from './helpers/cli.js';
import { fdsJson } from './helpers/fds.js';

const CHROMIUM = '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install chromium)`;

let browser: Browser | undefined;
const dir = mkdtempSync(join(tmpdir(), 'kcmp-html-'));

before(async () => {
  if (missing) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Loaded {
  page: Page;
  problems: string[];
  requests: string[];
}

/** Opens the file, collecting console errors, page errors and every request other than the file itself. */
async function open(file: string): Promise<Loaded> {
  const page = await (browser as Browser).newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  const url = pathToFileURL(file).href;
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, problems, requests };
}

/** The classes of a picture node (Graphviz sets `class` on the node's <g id=…>). */
async function classesOf(page: Page, id: string): Promise<string[]> {
  return page.evaluate((i) => [...(document.getElementById(i)?.classList ?? [])], id);
}

/** The PID cells of the table rows the search lit. */
async function hitRowPids(page: Page): Promise<string[]> {
  return page.$$eval('tbody tr.hit', (rows) => rows.map((r) => r.children[1]?.textContent ?? ''));
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
  const texts = await page.$$eval('.graph svg text', (els) => els.map((e) => e.textContent ?? ''));
  for (const pid of Object.values(pids)) {
    assert.ok(
      texts.some((s) => s.startsWith(`${pid} `)),
      `process ${pid} is drawn`,
    );
    assert.ok(await page.isVisible(`#pid-${pid}`), `node of ${pid} is visible`);
  }
  assert.equal(await page.locator('.graph svg g.actor').count(), Object.keys(pids).length);

  // A pid: its node is lit, its descriptions are its neighbours, others fade; its table rows are lit.
  await page.fill('#search', String(pids.helper));
  assert.ok((await classesOf(page, `pid-${pids.helper}`)).includes('hit'));
  assert.ok(!(await classesOf(page, `pid-${pids.worker2}`)).includes('hit'));
  assert.ok(!(await classesOf(page, `pid-${pids.worker2}`)).includes('near'));
  const rowPids = await hitRowPids(page);
  assert.ok(rowPids.length > 0);
  assert.ok(
    rowPids.every((p) => p === String(pids.helper)),
    rowPids.join(','),
  );
  const faded = await page.$eval(`#pid-${pids.worker2}`, (el) => getComputedStyle(el).opacity);
  assert.ok(Number(faded) < 0.5, `worker2 fades (opacity ${faded})`);

  // A path: the log's description node is lit, and every row of it (all five processes hold it).
  await page.fill('#search', 'server.log');
  const logNode = await page.$eval('.graph svg g.object.hit', (el) => el.id);
  assert.match(logNode, /^desc-d\d+$/);
  assert.equal((await hitRowPids(page)).length, 5);
  for (const pid of Object.values(pids)) assert.ok((await classesOf(page, `pid-${pid}`)).includes('near'));

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
  assert.equal(await page.locator('.graph svg g.tree').count(), report.processes.length - 1);
  await page.fill('#search', alone.id);
  assert.deepEqual(await page.$$eval('.graph svg g.hit', (els) => els.map((e) => e.id)), [
    `pid-${alone.holders[0]?.pid}`,
  ]);
});
