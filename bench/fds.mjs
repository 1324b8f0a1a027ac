#!/usr/bin/env node
/**
 * The `kcmp fds` benchmark (issue 3, "Speed and scale"). One command reproduces it:
 *
 *   node bench/fds.mjs [--write] [--profile] [--rounds 7] [--procs 5] [--fds 10000]
 *                      [--mix inherited|single] [--shared N] [--engines auto,kcmp,bpf]
 *
 * 1. builds the project (npm run build; --no-build skips it) and bench/*.c into bench/.build/;
 * 2. correctness on a small fdholder (3 × 600 fds): the C reference and `kcmp fds --all --json` must both
 *    give exactly the partition of the F_DUPFD_QUERY oracle (ofd-ref --oracle; no kcmp involved);
 * 3. starts fdholder with PROCS × FDS fds (default 5 × 10,000 = 50,000) and checks that ours and the C
 *    reference agree on the full partition — a benchmark of a wrong answer is worthless;
 * 4. times, interleaved (the order rotates every round), after WARMUP rounds, ROUNDS rounds of:
 *    `node dist/bin/kcmp.js fds -p PIDS --all --json` (the bin, end to end, process startup included), the C
 *    reference (bench/ofd-ref.c; also with --verify, the re-check pass ours makes), `lsfd -p`, `lsfd -r -n -o PID,FD,INODE -p`, `lsof -n -P -p`; each run
 *    through bench/rusage.c (fork+exec, stdout to /dev/null, wall time and the child's peak RSS);
 * 5. prints the results as markdown; --write also replaces the "## Sharing map" section of
 *    bench/README.md. --profile adds a `node --cpu-prof` run of ours and its top self-time functions;
 *    --ours-extra "--workers 0" appends flags to ours, to compare variants; --wrapper "CMD ARGS" runs ours
 *    under CMD (e.g. the seccomp launcher of test/fixture/seccomp, to time --borrow where kcmp is blocked);
 *    --engines "auto,kcmp,bpf" times one `kcmp fds --engine E` per engine (each partition checked against
 *    the C reference first) and `node -e 0`, the floor of any Node program; the README section is named
 *    after the workload, so runs at other sizes (1 process, 10k, 100k, a prefork tree) keep their own.
 *
 * Only the holder's pids are ever scanned (never the whole machine), and the holder is torn down on
 * every exit path (lib/holder.mjs). Exit status 1 when a partition check fails.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { BENCH_DIR, BUILD_DIR, buildC } from './lib/build-c.mjs';
import { topSelfTime } from './lib/cpu-profile.mjs';
import { startHolder } from './lib/holder.mjs';
import { interleaved, measure } from './lib/measure.mjs';
import { buildOurs, oursArgs } from './lib/ours.mjs';
import { comparePartitions, partitionOfReport } from './lib/partition.mjs';
import { renderMarkdown, writeReadmeSection } from './lib/report.mjs';

const run = promisify(execFile);

const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    warmup: { type: 'string', default: '1' },
    procs: { type: 'string', default: '5' },
    fds: { type: 'string', default: '10000' },
    shared: { type: 'string' },
    mix: { type: 'string', default: 'inherited' },
    seed: { type: 'string', default: '1' },
    write: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    'ours-extra': { type: 'string', default: '' },
    wrapper: { type: 'string', default: '' },
    engines: { type: 'string', default: '' },
  },
});
/** The engines timed besides plain `ours` (which passes no --engine, so auto). */
const engines = opt.engines.split(',').filter(Boolean);
/**
 * The mixes of fds (--mix; --shared overrides its count): `inherited`, 4,000 of each worker's fds
 * inherited from the coordinator (a pre-fork server: many descriptions held by every worker); `single`,
 * 330 inherited, so most descriptions have one holder (on 5 × 10,000 fds, seed 1: 39,079 descriptions,
 * 6,101 of them held more than once).
 */
