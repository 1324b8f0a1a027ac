/**
 * A bound on the distinct values of one metric label. Monitoring systems keep one time series per label
 * set, and some label values here are chosen by whoever starts a process (its comm, its cgroup's name):
 * unbounded, they would let any user grow the monitoring system's memory. So a label takes at most `max`
 * values: when there are more, the `max - 1` heaviest (most fds; ties by name, so the choice is stable
 * from scan to scan) keep their names and the rest are folded into "other" — and how many were folded is
 * reported, not hidden.
 * A value is also cut to MAX_VALUE_LENGTH characters.
 */

export const OTHER = 'other';
/** The default bound (`--max-label-values`), and the largest accepted. */
export const DEFAULT_MAX_LABEL_VALUES = 50;
export const LIMIT_MAX_LABEL_VALUES = 1000;
const MAX_VALUE_LENGTH = 128;

export interface CappedLabel {
  /** The label value to use for a raw value. */
  valueOf(raw: string): string;
  /** Distinct raw values folded into "other". */
  folded: number;
}

/** Caps the values in `weights` (raw value → weight) to `max` distinct label values. */
export function capLabel(weights: ReadonlyMap<string, number>, max: number): CappedLabel {
  const ranked = [...weights].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const keep = ranked.length <= max ? ranked.length : max - 1;
  const kept = new Set(ranked.slice(0, keep).map(([v]) => v));
  return {
    valueOf: (raw) => (kept.has(raw) ? raw.slice(0, MAX_VALUE_LENGTH) : OTHER),
    folded: ranked.length - keep,
  };
}
