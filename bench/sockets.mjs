#!/usr/bin/env node
/**
 * What naming sockets and finding peers cost `kcmp fds`, end to end (process start to exit, stdout to
 * /dev/null), on one fdholder workload (default 5 × 2,000 fds: pipes, AF_UNIX socketpairs, eventfds, dups):
 *
 *   node bench/sockets.mjs [--rounds 7] [--procs 5] [--fds 2000] [--baseline DIST/cli/main.js]
 *
 * Variants, interleaved round by round after one warm-up: no socket or peer column (-o PID,FD,TYPE,INODE:
 * reads no socket table and no fdinfo); the default columns (NAME names the sockets: sock_diag dumps);
 * -o +PEERS,EPOLL.WATCHERS (peers: fdinfo of the pipe descriptions, the socket tables, epoll items); and
 * --json with those columns (sockets and peers). --baseline runs the first two against another build too (e.g. main's), to
 * show that without socket columns nothing got slower. Prints a markdown table of min / median ms.
 */
import { spawnSync } from 'node:child_process';
import { openSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startHolder } from './lib/holder.mjs';
import { OURS, oursArgs } from './lib/ours.mjs';

const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    procs: { type: 'string', default: '5' },
    fds: { type: 'string', default: '2000' },
    baseline: { type: 'string' },
  },
});

function time(main, args) {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...oursArgs(main), 'fds', ...args], {
    stdio: ['ignore', devNull, 'pipe'],
  });
  if (r.status !== 0) throw new Error(`kcmp fds ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const devNull = openSync('/dev/null', 'w');
const ours = OURS;
const holder = await startHolder({
  procs: Number(opt.procs),
  fdsPerProc: Number(opt.fds),
  shared: 400,
  seed: 1,
});
try {
  const pids = ['-p', holder.pids.join(','), '--all'];
  const variants = [
    ['no socket or peer column: `-o PID,FD,TYPE,INODE`', ours, [...pids, '-o', 'PID,FD,TYPE,INODE']],
    ['default columns (NAME names sockets)', ours, pids],
    ['`-o +PEERS,EPOLL.WATCHERS`', ours, [...pids, '-o', '+PEERS,EPOLL.WATCHERS']],
    [
      '`--json -o +PEERS,EPOLL.WATCHERS` (sockets and peers)',
      ours,
      [...pids, '--json', '-o', '+PEERS,EPOLL.WATCHERS'],
    ],
  ];
  if (opt.baseline) {
    variants.push(['baseline: `-o PID,FD,TYPE,INODE`', opt.baseline, [...pids, '-o', 'PID,FD,TYPE,INODE']]);
    variants.push(['baseline: default columns', opt.baseline, pids]);
  }
  for (const [, main, args] of variants) time(main, args); // warm-up
  const times = variants.map(() => []);
  for (let round = 0; round < Number(opt.rounds); round++) {
    for (const [i, [, main, args]] of variants.entries()) times[i].push(time(main, args));
  }
  const fds = Number(opt.procs) * Number(opt.fds);
  console.log(`${fds} fds in ${opt.procs} processes, ${opt.rounds} interleaved rounds\n`);
  console.log('| command | ms min | ms median |\n|---|--:|--:|');
  variants.forEach(([label], i) => {
    const sorted = times[i].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.log(`| ${label} | ${sorted[0].toFixed(0)} | ${median.toFixed(0)} |`);
  });
} finally {
  await holder.stop();
}