const MIXES = { inherited: 4000, single: 330 };
if (!(opt.mix in MIXES)) throw new Error(`--mix ${opt.mix}: one of ${Object.keys(MIXES).join(', ')}`);
const shared = opt.shared === undefined ? MIXES[opt.mix] : +opt.shared;
const workload = { procs: +opt.procs, fdsPerProc: +opt.fds, shared, seed: +opt.seed };
const log = (line) => process.stderr.write(`fds-bench: ${line}\n`);

const oursExtra = opt['ours-extra'].split(/\s+/).filter(Boolean);
const wrapper = opt.wrapper.split(/\s+/).filter(Boolean);
/** Ours as [command, args]: node (with `nodeFlags`) running the CLI, under --wrapper if given. */
const ours = (pids, nodeFlags = [], engine = undefined) => {
  const argv = [
    ...wrapper,
    process.execPath,
    ...nodeFlags,
    ...oursArgs(),
    'fds',
    '-p',
    pids.join(','),
    '--all',
    '--json',
  ];
  return [argv[0], [...argv.slice(1), ...oursExtra, ...(engine ? ['--engine', engine] : [])]];
};

/** `kcmp fds` exists once `kcmp fds --help` prints its own usage; until then the benchmark runs without it. */
function oursAvailable() {
  const r = spawnSync(process.execPath, [...oursArgs(), 'fds', '--help'], { encoding: 'utf8' });
  if (r.status === 0 && /Usage: kcmp fds/.test(r.stdout)) return null;
  return `\`kcmp fds --help\` ${r.status === 0 ? 'printed no fds usage' : `exited ${r.status}`}`;
}

const C_MODES = { ref: [], verify: ['--verify'], oracle: ['--oracle'] };

/** ofd-ref's summary and canonical partition; mode: 'ref' (as timed), 'verify' or 'oracle'. */
async function cPartition(pids, mode) {
  const file = join(BUILD_DIR, `partition-${mode}.txt`);
  const { stdout } = await run(buildC('ofd-ref'), [...C_MODES[mode], '--partition', file, pids.join(',')]);
  return { summary: JSON.parse(stdout), text: readFileSync(file, 'utf8') };
}

async function oursPartition(pids, engine) {
  const file = join(BUILD_DIR, `ours${engine ? `-${engine}` : ''}.json`);
  rmSync(file, { force: true }); // rusage does not truncate: a shorter report would keep a stale tail
  await measure(...ours(pids, [], engine), file);
  const report = JSON.parse(readFileSync(file, 'utf8'));
  return { report, text: partitionOfReport(report) };
}

/** Compares two partitions; logs and records the verdict. */
function agree(checks, nameA, a, nameB, b, fds) {
  const problems = comparePartitions(nameA, a, nameB, b);
  checks.push({ what: `${nameA} = ${nameB}`, fds, ok: problems.length === 0, problems });
  log(`${nameA} vs ${nameB} on ${fds} fds: ${problems.length ? 'DIFFERENT' : 'equal'}`);
  for (const p of problems) log(`  ${p}`);
}

async function correctness(checks, oursMissing) {
  const small = await startHolder({ procs: 3, fdsPerProc: 600, shared: 250, seed: workload.seed });
  try {
    const oracle = await cPartition(small.pids, 'oracle');
    const ref = await cPartition(small.pids, 'ref');
    agree(checks, 'C reference', ref.text, 'oracle', oracle.text, oracle.summary.fds);
    if (!oursMissing)
      agree(
        checks,
        'kcmp fds',
        (await oursPartition(small.pids)).text,
        'oracle',
        oracle.text,
        oracle.summary.fds,
      );
  } finally {
    await small.stop();
  }
}

async function profile(pids) {
  const dir = join(BUILD_DIR, 'cpu-prof');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await measure(...ours(pids, ['--cpu-prof', '--cpu-prof-dir', dir]));
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .map((f) => ({ file: f, top: topSelfTime(join(dir, f)) }));
}

