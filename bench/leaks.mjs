/**
 * `kcmp leaks` at scale, beside `kcmp fds` on the same processes: is finding leaks linear in fds?
 *
 *   node bench/leaks.mjs [--rounds 5] [--procs 5] [--fds 10000] [--shared 4000] [--seed 1]
 *                        [--against DIR] [--no-build]
 *
 * The workload is bench/fdholder with -k: the coordinator keeps the SHARED fds it forked its workers with,
 * as a pre-fork server's master does, so every worker shares them with its parent (PROCS × SHARED child
 * fds to judge, on top of PROCS × FDS fds to scan). Timed, interleaved, whole processes (bench/rusage.c):
 * `kcmp fds --tree C --all --json`, `kcmp leaks --tree C -J`, `kcmp leaks --tree C --fork -J`, and, with
 * --against DIR, DIR/dist/bin/kcmp.js's `leaks --tree C -J` (another checkout, e.g. before a change).
 * Only the holder's processes are scanned, and the holder is torn down on every exit path (lib/holder.mjs).
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BUILD_DIR, buildC } from './lib/build-c.mjs';
import { startHolder } from './lib/holder.mjs';
import { measure } from './lib/measure.mjs';
import { buildOurs, OURS, oursArgs, oursIn } from './lib/ours.mjs';

const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    procs: { type: 'string', default: '5' },
    fds: { type: 'string', default: '10000' },
    shared: { type: 'string', default: '4000' },
    seed: { type: 'string', default: '1' },
    against: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
  },
});
const log = (line) => process.stderr.write(`leaks-bench: ${line}\n`);
/** leaks exits 1 when it finds leaks: a result, not a failure. */
const LEAKS_STATUSES = [0, 1];

function contenders(root) {
  const cli = (main, args, statuses = [0]) => ({
    cmd: process.execPath,
    args: [...oursArgs(main), ...args],
    statuses,
  });
  const ours = OURS;
  const tree = ['--tree', String(root)];
  const list = [
    { label: '`kcmp fds --tree C --all --json`', ...cli(ours, ['fds', ...tree, '--all', '--json']) },
    { label: '`kcmp leaks --tree C -J`', ...cli(ours, ['leaks', ...tree, '-J'], LEAKS_STATUSES) },
    {
      label: '`kcmp leaks --tree C --fork -J`',
      ...cli(ours, ['leaks', ...tree, '--fork', '-J'], LEAKS_STATUSES),
    },
  ];
  if (opt.against) {
    const theirs = oursIn(opt.against);
    list.push({
      label: `\`${theirs} leaks --tree C -J\``,
      ...cli(theirs, ['leaks', ...tree, '-J'], LEAKS_STATUSES),
    });
  }
  return list;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  if (!opt['no-build']) buildOurs();
  buildC('rusage');
  const workload = {
    procs: +opt.procs,
    fdsPerProc: +opt.fds,
    shared: +opt.shared,
    seed: +opt.seed,
    keep: true,
  };
  const holder = await startHolder(workload);
  const root = holder.child.pid;
  try {
    const list = contenders(root);
    const report = join(BUILD_DIR, 'leaks.json');
    await measure(list[1].cmd, list[1].args, report, LEAKS_STATUSES);
    const { stats } = JSON.parse(readFileSync(report, 'utf8'));
    log(
      `fdholder -k: ${workload.procs} workers × ${workload.fdsPerProc} fds under ${root}; leaks stats ${JSON.stringify(stats)}`,
    );
    const samples = list.map(() => []);
    for (let round = 0; round < +opt.rounds; round++) {
      for (let i = 0; i < list.length; i++) {
        const k = (i + round) % list.length;
        samples[k].push(await measure(list[k].cmd, list[k].args, '/dev/null', list[k].statuses));
      }
      log(`round ${round + 1}/${opt.rounds} done`);
    }
    process.stdout.write(`load average ${loadavg()[0].toFixed(2)}; ${opt.rounds} interleaved rounds\n\n`);
    process.stdout.write('| command | ms min | ms median | peak RSS MB (median) |\n|---|--:|--:|--:|\n');
    list.forEach((c, i) => {
      const ms = samples[i].map((r) => r.ms);
      const rss = median(samples[i].map((r) => r.maxrssKb)) / 1024;
      process.stdout.write(
        `| ${c.label} | ${Math.min(...ms).toFixed(0)} | ${median(ms).toFixed(0)} | ${rss.toFixed(1)} |\n`,
      );
    });
  } finally {
    await holder.stop();
  }
}

await main();
