/**
 * Counting fds once. Processes cloned with CLONE_FILES hold one fd table (the kernel's files_struct, which
 * KCMP_FILES compares): an fd of it is one slot holding one reference to its description, whichever of
 * them opened it, and a close in either closes it for both. A report lists such an fd under every process holding it, as lsfd does (describe.ts): once as
 * an entry, then under each other sharer marked `fdTable`. Counts — stats, HOLDERS, pictures, metrics —
 * count the entries; a holder with `fdTable` is the same entry seen from another process.
 *
 *   table {19777, 19778}, fds 5 and 6 (a dup)   holders 19777:5  19777:6  19778:5 (fdTable 19777)  19778:6 (…)
 *                                               entries 19777:5  19777:6                   →  2 fds, not 4
 */
import type { Description, Holder } from './fds-report.js';

/** Is this holder an fd table entry of its own, not another sharer's entry listed again (`fdTable`)? */
export function isTableEntry(holder: Holder): boolean {
  return holder.fdTable === undefined;
}

/** How many fds hold the description, each table entry once. */
export function fdCount(d: Description): number {
  let n = 0;
  for (const h of d.holders) if (isTableEntry(h)) n++;
  return n;
}
