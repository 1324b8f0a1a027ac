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

import type { FdMethod } from '../../compare/fd-comparator.js';
import { type Buckets, COMPARE, PATH_ALONE, SINGLE, SOCKET } from './fds-buckets.js';
import { GONE_STAT, type Grouped, UNCOMPARED, UNSETTLED } from './fds-group.js';
import type { FdsMethod } from './fds-report.js';

export interface Draft {
  slots: number[];
  certain: boolean;
  method: FdsMethod;
}

export interface DraftProblems {
  /** An fd that went away while being compared or re-stat'ed. */
  gone(slot: number, syscall: string, errno: string): void;
  /** An fd that could not be compared: listed alone, uncertain. */
  uncompared(slot: number, syscall: string, errno: string): void;
  /** An fd whose bucket kept changing while it was grouped: listed alone, uncertain. */
  unsettled(slot: number): void;
}

/** The call whose failure leaves an fd uncompared, per method: borrowing it, or kcmp. */
const FAILING_CALL: Readonly<Record<FdMethod, string>> = {
  kcmp: 'kcmp',
  'borrowed-dupfd-query': 'pidfd_getfd',
  none: 'kcmp',
};

/** How a bucket that needs no comparison was decided, by its plan. */
const PLAN_METHOD: Readonly<Record<number, FdsMethod>> = {
  [SINGLE]: 'different-inode',
  [SOCKET]: 'socket-inode',
  [PATH_ALONE]: 'o-path',
};

export function draftDescriptions(
  buckets: Buckets,
  grouped: Grouped,
  method: FdMethod,
  problems: DraftProblems,
): Draft[] {
  // Each slot is in one draft at most, so a draft's first slot is its place in the output: drafts are
  // filed under it and read back in slot order (no sort; 27,000 drafts at 50,000 fds).
  let size = 0;
  for (const slot of buckets.slots) size = Math.max(size, slot + 1);
  const byFirst = new Array<Draft | undefined>(size);
  const file = (draft: Draft) => {
    byFirst[draft.slots[0] as number] = draft;
  };
  let start = 0;
  for (let b = 0; b < buckets.ends.length; b++) {
    const end = buckets.ends[b] as number;
    const plan = buckets.plan[b];
    if (plan === COMPARE) compared(buckets.slots.subarray(start, end), grouped, method, problems, file);
    else {
      const slots = Array.from(buckets.slots.subarray(start, end));
      file({ slots, certain: true, method: PLAN_METHOD[plan as number] as FdsMethod });
    }
    start = end;
  }
  const drafts: Draft[] = [];
  for (const draft of byFirst) if (draft) drafts.push(draft);
  return drafts;
}

function compared(
  slots: Int32Array,
  grouped: Grouped,
  method: FdMethod,
  problems: DraftProblems,
  file: (draft: Draft) => void,
): void {
  const classes: number[][] = [];
  let classless = 0;
  let alone = 0;
  for (const slot of slots) {
    const k = grouped.klass[slot] as number;
    if (k >= 0) {
      const members = classes[k];
      if (members) members.push(slot);
      else classes[k] = [slot];
    } else {
      classless++;
      if (grouped.why[slot] === UNCOMPARED || grouped.why[slot] === UNSETTLED) alone++;
    }
  }
  const certain = alone === 0;
  // forEach skips the holes left by classes whose every member was dropped
  classes.forEach((members) => {
    file({ slots: members, certain, method: certain || members.length > 1 ? method : 'none' });
  });
  if (classless === 0) return;
  for (const slot of slots) {
    if ((grouped.klass[slot] as number) >= 0) continue;
    const errno = grouped.errno[slot] as string;
    const why = grouped.why[slot];
    if (why === UNCOMPARED || why === UNSETTLED) {
      if (why === UNSETTLED) problems.unsettled(slot);
      else problems.uncompared(slot, FAILING_CALL[method], errno);
      file({ slots: [slot], certain: false, method: 'none' });
    } else problems.gone(slot, why === GONE_STAT ? 'stat' : FAILING_CALL[method], errno);
  }
}
