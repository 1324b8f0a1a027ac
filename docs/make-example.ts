/**
 * Makes docs/fds-example.png, the README's picture: `kcmp fds --tree PID --format html` of the pre-fork
 * fixture, opened in Debian's chromium and captured. Run after `npm run build`:
 *   npx tsx docs/make-example.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startFixture } from '../test/fixture/mkfds.js';
import { runCli } from '../test/helpers/cli.js';

const here = import.meta.dirname;
const fixture = await startFixture('prefork');
try {
  const r = runCli(['fds', '--tree', String(fixture.pids.main), '--format', 'html']);
  if (r.code !== 0) throw new Error(r.stderr);
  const html = join(here, '..', '.cache', 'fds-example.html');
  writeFileSync(html, r.stdout);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const page = await browser.newPage({ viewport: { width: 1000, height: 1250 } });
  await page.goto(`file://${html}`);
  await page.screenshot({ path: join(here, 'fds-example.png'), fullPage: false });
  await browser.close();
  console.log(`pids ${JSON.stringify(fixture.pids)}`);
} finally {
  await fixture.stop();
}
