#!/usr/bin/env node
/**
 * The speed targets of `kcmp fds`, every row in one run, on both mixes of fds. One command reproduces it:
 *
 *   node bench/targets.mjs [--write] [--rounds 7] [--warmup 1] [--small-rounds 25] [--no-build]
 *                          [--mixes single,inherited] [--sizes 10k,50k,100k]
 *
 * 1. builds the project (npm run build; --no-build skips it) and bench/*.c;
 * 2. per mix, correctness on a small fdholder (3 × 600 fds): `kcmp fds --all --json` and the C reference
 *    (bench/ofd-ref.c) must both give exactly the partition of the F_DUPFD_QUERY oracle (no kcmp used);
 * 3. per mix and size — 10k: 5 × 2,000 fds; 50k: 5 × 10,000; 100k: 10 × 10,000 — starts fdholder, checks
 *    that every timed variant of ours gives the C reference's partition, fd by fd, then times ROUNDS
 *    interleaved rounds (the starting command rotating) of the bin (`dist/bin/kcmp.js fds -p PIDS --all
 *    --json`, run as users run it: executed, not through `node FILE`, so its launcher's flags count) and
 *    the C reference; at 50k also `--engine kcmp`. Each run goes through bench/rusage.c (fork+exec, stdout
 *    to /dev/null, wall time, the child's peak RSS);
 * 4. one small process (fdholder: 30 fds) — `kcmp fds -p PID` against `node -e 0`, SMALL_ROUNDS rounds;
 * 5. prints one table: per row the medians, each round's own ratio (median, min–max: the pairing that
 *    holds when the machine's speed drifts), peak RSS, the target and whether it is met, and the 1-minute
 *    load average before and after each row. --write replaces the "## Targets" section of bench/README.md.
 *
 * The mixes (fdholder's -s, per process): `inherited`, 40% of each worker's fds inherited from the
 * coordinator (a pre-fork server); `single`, 3.3%, so most descriptions have one holder. Only the holders'
 * pids are scanned, and every holder is torn down on every exit path (lib/holder.mjs). Exit status 1 when
 * a partition check fails.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { BENCH_DIR, BUILD_DIR, buildC } from './lib/build-c.mjs';
import { startHolder } from './lib/holder.mjs';
import { interleaved, measure } from './lib/measure.mjs';
import { buildOurs, OURS } from './lib/ours.mjs';
import { comparePartitions, partitionOfReport } from './lib/partition.mjs';
import { writeReadmeSection } from './lib/report.mjs';

const run = promisify(execFile);
const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    warmup: { type: 'string', default: '1' },
    'small-rounds': { type: 'string', default: '25' },
    mixes: { type: 'string', default: 'single,inherited' },
    sizes: { type: 'string', default: '10k,50k,100k' },
    seed: { type: 'string', default: '1' },
    write: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
  },
});
const log = (line) => process.stderr.write(`targets: ${line}\n`);

const MIXES = { single: 0.033, inherited: 0.4 };
const SIZES = {
  '10k': { procs: 5, fdsPerProc: 2000, target: 1.0 },
  '50k': { procs: 5, fdsPerProc: 10000, target: 0.25, kcmpTarget: 1.0 },
  '100k': { procs: 10, fdsPerProc: 10000, target: 0.25, rssTargetMb: 150 },
};
const SMALL_TARGET = 1.3;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const spread = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

/** The bin as users run it: executed (its first line chooses the interpreter and its flags). */
const BIN = (() => {
  try {
    accessSync(OURS, constants.X_OK);
    return [OURS];
  } catch {
    return [process.execPath, OURS];
  }
})();
const ours = (pids, engine) => ({
  cmd: BIN[0],
  args: [
    ...BIN.slice(1),
    'fds',
    '-p',
    pids.join(','),
    '--all',
    '--json',
    ...(engine ? ['--engine', engine] : []),
  ],
});
const cRef = (pids, mode = []) => ({
  cmd: buildC('ofd-ref'),
  args: [...mode, '--partition', '/dev/null', pids.join(',')],
});

/** ofd-ref's canonical partition (and, as `lastSummary`, its summary line: fds, kcmp calls, …). */
let lastSummary;
async function cPartition(pids, mode) {
  const file = join(BUILD_DIR, `targets-${mode.join('') || 'ref'}.txt`);
  const { stdout } = await run(buildC('ofd-ref'), [...mode, '--partition', file, pids.join(',')], {
    maxBuffer: 1 << 26,
  });
  lastSummary = JSON.parse(stdout);
  return readFileSync(file, 'utf8');
}

