#!/usr/bin/env node
/**
 * The exporter's steady-state cost: CPU time of one scan, in process and warm, as `kcmp exporter` makes
 * one every interval (fleetScan: the fds scan, leaks, host files of containers, reduced to metrics),
 * beside what a plain fd count costs — process-exporter's and node_exporter's `process_open_fds` are one
 * readdir of /proc/PID/fd per process, which is the floor of any fd metric. Run as root after
 * `npm run build`:
 *
 *   node bench/fleet-cost.mjs [--procs 10] [--fds 10000] [--shared 4000] [--scans 10] [--write]
 *
 * fdholder holds PROCS × FDS fds; the exporter's scan of exactly those processes (its engine chosen as the
 * exporter's is: auto) runs SCANS times after
 * two warm-up scans, measured with process.cpuUsage() (user + system of this process and its worker
 * threads) and wall time; the readdir count runs the same way. --write replaces the section of
 * bench/README.md.
 */
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR } from './lib/build-c.mjs';
import { startHolder } from './lib/holder.mjs';
import { ROOT } from './lib/ours.mjs';
import { writeReadmeSection } from './lib/report.mjs';

const { values: opt } = parseArgs({
  options: {
    procs: { type: 'string', default: '10' },
    fds: { type: 'string', default: '10000' },
    shared: { type: 'string', default: '4000' },
    scans: { type: 'string', default: '10' },
    write: { type: 'boolean', default: false },
  },
});

const { fleetScan } = await import(join(ROOT, 'dist', 'index.js'));
const holder = await startHolder({
  procs: Number(opt.procs),
  fdsPerProc: Number(opt.fds),
  shared: Number(opt.shared),
  seed: 1,
});
try {
  const selection = { kind: 'pids', pids: holder.pids };
  const rows = [];
  const load = loadavg()[0];
  rows.push(
    await cost('readdir of /proc/PID/fd per process (an fd count)', async () => countFds(holder.pids)),
  );
  let ran = '';
  const row = await cost("fleetScan (the exporter's scan)", async () => {
    ran = (await fleetScan({ selection })).engine;
  });
  row.what += `, engine ${ran}`;
  rows.push(row);
  const markdown = render(rows, load);
  console.log(markdown);
  if (opt.write) writeReadmeSection(join(BENCH_DIR, 'README.md'), markdown);
} finally {
  await holder.stop();
}

/** CPU ms (user + system, this process and its threads) and wall ms of each of SCANS warm runs. */
async function cost(what, run) {
  for (let i = 0; i < 2; i++) await run();
  const cpu = [];
  const wall = [];
  for (let i = 0; i < Number(opt.scans); i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await run();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { what, cpu, wall };
}

function countFds(pids) {
  let n = 0;
  for (const pid of pids) n += readdirSync(`/proc/${pid}/fd`).length;
  return n;
}

function median(xs) {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

function render(rows, load) {
  const fds = Number(opt.procs) * Number(opt.fds);
  const out = [
    `## The exporter's cost per scan (${fds.toLocaleString('en-US')} fds)`,
    '',
    `\`node bench/fleet-cost.mjs --procs ${opt.procs} --fds ${opt.fds} --shared ${opt.shared}\` as root: ${opt.scans} warm scans each, in one process (as the exporter runs them), after two warm-up scans; Node ${process.version}; 1-minute load ${load.toFixed(2)} when it began. CPU is user + system time of the process and its threads.`,
    '',
    '| scan | CPU ms per scan (min / median / max) | wall ms (median) |',
    '|---|--:|--:|',
  ];
  for (const r of rows) {
    out.push(
      `| ${r.what} | ${Math.min(...r.cpu).toFixed(0)} / ${median(r.cpu).toFixed(0)} / ${Math.max(...r.cpu).toFixed(0)} | ${median(r.wall).toFixed(0)} |`,
    );
  }
  return `${out.join('\n')}\n`;
}
