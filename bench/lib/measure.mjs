/** Runs one command through bench/rusage.c: its wall time and peak RSS, as the whole process costs. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BUILD_DIR, buildC } from './build-c.mjs';

const run = promisify(execFile);

/**
 * Runs `cmd args` with stdout to `out`; returns { ms, maxrssKb, status }. Throws when it exits with a
 * status not in `statuses` (0 only, unless told) or dies by a signal.
 */
export async function measure(cmd, args, out = '/dev/null', statuses = [0]) {
  const err = join(BUILD_DIR, 'last-stderr');
  const { stdout } = await run(buildC('rusage'), ['-o', out, '-e', err, '--', cmd, ...args]);
  const r = JSON.parse(stdout);
  if (r.signal || !statuses.includes(r.status)) {
    const why = r.signal ? `signal ${r.signal}` : `exit ${r.status}`;
    throw new Error(`${cmd} ${args.join(' ')}: ${why}: ${readFileSync(err, 'utf8').trim().slice(0, 2000)}`);
  }
  return r;
}
