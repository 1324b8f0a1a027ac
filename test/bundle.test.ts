/**
 * The bin is one bundled file (dist/bin/kcmp.js, scripts/bundle.mjs). Code inside it that starts a module
 * by a path relative to itself — a Worker (`new URL('./NAME.js', import.meta.url)`), a node child
 * (`nodeScript(import.meta.url, 'NAME')`) — now computes that path from dist/bin/: the scripts must be
 * there. A missing fd-scan worker would not even fail (the scan silently runs on one thread), so this
 * reads the paths from the bundle itself and checks each one.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { CLI } from './helpers/cli.js';

const BIN_DIR = dirname(CLI);

test('every script the bundled bin starts beside itself is built beside it, and is itself one file', () => {
  const bundle = readFileSync(CLI, 'utf8');
  const names = [
    ...bundle.matchAll(/new URL\("\.\/([\w-]+)\.js", import\.meta\.url\)/g),
    ...bundle.matchAll(/nodeScript\(import\.meta\.url, "([\w-]+)"\)/g),
  ].map((m) => m[1] as string);
  assert.ok(names.length >= 2, `the bundle starts workers and child scripts: found ${names.join(', ')}`);
  for (const name of names) {
    const script = join(BIN_DIR, `${name}.js`);
    assert.ok(existsSync(script), `${name}.js is beside the bundle (${script})`);
    // Bundled too: no import of another file of ours, which would resolve from dist/bin/ and not exist.
    assert.doesNotMatch(readFileSync(script, 'utf8'), /from "\.\.?\//, `${name}.js imports no relative path`);
  }
  assert.doesNotMatch(bundle, /from "\.\.?\//, 'the bundle imports no relative path');
});