async function oursPartition(pids, engine) {
  const file = join(BUILD_DIR, `targets-ours${engine ? `-${engine}` : ''}.json`);
  rmSync(file, { force: true }); // rusage does not truncate: a shorter report would keep a stale tail
  const { cmd, args } = ours(pids, engine);
  await measure(cmd, args, file);
  const report = JSON.parse(readFileSync(file, 'utf8'));
  return { text: partitionOfReport(report), stats: report.stats };
}

const checks = [];
function agree(what, a, b, fds) {
  const problems = comparePartitions(what[0], a, what[1], b);
  checks.push({ what: `${what[0]} = ${what[1]}`, fds, ok: problems.length === 0 });
  log(`${what[0]} vs ${what[1]} on ${fds}: ${problems.length ? 'DIFFERENT' : 'equal'}`);
  for (const p of problems.slice(0, 20)) log(`  ${p}`);
}

async function withHolder(workload, body) {
  const holder = await startHolder(workload);
  try {
    return await body(holder.pids);
  } finally {
    await holder.stop();
  }
}

/** One row: ours (or a variant) against a baseline, per-round ratios, RSS. */
function row(label, samples, key, base, target, extra = {}) {
  const a = samples.get(key).map((r) => r.ms);
  const b = samples.get(base).map((r) => r.ms);
  return {
    label,
    ours: spread(a),
    base: spread(b),
    ratio: spread(a.map((ms, i) => ms / b[i])),
    rssMb: spread(samples.get(key).map((r) => r.maxrssKb / 1024)),
    target,
    ...extra,
  };
}

async function bigRows(mix, size) {
  const { procs, fdsPerProc, target, kcmpTarget, rssTargetMb } = SIZES[size];
  const workload = { procs, fdsPerProc, shared: Math.round(fdsPerProc * MIXES[mix]), seed: +opt.seed };
  return withHolder(workload, async (pids) => {
    const fds = `${mix} ${size}`;
    const ref = await cPartition(pids, []);
    const cCalls = lastSummary.comparisons;
    const auto = await oursPartition(pids);
    agree(['kcmp fds', 'C reference'], auto.text, ref, fds);
    const list = [
      { key: 'auto', ...ours(pids) },
      { key: 'c', ...cRef(pids) },
    ];
    let kcmpStats;
    if (kcmpTarget) {
      const k = await oursPartition(pids, 'kcmp');
      kcmpStats = k.stats;
      agree(['kcmp fds --engine kcmp', 'C reference'], k.text, ref, fds);
      list.push({ key: 'kcmp', ...ours(pids, 'kcmp') });
    }
    const load = [loadavg()[0]];
    log(`${fds}: timing ${+opt.rounds} rounds`);
    const samples = await interleaved(list, { rounds: +opt.rounds, warmup: +opt.warmup });
    load.push(loadavg()[0]);
    const what = `${procs} × ${fdsPerProc.toLocaleString('en-US')} fds, ${mix} (${auto.stats.descriptions.toLocaleString('en-US')} descriptions)`;
    const rows = [
      row(`${what}, auto (${auto.stats.engine})`, samples, 'auto', 'c', target, { load, rssTargetMb }),
    ];
    if (kcmpTarget)
      rows.push(
        row(`${what}, \`--engine kcmp\``, samples, 'kcmp', 'c', kcmpTarget, { load, kcmpStats, mix, cCalls }),
      );
    return rows;
  });
}

async function smallRow() {
  return withHolder({ procs: 1, fdsPerProc: 30, shared: 10, seed: +opt.seed }, async (pids) => {
    const list = [
      { key: 'fds', cmd: BIN[0], args: [...BIN.slice(1), 'fds', '-p', String(pids[0])] },
      { key: 'node', cmd: process.execPath, args: ['-e', '0'] },
    ];
    const load = [loadavg()[0]];
    log(`one small process: timing ${+opt['small-rounds']} rounds`);
    const samples = await interleaved(list, { rounds: +opt['small-rounds'], warmup: 2 });
    load.push(loadavg()[0]);
    return row(
      'one small process (30 fds), `kcmp fds -p PID`, against `node -e 0`',
      samples,
      'fds',
      'node',
      SMALL_TARGET,
      { load },
    );
  });
}

const f0 = (x) => Math.round(x).toLocaleString('en-US');
const f2 = (x) => x.toFixed(2);
const range = (s, f) => `${f(s.median)} (${f(s.min)}–${f(s.max)})`;

