#!/usr/bin/env node
/**
 * The start-up benchmark: what a short command costs beside Node's own start (`node -e 0`), for the
 * installed bin (the one-file bundle, dist/bin/kcmp.js) and for the unbundled tsc output it is built from
 * (dist/cli/main.js). One command reproduces it:
 *
 *   node bench/startup.mjs [--write] [--rounds 25] [--warmup 2] [--no-build]
 *
 * 1. builds the project (`npm run build`: tsc, then the bundle; --no-build skips it) and bench/*.c;
 * 2. starts one small fdholder process (30 fds, 10 of them inherited from its parent);
 * 3. times, interleaved (every contender once per round, the starting one rotating), after WARMUP rounds,
 *    ROUNDS rounds of: `node -e 0`, `kcmp fds -p PID` and `kcmp --version` through each entry point, each
 *    run through bench/rusage.c (fork+exec, stdout to /dev/null, wall time of the whole process);
 * 4. prints medians and the ratios to `node -e 0` (of the medians, and the median of each round's own
 *    ratio, which holds better when the machine's speed drifts); --write also replaces the "## Start-up
 *    (one small process)" section of bench/README.md.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR, buildC } from './lib/build-c.mjs';
import { startHolder } from './lib/holder.mjs';
import { measure } from './lib/measure.mjs';
import { buildOurs, OURS, ROOT } from './lib/ours.mjs';
import { writeReadmeSection } from './lib/report.mjs';

const BUNDLE = OURS;
const UNBUNDLED = join(ROOT, 'dist', 'cli', 'main.js');
const HEADING = '## Start-up (one small process)';

const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '25' },
    warmup: { type: 'string', default: '2' },
    write: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
  },
});
const log = (line) => process.stderr.write(`startup-bench: ${line}\n`);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function contenders(pid) {
  const node = (label, key, args) => ({ key, label, cmd: process.execPath, args });
  return [
    node('`node -e 0`', 'node', ['-e', '0']),
    node('`kcmp fds -p PID` (bundle, the bin)', 'fds', [BUNDLE, 'fds', '-p', String(pid)]),
    node('`kcmp fds -p PID` (unbundled dist/cli/main.js)', 'fdsTsc', [UNBUNDLED, 'fds', '-p', String(pid)]),
    node('`kcmp --version` (bundle, the bin)', 'version', [BUNDLE, '--version']),
    node('`kcmp --version` (unbundled dist/cli/main.js)', 'versionTsc', [UNBUNDLED, '--version']),
  ];
}

/** Interleaved rounds: every contender once per round, the starting contender rotating. */
async function time(list) {
  const samples = new Map(list.map((c) => [c.key, []]));
  const total = +opt.warmup + +opt.rounds;
  for (let round = 0; round < total; round++) {
    const times = new Map();
    for (let i = 0; i < list.length; i++) {
      const c = list[(i + round) % list.length];
      times.set(c.key, (await measure(c.cmd, c.args)).ms);
    }
    if (round >= +opt.warmup) for (const [key, ms] of times) samples.get(key).push(ms);
  }
  return samples;
}

function render(list, samples, load) {
  const floor = samples.get('node');
  const rows = list.map((c) => {
    const s = samples.get(c.key);
    const paired = median(s.map((ms, i) => ms / floor[i]));
    const cells = [Math.min(...s), median(s), Math.max(...s)].map((n) => n.toFixed(0));
    return `| ${c.label} | ${cells.join(' | ')} | ${(median(s) / median(floor)).toFixed(2)}× | ${paired.toFixed(2)}× |`;
  });
  const n = floor.length;
  /** The bundle against the unbundled entry, for one command: ratio of medians, median of round ratios. */
  const against = (key, base) => {
    const a = samples.get(key);
    const b = samples.get(base);
    const paired = median(a.map((ms, i) => ms / b[i]));
    return `${(median(a) / median(b)).toFixed(2)}× (per round ${paired.toFixed(2)}×)`;
  };
  return [
    HEADING,
    '',
    'Reproduce (from the repository root; runs `npm run build`, starts one fdholder process, times, and',
    'rewrites this section):',
    '',
    '```sh',
    `node bench/startup.mjs --write${opt.rounds === '25' ? '' : ` --rounds ${opt.rounds}`}`,
    '```',
    '',
    `Node ${process.version}, Linux; measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on a ` +
      `shared machine (1-minute load average ${load.toFixed(2)} when timing began). Workload: one fdholder ` +
      'process with 30 fds (`fdholder -n 1 -f 30 -s 10`). Wall time of the whole process (fork to exit, stdout ' +
      `to /dev/null), ${n} interleaved rounds after ${opt.warmup} warm-up rounds:`,
    '',
    '| command | ms min | ms median | ms max | median / `node -e 0` | per-round ratio (median) |',
    '|---|--:|--:|--:|--:|--:|',
    ...rows,
    '',
    `Bundle / unbundled (the same code, tsc's output without the bundler): \`fds -p PID\` ${against('fds', 'fdsTsc')}, ` +
      `\`--version\` ${against('version', 'versionTsc')}.`,
    '',
    `Target (issue 10): \`kcmp fds -p ONE_PID\` ≤ 1.3× \`node -e 0\` — ${
      median(samples.get('fds')) / median(floor) <= 1.3 ? 'met' : '**not met**'
    } (${(median(samples.get('fds')) / median(floor)).toFixed(2)}×).`,
    '',
  ].join('\n');
}

async function main() {
  if (!opt['no-build']) {
    const failed = buildOurs();
    if (failed) throw new Error(`npm run build failed:\n${failed}`);
  }
  buildC('rusage');
  const holder = await startHolder({ procs: 1, fdsPerProc: 30, shared: 10, seed: 1 });
  let markdown;
  try {
    const list = contenders(holder.pids[0]);
    const load = loadavg()[0];
    log(`timing ${list.length} commands, ${opt.warmup} + ${opt.rounds} rounds`);
    markdown = render(list, await time(list), load);
  } finally {
    await holder.stop();
  }
  process.stdout.write(`${markdown}\n`);
  if (opt.write) {
    writeReadmeSection(join(BENCH_DIR, 'README.md'), markdown);
    log('bench/README.md updated');
  }
}

await main();
