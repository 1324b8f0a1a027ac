#!/usr/bin/env node
/**
 * Does the exporter's memory stay flat over many scans? Starts `kcmp exporter` on loopback (an ephemeral
 * port) against one `sleep` this script starts, scanning every 10 ms, and prints its RSS (VmRSS) each
 * time the scan count passes a checkpoint, plus the time a scrape takes. Run from the repository root
 * after `npm run build`:
 *
 *   node bench/exporter-memory.mjs [SCANS=2000]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { oursArgs } from './lib/ours.mjs';

const total = Number(process.argv[2] ?? 2000);
const sleeper = spawn('sleep', ['3600'], { stdio: 'ignore' });
const exporter = spawn(
  process.execPath,
  [...oursArgs(), 'exporter', '--listen', '127.0.0.1:0', '-p', String(sleeper.pid), '--interval', '0.01'],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
let stderr = '';
exporter.stderr.setEncoding('utf8').on('data', (d) => {
  stderr += d;
});
const stop = () => {
  exporter.kill('SIGTERM');
  sleeper.kill('SIGKILL');
};
process.on('exit', stop);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const listening = () => /127\.0\.0\.1:(\d+)\/metrics/.exec(stderr)?.[1];
while (!listening()) await sleep(20);
const port = listening();
const rss = () =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${exporter.pid}/status`, 'utf8'))[1]) / 1024;
const checkpoints = [100, ...Array.from({ length: 8 }, (_, i) => Math.round(((i + 1) * total) / 8))];
console.log(`load average at start: ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
console.log('| scans | RSS MiB | scrape ms |\n|--:|--:|--:|');
for (const checkpoint of checkpoints) {
  for (;;) {
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    const body = await res.text();
    const ms = performance.now() - started;
    const scans = Number(/^kcmp_scans_total (\d+)$/m.exec(body)?.[1] ?? 0);
    if (scans >= checkpoint) {
      console.log(`| ${scans} | ${rss().toFixed(1)} | ${ms.toFixed(1)} |`);
      break;
    }
    await sleep(50);
  }
}
stop();
