/**
 * Runs the built CLI as a user would — the package's bin, the one-file bundle dist/bin/kcmp.js, with the
 * Node flags its #! line gives Node — and returns what it printed and its exit code.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binNodeFlags } from '../../scripts/bin-flags.mjs';

export const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'bin', 'kcmp.js');

/** Node, the flags the bin's #! line gives it (scripts/bin-flags.mjs), and the bin: what running it execs. */
export function cliCommand(): string[] {
  return [process.execPath, ...binNodeFlags(CLI), CLI];
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `wrapper` runs the CLI under another program, e.g. a seccomp launcher: [launcher, 'eperm']. */
export function runCli(args: string[], options: { wrapper?: string[]; input?: string } = {}): CliResult {
  const argv = [...(options.wrapper ?? []), ...cliCommand(), ...args];
  const r = spawnSync(argv[0] as string, argv.slice(1), {
    encoding: 'utf8',
    input: options.input ?? '',
    timeout: 60_000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The rows of `kcmp ARGS -r -n` (which must succeed), split into cells. */
export function rawRows(args: string[], options: { wrapper?: string[] } = {}): string[][] {
  const r = runCli([...args, '-r', '-n'], options);
  if (r.code !== 0) throw new Error(`kcmp ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return r.stdout
    .trimEnd()
    .split('\n')
    .map((line) => line.split(' '));
}
