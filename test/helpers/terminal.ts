/** Runs the CLI on a pseudo-terminal of a given width, as a user at a terminal would (script(1)). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CLI } from './cli.js';

/**
 * What `kcmp ARGS` printed on a pseudo-terminal `columns` wide (0: one whose size was never set, as some
 * ptys report), with CRLF line ends as LF; it must exit 0. null when script(1) is missing or cannot make a
 * pseudo-terminal here (the test then skips, saying so).
 */
export function onTerminal(args: readonly string[], columns: number): string | null {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const r = spawnSync('script', ['-qec', `stty cols ${columns} rows 50; ${command}`, '/dev/null'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error || /^script: /m.test(r.stderr)) return null;
  const stdout = r.stdout.replaceAll('\r\n', '\n');
  assert.equal(r.status, 0, `kcmp ${args.join(' ')} on a terminal: exit ${r.status}\n${stdout}${r.stderr}`);
  return stdout;
}
