/**
 * The bin (dist/bin/kcmp.js) runs one bundled file, dist/bin/cli.js (scripts/bundle.mjs). Code inside it
 * that starts a module by a path relative to itself — a Worker (`new URL('./NAME.js', import.meta.url)`), a
 * node child (`nodeScript(import.meta.url, 'NAME')`) — now computes that path from dist/bin/: the scripts
 * must be there. A missing fd-scan worker would not even fail (the scan silently runs on one thread), so
 * this reads the paths from the bundle itself and checks each one.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { CLI } from './helpers/cli.js';

const BIN_DIR = dirname(CLI);
/** A require of a path relative to the requiring file. */
const RELATIVE = /require\("\.\.?\//;

test('every script the bundled bin starts beside itself is built beside it, and is itself one file', () => {
  const bundle = readFileSync(join(BIN_DIR, 'cli.js'), 'utf8');
  const names = [
    // import.meta.url is __kcmpFileUrl in the CommonJS bundle (scripts/bundle.mjs)
    ...bundle.matchAll(/new URL\("\.\/([\w-]+)\.js", __kcmpFileUrl\)/g),
    ...bundle.matchAll(/nodeScript\(__kcmpFileUrl, "([\w-]+)"\)/g),
  ].map((m) => m[1] as string);
  assert.ok(names.length >= 2, `the bundle starts workers and child scripts: found ${names.join(', ')}`);
  for (const name of names) {
    const script = join(BIN_DIR, `${name}.js`);
    assert.ok(existsSync(script), `${name}.js is beside the bundle (${script})`);
    // Bundled too: no import of another file of ours, which would resolve from dist/bin/ and not exist.
    assert.doesNotMatch(readFileSync(script, 'utf8'), RELATIVE, `${name}.js requires no relative path`);
  }
  assert.doesNotMatch(bundle, RELATIVE, 'the bundle requires no relative path');
});
