/**
 * The kcmp the benchmarks time: the bin users run (the one-file bundle, dist/bin/kcmp.js), built the way
 * `npm run build` builds it (tsc, then the bundle, then the man pages).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binNodeFlags } from '../../scripts/bin-flags.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The bundled bin of a checkout (this one by default). */
export function oursIn(root = ROOT) {
  return join(root, 'dist', 'bin', 'kcmp.js');
}

export const OURS = oursIn();

/**
 * Node's arguments that run `bin` as running it as a program does: the flags its #! line gives Node
 * (scripts/bin-flags.mjs; V8 takes the bin's code cache only under them), then the bin. A checkout from
 * before the bin carried flags has none.
 */
export function oursArgs(bin = OURS) {
  try {
    return [...binNodeFlags(bin), bin];
  } catch {
    return [bin];
  }
}

/** `npm run build` in this checkout; returns what it printed when it failed, or null. */
export function buildOurs() {
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? null : `${r.stdout}${r.stderr}`;
}
