#!/usr/bin/env node
/**
 * "Who holds this file?" machine-wide: `kcmp fds FILE` against lsfd's answer to the same question,
 * `lsfd -Q "NAME == 'FILE'"` (faster than `lsof FILE`). One command reproduces it, as root:
 *
 *   node bench/objects.mjs [--write] [--rounds 7] [--procs 15] [--fds 10000] [--shared 4000] [--lsfd PATH]
 *
 * 1. builds the project (--no-build skips it) and starts bench/fdholder with PROCS × FDS fds (default
 *    15 × 10,000 = 150,000) beside whatever else the machine runs;
 * 2. two files are asked about: a rare one (a scratch file one `sleep` holds, the usual question) and the
 *    holder's scratch file, which 15% of its fds hold (thousands of descriptions of one inode, each proven);
 * 3. checks that both tools find the same fds of each file (ours also groups them into descriptions);
 * 4. times them interleaved (the order rotates every round) after one warm-up round: wall time and peak
 *    RSS of the whole process (bench/rusage.c), startup included;
 * 5. prints markdown; --write replaces its section of bench/README.md. --lsfd names another lsfd binary
 *    (e.g. one built from current util-linux), whose version is printed beside it.
 *
 * Nothing is stopped or borrowed: both tools only read. The holder and the sleeper are torn down on every
 * exit path.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR } from './lib/build-c.mjs';
import { startHolder } from './lib/holder.mjs';
import { interleaved } from './lib/measure.mjs';
import { buildOurs, oursArgs } from './lib/ours.mjs';
import { writeReadmeSection } from './lib/report.mjs';

const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    procs: { type: 'string', default: '15' },
    fds: { type: 'string', default: '10000' },
    shared: { type: 'string', default: '4000' },
    lsfd: { type: 'string', default: 'lsfd' },
    write: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
  },
});

if (process.getuid?.() !== 0) {
  console.error('bench/objects.mjs: run as root (both tools are asked about every process of the machine)');
  process.exit(2);
}
if (!opt['no-build']) buildOurs();

const dir = mkdtempSync(join(tmpdir(), 'kcmp-bench-objects-'));
const rare = join(dir, 'rare');
writeFileSync(rare, 'held by one sleep\n');
const fd = openSync(rare, 'r');
const sleeper = spawn('sleep', ['3600'], { stdio: ['ignore', 'ignore', 'ignore', fd] });
closeSync(fd);
const holder = await startHolder({
  procs: Number(opt.procs),
  fdsPerProc: Number(opt.fds),
  shared: Number(opt.shared),
  seed: 1,
});
const cleanUp = async () => {
  sleeper.kill();
  await holder.stop();
  rmSync(dir, { recursive: true, force: true });
};

try {
  const heavy = scratchFileOf(holder.pids[0]);
  const files = [
    { label: 'a file one process holds', path: rare },
    { label: "the holder's scratch file (15% of its fds)", path: heavy },
  ];
  const machineFds = countMachineFds();
  const sections = [];
  for (const file of files) {
    const tools = [
      {
        key: 'ours',
        label: '`kcmp fds FILE --json`',
        cmd: process.execPath,
        args: [...oursArgs(), 'fds', file.path, '--json'],
      },
      {
        key: 'lsfd',
        label: '`lsfd -Q "NAME == \'FILE\'"`',
        cmd: opt.lsfd,
        args: ['-Q', `NAME == '${file.path}'`],
      },
    ];
    const agreed = checkAgreement(file.path);
    const times = await interleaved(tools, { rounds: Number(opt.rounds), warmup: 1 });
    sections.push({ file, agreed, times, tools });
  }
  const markdown = render(sections, machineFds);
  console.log(markdown);
  if (opt.write) writeReadmeSection(join(BENCH_DIR, 'README.md'), markdown);
} finally {
  await cleanUp();
}

/** The path of fdholder's scratch file, as a worker's fd links name it. */
function scratchFileOf(pid) {
  for (const name of readdirSync(`/proc/${pid}/fd`)) {
    const target = readlinkSync(`/proc/${pid}/fd/${name}`);
    if (/\/fdholder-[^/]+\/data$/.test(target)) return target;
  }
  throw new Error('fdholder: no worker fd names its scratch file');
}

/** Every fd of the machine, as /proc lists them now. */
function countMachineFds() {
  let n = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      n += readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      // exited, or unreadable
    }
  }
  return n;
}

/** The (pid, fd) pairs each tool finds for `path` must be the same; ours' descriptions are counted. */
function checkAgreement(path) {
  const ours = spawnSync(process.execPath, [...oursArgs(), 'fds', path, '--json'], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (ours.status !== 0) throw new Error(`kcmp fds ${path}: exit ${ours.status}: ${ours.stderr}`);
  const report = JSON.parse(ours.stdout);
  const mine = report.descriptions.flatMap((d) => d.holders.map((h) => `${h.pid}:${h.fd}`)).sort();
  const theirs = spawnSync(opt.lsfd, ['-r', '-n', '-o', 'PID,ASSOC', '-Q', `NAME == '${path}'`], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const lsfd = theirs.stdout
    .trim()
    .split('\n')
    .filter((l) => /^\d+ \d+$/.test(l)) // fds only: lsfd also lists cwd, mem, … associations
    .map((l) => l.replace(' ', ':'))
    .filter((ref) => !ref.startsWith(`${theirs.pid}:`))
    .sort();
  const same = mine.length === lsfd.length && mine.every((ref, i) => ref === lsfd[i]);
  if (!same) throw new Error(`${path}: ours ${mine.length} fds, lsfd ${lsfd.length}: they differ`);
  return { fds: mine.length, descriptions: report.descriptions.length, engine: report.stats.engine };
}

function median(xs) {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

function render(sections, machineFds) {
  const version = spawnSync(opt.lsfd, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const out = [
    `## Who holds this file (${opt.procs} × ${Number(opt.fds).toLocaleString('en-US')} fds; ${version})`,
    '',
    `\`node bench/objects.mjs --procs ${opt.procs} --fds ${opt.fds}\` as root, ${opt.rounds} interleaved rounds after a warm-up; ${version}; Node ${process.version}; 1-minute load ${loadavg()[0].toFixed(2)} when timing began; ${machineFds.toLocaleString('en-US')} fds on the machine. Both tools read every process of the machine; ours also proves which fds share a description.`,
    '',
    '| file | fds (descriptions) | engine | tool | wall ms (min / median / max) | peak RSS MiB | ours ÷ lsfd |',
    '|---|--:|---|---|--:|--:|--:|',
  ];
  for (const { file, agreed, times, tools } of sections) {
    const med = (key) => median(times.get(key).map((r) => r.ms));
    for (const tool of tools) {
      const ms = times.get(tool.key).map((r) => r.ms);
      const rss = median(times.get(tool.key).map((r) => r.maxrssKb)) / 1024;
      const ratio = tool.key === 'ours' ? `${(med('ours') / med('lsfd')).toFixed(2)}×` : '';
      out.push(
        `| ${file.label} | ${agreed.fds} (${agreed.descriptions}) | ${tool.key === 'ours' ? agreed.engine : ''} | ${tool.label} | ${Math.min(...ms).toFixed(0)} / ${med(tool.key).toFixed(0)} / ${Math.max(...ms).toFixed(0)} | ${rss.toFixed(1)} | ${ratio} |`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}