function contenders(pids, oursMissing) {
  const list = [
    { key: 'ours', label: '`kcmp fds -p PIDS --all --json`', cmd: ours(pids)[0], args: ours(pids)[1] },
    {
      key: 'c',
      label: 'C reference (`bench/ofd-ref.c`)',
      cmd: buildC('ofd-ref'),
      args: ['--partition', '/dev/null', pids.join(',')],
    },
    {
      key: 'cVerify',
      label: 'C reference + verify pass (`ofd-ref --verify`)',
      cmd: buildC('ofd-ref'),
      args: ['--verify', '--partition', '/dev/null', pids.join(',')],
    },
    { key: 'lsfd', label: '`lsfd -p PIDS`', cmd: 'lsfd', args: ['-p', pids.join(' ')] },
    {
      key: 'lsfdRaw',
      label: '`lsfd -r -n -o PID,FD,INODE -p PIDS`',
      cmd: 'lsfd',
      args: ['-r', '-n', '-o', 'PID,FD,INODE', '-p', pids.join(' ')],
    },
    { key: 'lsof', label: '`lsof -n -P -p PIDS`', cmd: 'lsof', args: ['-n', '-P', '-p', pids.join(',')] },
  ];
  if (oursMissing) return list.filter((c) => c.key !== 'ours');
  for (const engine of engines) {
    const [cmd, args] = ours(pids, [], engine);
    list.push({ key: `ours-${engine}`, label: `\`kcmp fds … --engine ${engine}\``, cmd, args });
  }
  if (engines.length > 0)
    list.push({ key: 'node', label: '`node -e 0`', cmd: process.execPath, args: ['-e', '0'] });
  return list;
}

async function main() {
  if (!opt['no-build']) {
    const failed = buildOurs();
    if (failed) log(`npm run build failed: ${failed.trim().split('\n')[0]}`);
  }
  for (const name of ['fdholder', 'ofd-ref', 'rusage']) buildC(name);
  const oursMissing = oursAvailable();
  if (oursMissing) log(`kcmp fds is not available yet (${oursMissing}); timing the others only`);

  const checks = [];
  await correctness(checks, oursMissing);
  log(`starting fdholder: ${workload.procs} × ${workload.fdsPerProc} fds`);
  const holder = await startHolder(workload);
  const result = { workload, checks, oursMissing, pids: holder.pids };
  try {
    log(`pids ${holder.pids.join(' ')}`);
    const ref = await cPartition(holder.pids, 'ref');
    result.ref = ref.summary;
    result.refVerify = (await cPartition(holder.pids, 'verify')).summary;
    if (!oursMissing) {
      const ours = await oursPartition(holder.pids);
      result.ours = ours.report.stats;
      result.oursErrors = ours.report.errors.length;
      agree(checks, 'kcmp fds', ours.text, 'C reference', ref.text, ref.summary.fds);
      result.engineStats = {};
      for (const engine of engines) {
        const variant = await oursPartition(holder.pids, engine);
        result.engineStats[engine] = variant.report.stats;
        agree(checks, `kcmp fds --engine ${engine}`, variant.text, 'C reference', ref.text, ref.summary.fds);
      }
      if (opt.profile) result.profile = await profile(holder.pids);
    }
    const list = contenders(holder.pids, oursMissing);
    result.contenders = list;
    result.load = loadavg()[0];
    result.samples = await interleaved(list, {
      rounds: +opt.rounds,
      warmup: +opt.warmup,
      onRound: (n, total, warm) => log(`round ${n}/${total}${warm ? ' (warm-up)' : ''} done`),
    });
  } finally {
    await holder.stop();
  }
  const markdown = renderMarkdown(result, opt);
  process.stdout.write(`${markdown}\n`);
  if (opt.write) {
    writeReadmeSection(join(BENCH_DIR, 'README.md'), markdown);
    log('bench/README.md updated');
  }
  if (checks.some((c) => !c.ok)) process.exitCode = 1;
}

await main();
