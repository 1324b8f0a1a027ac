#!/usr/bin/env node
/**
 * The start-up benchmark: what a short command costs beside Node's own start (`node -e 0`), for the
 * installed bin (the one-file bundle, dist/bin/kcmp.js) and for the unbundled tsc output it is built from
 * (dist/cli/main.js). One command reproduces it:
 *
 *   node bench/startup.mjs [--write] [--rounds 25] [--warmup 2] [--no-build] [--baseline DIR]
 *
 * 1. builds the project (`npm run build`: tsc, then the bundle; --no-build skips it) and bench/*.c;
 * 2. starts one small fdholder process (30 fds, 10 of them inherited from its parent);
 * 3. times, interleaved (every contender once per round, the starting one rotating), after WARMUP rounds,
 *    ROUNDS rounds of: `node -e 0`, `kcmp fds -p PID` and `kcmp --version` through each entry point (and
 *    `kcmp fds -p PID` through DIR's bin: another checkout, built, e.g. the commit before a change), each
 *    run through bench/rusage.c (fork+exec, stdout to /dev/null, wall time of the whole process). The bin
 *    is run as a program, as users run it: its #! line (/bin/sh, which execs Node with the bin's flags,
 *    src/cli/bin.cjs); once more through `node FLAGS BIN`, which shows what the shell costs. The `node` on
 *    PATH is this one, for every bin;
 * 4. runs each bin once more to see what it loads: the built-in modules beyond those of `node -e 0`,
 *    whether koffi was loaded, whether V8 took the bundle's code cache (src/cli/bin.cjs);
 * 5. prints medians and the ratios to `node -e 0` (of the medians, and each round's own ratio, median and
 *    range, which holds better when the machine's speed drifts), with the load average before and after;
 *    --write also replaces the "## Start-up (one small process)" section of bench/README.md.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR, BUILD_DIR, buildC } from './lib/build-c.mjs';
import { startHolder } from './lib/holder.mjs';
import { interleaved } from './lib/measure.mjs';
import { buildOurs, OURS, oursArgs, oursIn, ROOT } from './lib/ours.mjs';
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
    baseline: { type: 'string' },
  },
});
const BASELINE = opt.baseline === undefined ? undefined : oursIn(resolve(opt.baseline));
const log = (line) => process.stderr.write(`startup-bench: ${line}\n`);
// The bins run as programs find `node` on PATH (`exec node`, `#!/usr/bin/env node`): this Node, as `node -e 0`.
process.env.PATH = `${dirname(process.execPath)}:${process.env.PATH}`;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function contenders(pid) {
  const node = (label, key, args) => ({ key, label, cmd: process.execPath, args });
  const program = (label, key, bin, args) => ({ key, label, cmd: bin, args });
  return [
    node('`node -e 0`', 'node', ['-e', '0']),
    program('`kcmp fds -p PID` (bundle, the bin)', 'fds', BUNDLE, ['fds', '-p', String(pid)]),
    node('`kcmp fds -p PID` (the bin through `node FLAGS BIN`: no shell)', 'fdsNode', [
      ...oursArgs(BUNDLE),
      'fds',
      '-p',
      String(pid),
    ]),
    node('`kcmp fds -p PID` (unbundled dist/cli/main.js)', 'fdsTsc', [UNBUNDLED, 'fds', '-p', String(pid)]),
    program('`kcmp --version` (bundle, the bin)', 'version', BUNDLE, ['--version']),
    node('`kcmp --version` (unbundled dist/cli/main.js)', 'versionTsc', [UNBUNDLED, '--version']),
    ...(BASELINE
      ? [
          program(`\`kcmp fds -p PID\` (baseline: ${opt.baseline})`, 'baseline', BASELINE, [
            'fds',
            '-p',
            String(pid),
          ]),
        ]
      : []),
  ];
}

/** Written by every probed run as it exits: what it loaded, on fd 3. */
const PRELOAD = `process.on('exit', () => require('node:fs').writeFileSync(process.env.KCMP_BENCH_LOADS, JSON.stringify({
  builtins: process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')),
  koffi: Object.keys(require.cache).some((file) => /[\\/](koffi|@koromix)[\\/]/.test(file)),
  cachedDataRejected: require.cache[process.argv[1]]?.exports?.script?.cachedDataRejected ?? null,
})));`;

/**
 * What one run of `args` loads (node -r PRELOAD), stdout and stderr to files as in the timed runs. The
 * report goes to a file too: a pipe from here would be a socket (libuv's socketpair), and the SIGUSR1 guard
 * loads node:inspector wherever the process holds one (src/util/sigusr1-guard.ts).
 */
function loads(args) {
  mkdirSync(BUILD_DIR, { recursive: true });
  const preload = join(BUILD_DIR, 'startup-loads.cjs');
  const errors = join(BUILD_DIR, 'startup-loads.err');
  const report = join(BUILD_DIR, 'startup-loads.json');
  writeFileSync(preload, PRELOAD);
  rmSync(report, { force: true });
  const out = openSync('/dev/null', 'w');
  const err = openSync(errors, 'w');
  try {
    const r = spawnSync(process.execPath, ['-r', preload, ...args], {
      stdio: ['ignore', out, err],
      env: { ...process.env, KCMP_BENCH_LOADS: report },
      encoding: 'utf8',
    });
    if (r.status !== 0)
      throw new Error(
        `node ${args.join(' ')}: exit ${r.status ?? r.signal}: ${readFileSync(errors, 'utf8')}`,
      );
    return JSON.parse(readFileSync(report, 'utf8'));
  } finally {
    closeSync(out);
    closeSync(err);
  }
}

