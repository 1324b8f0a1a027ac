/**
 * `kcmp leaks`: the fds scan of the selection (shared descriptions, with fdinfo flags for the access
 * mode), then the leak finder (leak-finder.ts) over it.
 */

import { type FdsOptions, inspectFds } from '../fds/fds.js';
import type { ScanError } from '../fds/fds-report.js';
import { findLeaks, procfsProbe } from './leak-finder.js';
import { LEAKS_SCHEMA, type LeaksReport } from './leaks-report.js';

/** The selection (never implied: `{ kind: 'all' }` scans every visible process) and scan options. */
export type LeaksOptions = Pick<FdsOptions, 'selection'> &
  Partial<Pick<FdsOptions, 'paranoid' | 'stop' | 'workers' | 'method'>>;

/**
 * Scans the selection's fds and reports the leaks.
 *
 * @example
 * const { leaks } = await inspectLeaks({ selection: { kind: 'tree', root: 1234 } });
 * for (const l of leaks) console.log(`${l.ancestor.pid}:${l.ancestor.fd} → ${l.child.pid}:${l.child.fd} ${l.kind}`);
 */
export async function inspectLeaks(options: LeaksOptions): Promise<LeaksReport> {
  const started = performance.now();
  const fds = await inspectFds({ ...options, all: false, fdinfo: true });
  const leaks = findLeaks(fds, procfsProbe());
  const errors: ScanError[] = fds.errors;
  return {
    schema: LEAKS_SCHEMA,
    leaks,
    errors,
    stats: {
      processes: fds.stats.processes,
      shared: fds.stats.shared,
      leaks: leaks.length,
      errors: errors.length,
      elapsedMs: Math.round(performance.now() - started),
    },
  };
}