/** 150 MB (10^6 bytes) in MiB, the unit ru_maxrss is shown in here. */
const MIB_PER_MB = 1e6 / 2 ** 20;

function render(rows) {
  const timeMet = (r) => r.ratio.median <= r.target;
  const memoryMet = (r) => r.rssTargetMb === undefined || r.rssMb.max <= r.rssTargetMb * MIB_PER_MB;
  const memory = (r) =>
    r.rssTargetMb === undefined
      ? ''
      : `; ≤ ${r.rssTargetMb} MB (${(r.rssTargetMb * MIB_PER_MB).toFixed(1)} MiB): ${memoryMet(r) ? 'met' : '**not met**'}`;
  const lines = [
    '## Targets: kcmp fds against the C reference, both mixes',
    '',
    `Reproduce: \`node bench/targets.mjs${opt.write ? ' --write' : ''}\` (${+opt.rounds} interleaved rounds after ${+opt.warmup} warm-up per row; ${+opt['small-rounds']} for the small process). Run as ${process.getuid?.() === 0 ? 'root' : 'a user'} on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, 2 cores. Ours is the bin, executed; "C" is bench/ofd-ref.c (readlinkat + fstatat per fd, buckets, binary insertion by kcmp); the small row's baseline is \`node -e 0\`. Ratio: each round's own ours ÷ baseline, median (min–max). Peak RSS: the child's ru_maxrss in MiB, median (max). Load: the 1-minute average before and after the row (the holders and the runs themselves are part of it).`,
    '',
    '| workload | ours ms | baseline ms | ratio | target (time; memory) | peak RSS MiB | load | time met |',
    '|---|--:|--:|--:|--:|--:|--:|:-:|',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${range(r.ours, f0)} | ${range(r.base, f0)} | ${range(r.ratio, f2)}× | ≤ ${f2(r.target)}×${memory(r)} | ${f0(r.rssMb.median)} (${f0(r.rssMb.max)}) | ${r.load.map((l) => l.toFixed(2)).join('→')} | ${timeMet(r) ? 'yes' : '**no**'} |`,
    ),
    '',
    `Partitions checked before timing (ours and the C reference against the F_DUPFD_QUERY oracle on 3 × 600 fds per mix; every timed variant of ours against the C reference on each workload): ${checks.every((c) => c.ok) ? `all ${checks.length} equal` : `**${checks.filter((c) => !c.ok).length} of ${checks.length} DIFFERENT**`}.`,
  ];
  const kc = rows.filter((r) => r.kcmpStats);
  if (kc.length)
    lines.push(
      '',
      `kcmp calls of \`--engine kcmp\` at 50k: ${kc.map((r) => `${r.mix} mix ${f0(r.kcmpStats.comparisons)} (${(r.kcmpStats.comparisons / r.kcmpStats.fds).toFixed(2)} per fd; the C reference ${f0(r.cCalls)})`).join('; ')}.`,
    );
  return `${lines.join('\n')}\n`;
}

async function main() {
  if (!opt['no-build']) {
    const failed = buildOurs();
    if (failed) throw new Error(`npm run build failed: ${failed.trim().split('\n')[0]}`);
  }
  for (const name of ['fdholder', 'ofd-ref', 'rusage']) buildC(name);
  const mixes = opt.mixes.split(',').filter(Boolean);
  const sizes = opt.sizes.split(',').filter(Boolean);
  for (const m of mixes) if (!(m in MIXES)) throw new Error(`--mixes: ${m} is none of ${Object.keys(MIXES)}`);
  for (const s of sizes) if (!(s in SIZES)) throw new Error(`--sizes: ${s} is none of ${Object.keys(SIZES)}`);
  const rows = [];
  for (const mix of mixes) {
    await withHolder(
      { procs: 3, fdsPerProc: 600, shared: Math.round(600 * MIXES[mix]), seed: +opt.seed },
      async (pids) => {
        const oracle = await cPartition(pids, ['--oracle']);
        agree(['C reference', 'oracle'], await cPartition(pids, []), oracle, `${mix} 3 × 600`);
        agree(['kcmp fds', 'oracle'], (await oursPartition(pids)).text, oracle, `${mix} 3 × 600`);
      },
    );
    for (const size of sizes) rows.push(...(await bigRows(mix, size)));
  }
  rows.push(await smallRow());
  const markdown = render(rows);
  process.stdout.write(markdown);
  if (opt.write) {
    writeReadmeSection(join(BENCH_DIR, 'README.md'), markdown);
    log('bench/README.md updated');
  }
  if (checks.some((c) => !c.ok)) process.exitCode = 1;
}

await main();
