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

/**
 * Interleaved rounds of `list` ({ key, cmd, args } each): every command once per round, the first one
 * rotating, so that a drift of the machine's speed falls on all of them alike; `warmup` rounds are run and
 * not kept. Returns each command's `measure` results by key, round by round (pairs share an index).
 */
export async function interleaved(list, { rounds, warmup = 0, onRound = () => {} }) {
  const samples = new Map(list.map((c) => [c.key, []]));
  for (let round = 0; round < warmup + rounds; round++) {
    for (let i = 0; i < list.length; i++) {
      const c = list[(i + round) % list.length];
      const r = await measure(c.cmd, c.args);
      if (round >= warmup) samples.get(c.key).push(r);
    }
    onRound(round + 1, warmup + rounds, round < warmup);
  }
  return samples;
}
