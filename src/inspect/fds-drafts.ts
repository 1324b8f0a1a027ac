/**
 * From buckets and grouping outcomes to draft descriptions: lists of slots with their certainty and
 * method, in the order of their first slot. Nothing here calls the kernel.
 *
 * Certainty: a bucket in which some fd could not be compared (kcmp refused: privilege, not supported)
 * keeps what kcmp did prove — holders found equal do share a description — but none of its descriptions
 * can be told apart from the uncompared fds, so all are `certain: false`; each uncompared fd is its own
 * description with method 'none' (never merged on a guess), and so is any single-fd description of that
 * bucket (nothing proved it alone).
 */
import type { Method } from '../compare/types.js';
import type { FdMethod } from './fd-comparator.js';
import { type Buckets, COMPARE, SINGLE } from './fds-buckets.js';
import { GONE_STAT, type Grouped, UNCOMPARED } from './fds-group.js';

export interface Draft {
  slots: number[];
  certain: boolean;
  method: Method;
}

export interface DraftProblems {
  /** An fd that went away while being compared or re-stat'ed. */
  gone(slot: number, syscall: string, errno: string): void;
  /** An fd that could not be compared: listed alone, uncertain. */
  uncompared(slot: number, syscall: string, errno: string): void;
}

/** The call whose failure leaves an fd uncompared, per method: borrowing it, or kcmp. */
const FAILING_CALL: Readonly<Record<FdMethod, string>> = {
  kcmp: 'kcmp',
  'borrowed-dupfd-query': 'pidfd_getfd',
  none: 'kcmp',
};

export function draftDescriptions(
  buckets: Buckets,
  grouped: Grouped,
  method: FdMethod,
  problems: DraftProblems,
): Draft[] {
  const drafts: Draft[] = [];
  let start = 0;
  for (let b = 0; b < buckets.ends.length; b++) {
    const end = buckets.ends[b] as number;
    const slots = Array.from(buckets.slots.subarray(start, end));
    const plan = buckets.plan[b];
    if (plan === SINGLE) drafts.push({ slots, certain: true, method: 'different-inode' });
    else if (plan === COMPARE) drafts.push(...compared(slots, grouped, method, problems));
    else drafts.push({ slots, certain: true, method: 'socket-inode' });
    start = end;
  }
  return drafts.sort((a, b) => (a.slots[0] as number) - (b.slots[0] as number));
}

function compared(
  slots: readonly number[],
  grouped: Grouped,
  method: FdMethod,
  problems: DraftProblems,
): Draft[] {
  const classes: number[][] = [];
  const alone: Draft[] = [];
  for (const slot of slots) {
    const k = grouped.klass[slot] as number;
    const why = grouped.why[slot];
    const errno = grouped.errno[slot] as string;
    if (k >= 0) {
      const members = classes[k];
      if (members) members.push(slot);
      else classes[k] = [slot];
    } else if (why === UNCOMPARED) {
      problems.uncompared(slot, FAILING_CALL[method], errno);
      alone.push({ slots: [slot], certain: false, method: 'none' });
    } else problems.gone(slot, why === GONE_STAT ? 'stat' : FAILING_CALL[method], errno);
  }
  const certain = alone.length === 0;
  const drafts: Draft[] = [];
  // forEach skips the holes left by classes whose every member was dropped
  classes.forEach((members) => {
    drafts.push({ slots: members, certain, method: certain || members.length > 1 ? method : 'none' });
  });
  return [...drafts, ...alone];
}
