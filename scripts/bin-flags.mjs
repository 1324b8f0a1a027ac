/**
 * The Node flags the bin gives itself: its second line, `":" //; exec node FLAGS "$0" "$@"`, which /bin/sh
 * runs when the bin is run as a program (src/cli/bin.cjs says why). Whatever runs the bin through `node`
 * instead, and means to run it as users do, passes these: the build's code cache (V8 takes a cache only
 * under the flags it was made with), the tests, the benchmarks.
 */
import { readFileSync } from 'node:fs';

const EXEC_LINE = /^":" \/\/; exec node ((?:--[\w-]+(?:=\S+)? )*)"\$0" "\$@"$/;

/** The flags in `bin`'s exec line; throws if its second line is not one. */
export function binNodeFlags(bin) {
  const line = readFileSync(bin, 'utf8').split('\n', 2)[1] ?? '';
  const m = EXEC_LINE.exec(line);
  if (!m) throw new Error(`${bin}: line 2 is not \`":" //; exec node FLAGS "$0" "$@"\`: ${line}`);
  return m[1].split(' ').filter(Boolean);
}
