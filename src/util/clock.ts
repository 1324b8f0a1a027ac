/**
 * Milliseconds on a monotonic clock, for how long a scan took. Not `performance.now()`: the global's first
 * use loads perf_hooks and ten internal modules with it (~1 ms of a small command's start-up), none of
 * which a scan needs otherwise.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
