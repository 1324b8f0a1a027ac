/**
 * Compiles a bench C program into bench/.build/ with the machine's cc (-O2), when the binary is missing
 * or older than its source. The benchmark programs are single files with no dependencies.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const BUILD_DIR = join(BENCH_DIR, '.build');

/** Returns the path of bench/.build/NAME built from bench/NAME.c. */
export function buildC(name) {
  const source = join(BENCH_DIR, `${name}.c`);
  const binary = join(BUILD_DIR, name);
  if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(source).mtimeMs) {
    mkdirSync(BUILD_DIR, { recursive: true });
    const tmp = `${binary}.${process.pid}.tmp`;
    execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-o', tmp, source], { stdio: 'inherit' });
    renameSync(tmp, binary);
  }
  return binary;
}
