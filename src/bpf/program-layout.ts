/**
 * What the task_file program asks of the kernel's BTF — a dozen struct member offsets and sizes, one
 * struct's size and the iterator function's type id — recorded with the answers, so that the program can
 * be built again from the record alone (layout-cache.ts keeps it for the rest of the boot).
 *
 * The record holds the answers of every variant of the program (with and without names, either pids),
 * each question's answer or, where the BTF has none, the BtfError's message: replayed, it builds the
 * same programs and refuses the same ones, with the same words. Which questions are asked is the code's
 * business, not the record's: a record that lacks an answer (made by a kcmp that asked fewer) is not
 * used (`replay` says so, and the BTF is read again).
 */
import { BtfError, type BtfLayout, type Member } from './btf.js';
import { ITER_FUNC, taskFileProgram } from './task-file-program.js';

/** One answer: the numbers (an id; an offset and a size; a size), or why the BTF has none. */
export type Answer = number[] | string;
export type Answers = Record<string, Answer>;

/** Raised when a replayed record lacks an answer: the record is out of date, not the kernel wrong. */
class Unanswered extends Error {}

/** A BtfLayout that answers from `answers`, asking `source` (and keeping its answer) what they lack. */
class RecordedLayout implements BtfLayout {
  constructor(
    readonly answers: Map<string, Answer>,
    private readonly source?: BtfLayout,
  ) {}

  find(kind: 'struct' | 'func', name: string): number {
    return this.answer(`${kind} ${name}`, (s) => [s.find(kind, name)])[0] as number;
  }

  member(struct: string, name: string): Member {
    const [offset = 0, size = 0] = this.answer(`member ${struct} ${name}`, (s) => {
      const m = s.member(struct, name);
      return [m.offset, m.size];
    });
    return { offset, size };
  }

  structSize(struct: string): number {
    return this.answer(`size ${struct}`, (s) => [s.structSize(struct)])[0] as number;
  }

  private answer(question: string, ask: (source: BtfLayout) => number[]): number[] {
    let answer = this.answers.get(question);
    if (answer === undefined) {
      if (!this.source) throw new Unanswered(question);
      try {
        answer = ask(this.source);
      } catch (error) {
        if (!(error instanceof BtfError)) throw error;
        answer = error.message;
      }
      this.answers.set(question, answer);
    }
    if (typeof answer === 'string') throw new BtfError(answer);
    return answer;
  }
}

/**
 * Asks `btf` every question any variant of the program asks; returns a layout that answers them without
 * the BTF, and the answers, from which `replay` builds it again. A question the BTF cannot answer is
 * recorded with its error (the kernel is too old for that variant), not thrown.
 */
export function recordLayout(btf: BtfLayout): { layout: BtfLayout; answers: Answers } {
  const recorder = new RecordedLayout(new Map(), btf);
  for (const names of [true, false]) {
    for (const pids of ['initial', 'reader'] as const) {
      try {
        taskFileProgram(recorder, { names, pids });
      } catch (error) {
        if (!(error instanceof BtfError)) throw error;
      }
    }
  }
  try {
    recorder.find('func', ITER_FUNC);
  } catch (error) {
    if (!(error instanceof BtfError)) throw error;
  }
  return { layout: new RecordedLayout(recorder.answers), answers: Object.fromEntries(recorder.answers) };
}

/** The layout `answers` describe, or undefined when they do not answer every question (see the header). */
export function replay(answers: Answers): BtfLayout | undefined {
  const layout = new RecordedLayout(new Map(Object.entries(answers)));
  try {
    recordLayout(layout);
  } catch (error) {
    if (error instanceof Unanswered) return undefined;
    throw error;
  }
  return layout;
}