/** One row per probed command: built-ins beyond `node -e 0`'s, koffi, the code cache. */
function loadRows(pid) {
  const floor = new Set(loads(['-e', '0']).builtins);
  const probed = [
    ['`kcmp fds -p PID` (the bin)', [...oursArgs(OURS), 'fds', '-p', String(pid)]],
    ['`kcmp --version` (the bin)', [...oursArgs(OURS), '--version']],
    ...(BASELINE
      ? [
          [
            `\`kcmp fds -p PID\` (baseline: ${opt.baseline})`,
            [...oursArgs(BASELINE), 'fds', '-p', String(pid)],
          ],
        ]
      : []),
  ];
  return probed.map(([label, args]) => {
    const l = loads(args);
    const extra = l.builtins.filter((m) => !floor.has(m)).map((m) => m.slice('NativeModule '.length));
    const named = extra.filter((m) => !m.startsWith('internal/'));
    const cache = { true: 'refused by V8', false: 'used', null: 'none' }[String(l.cachedDataRejected)];
    return `| ${label} | ${extra.length} (${named.join(', ') || 'none public'}) | ${l.koffi ? 'yes' : 'no'} | ${cache} |`;
  });
}

/** Median (min–max) of the per-round ratios a/b. */
function perRound(a, b) {
  const r = a.map((ms, i) => ms / b[i]);
  return `${median(r).toFixed(2)}× (${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)})`;
}

/** Target (issues 10, 23): met only if both the ratio of the medians and the median round say so. */
function target(fds, floor) {
  const ofMedians = median(fds) / median(floor);
  const perRoundMedian = median(fds.map((ms, i) => ms / floor[i]));
  const met = ofMedians <= 1.3 && perRoundMedian <= 1.3;
  return (
    `Target (issues 10, 23): \`kcmp fds -p ONE_PID\` ≤ 1.3× \`node -e 0\` — ${met ? 'met' : '**not met**'} ` +
    `(${ofMedians.toFixed(2)}× the median, ${perRound(fds, floor)} per round).`
  );
}

function render(list, samples, load, loaded) {
  const floor = samples.get('node');
  const rows = list.map((c) => {
    const s = samples.get(c.key);
    const cells = [Math.min(...s), median(s), Math.max(...s)].map((n) => n.toFixed(0));
    return `| ${c.label} | ${cells.join(' | ')} | ${(median(s) / median(floor)).toFixed(2)}× | ${perRound(s, floor)} |`;
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
    `node bench/startup.mjs --write${opt.rounds === '25' ? '' : ` --rounds ${opt.rounds}`}${
      BASELINE ? ` --baseline ${opt.baseline}` : ''
    }`,
    '```',
    ...(BASELINE
      ? ['', 'The baseline is another checkout, built (`git worktree add DIR REV && cd DIR && npm ci`).']
      : []),
    '',
    `Node ${process.version}, Linux; measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on a ` +
      `shared machine (1-minute load average ${load.before.toFixed(2)} when timing began, ` +
      `${load.after.toFixed(2)} when it ended). Workload: one fdholder ` +
      'process with 30 fds (`fdholder -n 1 -f 30 -s 10`). Wall time of the whole process (fork to exit, stdout ' +
      `to /dev/null), ${n} interleaved rounds after ${opt.warmup} warm-up rounds:`,
    '',
    '| command | ms min | ms median | ms max | median / `node -e 0` | per-round ratio, median (min–max) |',
    '|---|--:|--:|--:|--:|--:|',
    ...rows,
    '',
    `Bundle / unbundled (the same code, tsc's output without the bundler): \`fds -p PID\` ${against('fds', 'fdsTsc')}, ` +
      `\`--version\` ${against('version', 'versionTsc')}.`,
    '',
    `The shell of the bin's #! line (src/cli/bin.cjs): the bin as a program / through \`node FLAGS BIN\`, ` +
      `\`fds -p PID\` ${against('fds', 'fdsNode')}.`,
    ...(BASELINE
      ? [
          '',
          `This bin / the baseline's, \`fds -p PID\`: per round ${perRound(samples.get('fds'), samples.get('baseline'))}.`,
        ]
      : []),
    '',
    'What each bin loads (one more run each, output to files): the built-in modules beyond the ones',
    "`node -e 0` loads (those with a public name in brackets), koffi, and the bundle's code cache:",
    '',
    '| command | built-in modules beyond `node -e 0` | koffi | code cache |',
    '|---|--|--|--|',
    ...loaded,
    '',
    target(samples.get('fds'), floor),
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
    const before = loadavg()[0];
    log(`timing ${list.length} commands, ${opt.warmup} + ${opt.rounds} rounds`);
    const runs = await interleaved(list, { rounds: +opt.rounds, warmup: +opt.warmup });
    const samples = new Map([...runs].map(([key, results]) => [key, results.map((r) => r.ms)]));
    const load = { before, after: loadavg()[0] };
    markdown = render(list, samples, load, loadRows(holder.pids[0]));
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
