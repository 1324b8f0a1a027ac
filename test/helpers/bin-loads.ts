/**
 * Runs a kcmp bin inside `node -e` and reports what the process loaded as it exits (on fd 3): the
 * built-in modules, the files Node's CommonJS loader required (the bin itself, koffi), and whether V8 took
 * the bundle's code cache (src/cli/bin.cjs exports its vm.Script).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { binNodeFlags } from '../../scripts/bin-flags.mjs';

export interface Loaded {
  /** Node's built-in modules, as process.moduleLoadList names them ("child_process", "internal/…"). */
  builtins: string[];
  /** The files required through Node's CommonJS loader (the bin itself, koffi). */
  files: string[];
  /** The bundle's vm.Script: whether V8 refused the code cache; null when none was given. */
  cachedDataRejected: boolean | null;
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Runs `node -e` requiring `bin` with `args` as its command line, under the flags its #! line gives Node. */
export function runBin(bin: string, args: string[]): Loaded {
  const probe = `
    const fs = require('node:fs');
    process.argv = [process.execPath, ${JSON.stringify(bin)}, ...${JSON.stringify(args)}];
    const { script } = require(${JSON.stringify(bin)});
    process.on('exit', () => fs.writeSync(3, JSON.stringify({
      builtins: process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)),
      files: Object.keys(require.cache),
      cachedDataRejected: script?.cachedDataRejected ?? null,
    })));`;
  const r = spawnSync(process.execPath, [...binNodeFlags(bin), '-e', probe], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  const fd3 = r.output[3];
  assert.ok(fd3, `kcmp ${args.join(' ')} said nothing on fd 3 (exit ${r.status}): ${r.stderr}`);
  return { ...JSON.parse(fd3), stdout: r.stdout, stderr: r.stderr, code: r.status };
}
