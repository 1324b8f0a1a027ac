/**
 * Debian's Chromium (/usr/bin/chromium) driven by playwright-core, headless and offline: no browser
 * download, no background fetches. Tests that need it skip with `chromiumMissing` where it is absent.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Why a browser test skips here, or undefined when Chromium is installed. */
export const chromiumMissing = existsSync(CHROMIUM)
  ? undefined
  : `${CHROMIUM} is missing (apt-get install chromium)`;

/** A headless Chromium that fetches nothing of its own accord. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
}

/**
 * For one test file: Chromium launched before its tests (where installed) and closed after them, and a
 * temporary directory for the pages it writes, removed after them.
 */
export function chromiumForTests(prefix: string): { dir: string; browser(): Browser } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let browser: Browser | undefined;
  before(async () => {
    if (!chromiumMissing) browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, browser: () => browser as Browser };
}
