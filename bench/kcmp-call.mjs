#!/usr/bin/env node
/**
 * Per-call cost of kcmp(KCMP_FILE) through our binding — the typed `kcmp()` (validation, names, Order)
 * and the raw `sysKcmp()` (koffi's fixed-arity syscall, negated errno) — against the same loop in C
 * (bench/kcmp-call.c), in one run, interleaved, median of ROUNDS rounds after a warm-up round.
 *
 *   npm run build && node bench/kcmp-call.mjs [--rounds 7] [--calls 300000]
 *
 * "own": two separate opens of /dev/null in the measuring process (answer 1 or 2). "cross": the
 * measuring process against a child that inherited the fd (answer 0). Prints a markdown table.
 */
import { execFileSync, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { parseArgs } from 'node:util';
import { kcmp } from '../dist/compare/kcmp.js';
import { sysKcmp } from '../dist/sys/kcmp.js';
import { buildC } from './lib/build-c.mjs';

const { values: opt } = parseArgs({
  options: { rounds: { type: 'string', default: '7' }, calls: { type: 'string', default: '300000' } },
});
const ROUNDS = Number(opt.rounds);
const N = Number(opt.calls);
const self = process.pid;
const a = openSync('/dev/null', 'r');
const b = openSync('/dev/null', 'r');
// The child's fd 3 is our `a` (same description), like the C program's fork.
const child = spawn('sleep', ['3600'], { stdio: ['ignore', 'ignore', 'ignore', a] });
child.unref();
process.on('exit', () => child.kill('SIGKILL'));
const C = buildC('kcmp-call');

/** Runs `call` N times; ns per call. The answer is checked once outside the timed loop. */
function timeLoop(call) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) call();
  return Number(process.hrtime.bigint() - t0) / N;
}

const PATHS = {
  'C syscall()': { own: () => Number(execFileSync(C, ['own', String(N)], { encoding: 'utf8' })) },
  'JS kcmp() (typed)': { own: () => timeLoop(() => kcmp(self, self, 'file', a, b)) },
  'JS sysKcmp() (raw)': { own: () => timeLoop(() => sysKcmp(self, self, 0, a, b)) },
};
PATHS['C syscall()'].cross = () => Number(execFileSync(C, ['cross', String(N)], { encoding: 'utf8' }));
PATHS['JS kcmp() (typed)'].cross = () => timeLoop(() => kcmp(self, child.pid, 'file', a, 3));
PATHS['JS sysKcmp() (raw)'].cross = () => timeLoop(() => sysKcmp(self, child.pid, 0, a, 3));

if (kcmp(self, child.pid, 'file', a, 3) !== 'equal' || kcmp(self, self, 'file', a, b) === 'equal') {
  throw new Error('the benchmark fds are not what they should be');
}

const samples = new Map();
for (let round = -1; round < ROUNDS; round++) {
  const entries = Object.entries(PATHS);
  // Rotate the order every round, so no path always runs first (or right after the C process).
  const order = entries.map((_, i) => entries[(i + Math.max(round, 0)) % entries.length]);
  for (const [name, modes] of order) {
    for (const [mode, run] of Object.entries(modes)) {
      const ns = run();
      if (round >= 0) samples.set(`${name}|${mode}`, [...(samples.get(`${name}|${mode}`) ?? []), ns]);
    }
  }
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const stat = (name, mode) => {
  const xs = samples.get(`${name}|${mode}`);
  return { min: Math.min(...xs), median: median(xs) };
};
const lines = [
  `${cpus()[0]?.model ?? '?'}, ${cpus().length} CPUs; Linux ${release()}; Node ${process.version}; ` +
    `load average ${loadavg()[0].toFixed(2)}. ${N.toLocaleString('en-US')} calls per sample, ` +
    `${ROUNDS} interleaved rounds after 1 warm-up; ns per call.`,
  '',
  '| path | own process: min | median | vs C | self ↔ child: min | median | vs C |',
  '|---|--:|--:|--:|--:|--:|--:|',
];
for (const name of Object.keys(PATHS)) {
  const cells = ['own', 'cross'].flatMap((mode) => {
    const s = stat(name, mode);
    const c = stat('C syscall()', mode);
    return [s.min.toFixed(0), s.median.toFixed(0), `${(s.median / c.median).toFixed(2)}×`];
  });
  lines.push(`| ${name} | ${cells.join(' | ')} |`);
}
process.stdout.write(`${lines.join('\n')}\n`);
child.kill('SIGKILL');
