/**
 * The probe child: `node probe-child.js NAME...` runs each named probe on ITSELF (probe-calls.ts) and
 * writes one JSON line per probe to stdout (synchronously, before starting the next), e.g.
 * {"name":"kcmp","value":0} or {"name":"kcmp","errno":"EPERM"}. It runs in a short-lived child because a
 * seccomp KILL policy ends the process on the first blocked call: the parent reads which line is missing.
 * Not part of the library API; started only by probe.ts. Its stdout is that protocol pipe to the parent,
 * not user output (which only src/cli writes).
 */
import '../util/sigusr1-guard.js'; // first: SIGUSR1 must not open an inspector (see there)
import { writeSync } from 'node:fs';
import { errnoName } from '../sys/errno.js';
import { runProbeCalls } from './probe-calls.js';

runProbeCalls(process.argv.slice(2), (name, r) => {
  const line = r < 0 ? { name, errno: errnoName(-r) } : { name, value: r };
  writeSync(1, `${JSON.stringify(line)}\n`);
});
