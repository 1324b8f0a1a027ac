/**
 * One scan for the metrics exporter: the fds scan of the selection (every description, with fdinfo), the
 * leak finder and the container audit over it, reduced to counts by label — never a pid, tid, fd, inode,
 * path or description id, which would make one time series per process or file:
 *
 *   inspectFds(all, fdinfo) ─┬▶ fds, descriptions, shared descriptions   by group × type
 *                            ├▶ findSystemLeaks                           by group × kind × case
 *                            ├▶ auditContainers (containers.ts)           by container × kind
 *                            └▶ error rows                                by syscall × errno
 *
 * A process's group is its systemd unit (from /proc/PID/cgroup), its cgroup path, or its comm; a
 * description counts once in each group that holds it. An fd of a table several processes share
 * (CLONE_FILES) counts once, in the group of the process it is counted under (table-entries.ts). Groups
 * and containers are capped (label-cap.ts).
 * A process that exits during the scan is an error row (ESRCH/ENOENT, or `identity` when its pid was
 * reused), never a failed scan.
 */
import { assertOneOf, describe } from '../../compare/validate.js';
import { InvalidArgumentError } from '../../errors.js';
import { readCgroupPath, unitOf } from '../../procfs/cgroup.js';
import type { Selection } from '../../procfs/select.js';
import { nowMs } from '../../util/clock.js';
import type { EngineName } from '../fds/fd-engine.js';
import { inspectFds } from '../fds/fds.js';
import type { FdsReport } from '../fds/fds-report.js';
import { isTableEntry } from '../fds/table-entries.js';
import { auditContainers } from '../leaks/container-leaks.js';
import { containers } from '../leaks/containers.js';
import { findSystemLeaks } from '../leaks/leak-finder.js';
import { assertScanOptions } from '../selection.js';
import { capLabel, DEFAULT_MAX_LABEL_VALUES, LIMIT_MAX_LABEL_VALUES } from './label-cap.js';

