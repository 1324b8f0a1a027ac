/**
 * What a shell may offer for an option's value or an operand, beyond what commander's definitions say by
 * themselves (an option's `.choices()`): fixed words (`--engine`: auto, bpf, …), a comma-separated list
 * of words (`-o`: column names; `+COLS` appends), or the pids in /proc when completing. Recorded on the
 * Option or Argument where it is defined, so the completion scripts (completion-script.ts) offer what
 * the parser accepts; the parser keeps its own checks and messages.
 */
import type { Argument, Option } from 'commander';

export interface CompletionValues {
  /** The words offered, or 'pids': the pids in /proc at the time of completing. */
  words: readonly string[] | 'pids';
  /** A comma-separated list of them (the word after the last ',' or a leading '+' is completed). */
  list?: boolean;
}

/** One pid. */
export const PID: CompletionValues = { words: 'pids' };
/** Pids separated by commas (`-p 1,2`). */
export const PID_LIST: CompletionValues = { words: 'pids', list: true };

const RECORDED = new WeakMap<Option | Argument, CompletionValues>();

/** Records what completes `target`'s value; returns `target`, for `.addOption(completes(new Option(…), …))`. */
export function completes<T extends Option | Argument>(target: T, values: CompletionValues): T {
  RECORDED.set(target, values);
  return target;
}

/** What completes this option's value or this operand: as recorded, else its choices, else nothing. */
export function completionValues(target: Option | Argument): CompletionValues | undefined {
  return RECORDED.get(target) ?? (target.argChoices ? { words: target.argChoices } : undefined);
}
