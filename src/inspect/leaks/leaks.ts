/**
 * `kcmp leaks`: the fds scan of the selection (shared descriptions, with fdinfo flags for the access
 * mode and the close-on-exec bits), then the leak finder (leak-finder.ts) over it.
 */

import { assertOptionalBoolean } from '../../compare/validate.js';
import { KcmpError } from '../../errors.js';
import { nowMs } from '../../util/clock.js';
import { type FdsOptions, inspectFds } from '../fds/fds.js';
import type { FdsReport, ScanError } from '../fds/fds-report.js';
import { assertScanOptions } from '../selection.js';
import { type FinderOptions, findSystemLeaks } from './leak-finder.js';
import { LEAKS_SCHEMA, type LeaksReport } from './leaks-report.js';

/** The selection (never implied: `{ kind: 'all' }` scans every visible process), scan and finder options. */
export type LeaksOptions = Pick<FdsOptions, 'selection'> &
  Partial<Pick<FdsOptions, 'paranoid' | 'stop' | 'workers' | 'engine'> & FinderOptions>;

/** Nothing of the selection could be read: there is nothing to judge, and "no leak" would be a guess. */
function assertSomethingRead(fds: FdsReport): void {
  if (fds.stats.fds > 0 || fds.errors.length === 0) return;
  const first = fds.errors[0] as ScanError;
  const n = fds.stats.processes;
  throw new KcmpError(
    `leaks: could not read any fd of the ${n === 1 ? 'selected process' : `${n} selected processes`}, so nothing could be judged: ${first.message}`,
  );
}

/**
 * Scans the selection's fds and reports the leaks.
 *
 * @example
 * const { leaks } = await inspectLeaks({ selection: { kind: 'tree', root: 1234 } });
 * for (const l of leaks) console.log(`${l.ancestor.pid}:${l.ancestor.fd} → ${l.child.pid}:${l.child.fd} ${l.kind}`);
 * @throws KcmpError when not one fd of the selection could be read; InvalidArgumentError when the
 * selection holds no user-space process (kernel threads only).
 */
export async function inspectLeaks(options: LeaksOptions): Promise<LeaksReport> {
  assertScanOptions(options, 'inspectLeaks');
  assertOptionalBoolean(options.fork, 'fork option');
  const started = nowMs();
  const { fork = false, ...scan } = options;
  const fds = await inspectFds({ ...scan, all: false, fdinfo: true });
  assertSomethingRead(fds);
  const { leaks, forkShared, undecided } = findSystemLeaks(fds, { fork });
  const errors: ScanError[] = fds.errors;
  return {
    schema: LEAKS_SCHEMA,
    leaks,
    errors,
    undecided,
    stats: {
      processes: fds.stats.processes,
      shared: fds.stats.shared,
      leaks: leaks.length,
      forkShared,
      undecided: undecided.length,
      errors: errors.length,
      elapsedMs: Math.round(nowMs() - started),
    },
  };
}