/** What a process's group label is named after, in the order `--group-by` lists them. */
export const GROUP_BY = ['unit', 'cgroup', 'comm'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/** What {@link fleetScan} scans and how it names groups. */
export interface FleetScanOptions {
  /** Which processes: never implied; `{ kind: 'all' }` scans every visible process. */
  selection: Selection;
  /** What a process's group label is: its systemd unit (default), its cgroup path, or its command. */
  groupBy: GroupBy;
  /** At most this many values per label (default 50, at most 1000): the groups and containers with the
   * most fds keep their names, the rest are counted as `other`. */
  maxLabelValues: number;
}

/** One count of one label set. */
export interface Count<L extends string> {
  labels: Record<L, string>;
  value: number;
}

/** One scan reduced to counts by label, as the metrics exporter exposes them. */
export interface FleetSample {
  /** Wall-clock end of the scan, ms since the epoch. */
  completedAt: number;
  /** How long the scan took, in seconds. */
  durationSeconds: number;
  /** Processes scanned. */
  processes: number;
  /** kcmp calls made. */
  comparisons: number;
  /** The identity engine the scan ran (kcmp, bpf, borrow, none), as the report's `stats.engine`. */
  engine: EngineName;
  /** Fds, by group and description type. */
  fds: Count<'group' | 'type'>[];
  /** Open file descriptions, by group and type (once in each group that holds one). */
  descriptions: Count<'group' | 'type'>[];
  /** Descriptions held by more than one fd, by group and type. */
  shared: Count<'group' | 'type'>[];
  /** Leaks (kcmp.leaks/2), by group, kind and case (exec, fork, unknown). */
  leaks: Count<'group' | 'kind' | 'case'>[];
  /** Containers found. */
  containers: number;
  /** Container findings (kcmp.container-leaks/2), by container and kind. */
  containerFiles: Count<'container' | 'kind'>[];
  /** Error rows, by failed call and errno. */
  errors: Count<'syscall' | 'errno'>[];
  /** Distinct raw values folded into "other", per label. */
  folded: Count<'label'>[];
}

class Counter<L extends string> {
  readonly #counts = new Map<string, Count<L>>();
  add(labels: Record<L, string>, by = 1): void {
    const key = JSON.stringify(labels);
    const count = this.#counts.get(key) ?? { labels, value: 0 };
    count.value += by;
    this.#counts.set(key, count);
  }
  get counts(): Count<L>[] {
    return [...this.#counts.values()];
  }
}

function groupNamer(report: FdsReport, groupBy: GroupBy): (pid: number) => string {
  const raw = new Map<number, string>();
  for (const p of report.processes) {
    const cgroup = groupBy === 'comm' ? null : readCgroupPath(p.pid);
    const unit = groupBy === 'unit' && cgroup !== null ? unitOf(cgroup) : null;
    raw.set(p.pid, groupBy === 'comm' ? p.command : (unit ?? cgroup ?? 'unknown'));
  }
  return (pid) => raw.get(pid) ?? 'unknown';
}

/**
 * Scans once and counts: the fds scan of the selection (every description, with fdinfo), the leak finder
 * and the container audit, reduced to counts by label. Throws what inspectFds throws for a bad named pid.
 *
 * @example
 * const sample = await fleetScan({ selection: { kind: 'tree', root: process.pid }, groupBy: 'comm' });
 * for (const c of sample.shared) console.log(c.labels.group, c.labels.type, c.value);
 */
export async function fleetScan(
  partial: Partial<FleetScanOptions> & Pick<FleetScanOptions, 'selection'>,
): Promise<FleetSample> {
  assertScanOptions(partial, 'fleetScan');
  if (partial.groupBy !== undefined) assertOneOf(partial.groupBy, GROUP_BY, 'groupBy');
  const max: unknown = partial.maxLabelValues;
  if (
    max !== undefined &&
    !(Number.isInteger(max) && (max as number) >= 1 && (max as number) <= LIMIT_MAX_LABEL_VALUES)
  ) {
    throw new InvalidArgumentError(
      `invalid maxLabelValues ${describe(max)}: an integer from 1 to ${LIMIT_MAX_LABEL_VALUES}`,
    );
  }
  const options = {
    selection: partial.selection,
    groupBy: partial.groupBy ?? 'unit',
    maxLabelValues: partial.maxLabelValues ?? DEFAULT_MAX_LABEL_VALUES,
  };
  const started = nowMs();
  // fdinfo of shared descriptions only: the leak finder compares their holders' flags and close-on-exec
  // bits; the container audit reads what it needs itself. Read for every fd, it was most of a scan's CPU.
  const report = await inspectFds({ selection: options.selection, all: true, fdinfo: 'shared' });
  const rawGroup = groupNamer(report, options.groupBy);
  const entries = report.descriptions.map((d) => ({ type: d.type, holders: d.holders.filter(isTableEntry) }));
  const weights = new Map<string, number>();
  for (const d of entries) {
    for (const h of d.holders) weights.set(rawGroup(h.pid), (weights.get(rawGroup(h.pid)) ?? 0) + 1);
  }
  const groups = capLabel(weights, options.maxLabelValues);
  const group = (pid: number) => groups.valueOf(rawGroup(pid));

  const fds = new Counter<'group' | 'type'>();
  const descriptions = new Counter<'group' | 'type'>();
  const shared = new Counter<'group' | 'type'>();
  for (const d of entries) {
    const holding = new Set(d.holders.map((h) => group(h.pid)));
    for (const h of d.holders) fds.add({ group: group(h.pid), type: d.type });
    for (const g of holding) {
      descriptions.add({ group: g, type: d.type });
      if (d.holders.length > 1) shared.add({ group: g, type: d.type });
    }
  }
  const leaks = new Counter<'group' | 'kind' | 'case'>();
  for (const l of findSystemLeaks(report).leaks) {
    leaks.add({ group: group(l.child.pid), kind: l.kind, case: l.case });
  }

  const search = containers(report.processes.map((p) => p.pid));
  const audited = search.containers;
  const audit = auditContainers(report, audited);
  const containerWeights = new Map(audited.map((c) => [c.unit ?? c.cgroup ?? 'unknown', c.processes.length]));
  const containerNames = capLabel(containerWeights, options.maxLabelValues);
  const nameOf = new Map(
    audited.map((c) => [c.pid, containerNames.valueOf(c.unit ?? c.cgroup ?? 'unknown')]),
  );
  const containerFiles = new Counter<'container' | 'kind'>();
  for (const l of audit.leaks)
    containerFiles.add({ container: nameOf.get(l.container) ?? 'unknown', kind: l.kind });

  const errors = new Counter<'syscall' | 'errno'>();
  // An error row without a failed call (a zombie, a bucket that kept changing) is labelled by its reason.
  for (const e of [...report.errors, ...audit.errors])
    errors.add({
      syscall: e.syscall ?? 'none',
      errno: e.errno ?? ('reason' in e ? (e.reason ?? 'none') : 'none'),
    });
  // A process that may be in a container but could not be placed is an error, never "no container".
  for (const u of search.unreadable) errors.add({ syscall: 'readlink', errno: u.errno });

  return {
    completedAt: Date.now(),
    durationSeconds: Math.round((nowMs() - started) * 1000) / 1e6,
    processes: report.stats.processes,
    comparisons: report.stats.comparisons,
    engine: report.stats.engine,
    fds: fds.counts,
    descriptions: descriptions.counts,
    shared: shared.counts,
    leaks: leaks.counts,
    containers: audited.length,
    containerFiles: containerFiles.counts,
    errors: errors.counts,
    folded: [
      { labels: { label: 'group' }, value: groups.folded },
      { labels: { label: 'container' }, value: containerNames.folded },
    ],
  };
}
