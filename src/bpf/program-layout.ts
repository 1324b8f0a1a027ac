/**
 * What the task_file program asks of the kernel's BTF — a dozen struct member offsets and sizes, one
 * struct's size and the iterator function's type id — recorded with the answers, so that the program can
 * be built again from the record alone (layout-cache.ts keeps it for the rest of the boot).
 *
 * The record holds the answers of every variant of the program (with and without names, with and without
 * socket protocols, either pids),
 * each question's answer or, where the BTF has none, the BtfError's message: replayed, it builds the
 * same programs and refuses the same ones, with the same words. Which questions are asked is the code's
 * business, not the record's: a record that lacks an answer (made by a kcmp that asked fewer) is not
 * trusted for that answer: the BTF is read and recorded again (`replay`).
 */
import { BtfError, type BtfLayout, type Member } from './btf.js';
import { ITER_FUNC, taskFileProgram } from './task-file-program.js';

/** One answer: the numbers (an id; an offset and a size; a size), or why the BTF has none. */
export type Answer = number[] | string;
export type Answers = Record<string, Answer>;

/** How a layout finds the answer to `question`: recorded, or from `ask` (of the BTF, if it has one). */
type LookUp = (question: string, ask: (btf: BtfLayout) => number[]) => Answer;

/** A BtfLayout whose answers come from a LookUp; an answer that is an error's message throws it again. */
class RecordedLayout implements BtfLayout {
  constructor(private readonly lookUp: LookUp) {}

  find(kind: 'struct' | 'func', name: string): number {
    return this.answer(`${kind} ${name}`, (btf) => [btf.find(kind, name)])[0] as number;
  }

  member(struct: string, name: string): Member {
    const [offset = 0, size = 0] = this.answer(`member ${struct} ${name}`, (btf) => {
      const m = btf.member(struct, name);
      return [m.offset, m.size];
    });
    return { offset, size };
  }

  structSize(struct: string): number {
    return this.answer(`size ${struct}`, (btf) => [btf.structSize(struct)])[0] as number;
  }

  private answer(question: string, ask: (btf: BtfLayout) => number[]): number[] {
    const answer = this.lookUp(question, ask);
    if (typeof answer === 'string') throw new BtfError(answer);
    return answer;
  }
}

/** What a layout answers to a question no record holds (never asked when it was recorded: a bug). */
const unrecorded = (question: string) => `the BTF layout has no answer for ${question}`;

/**
 * Asks `btf` every question any variant of the program asks; returns a layout that answers them without
 * the BTF, and the answers, from which `replay` builds it again. A question the BTF cannot answer is
 * recorded with its error (the kernel is too old for that variant), not thrown.
 */
export function recordLayout(btf: BtfLayout): { layout: BtfLayout; answers: Answers } {
  const answers = new Map<string, Answer>();
  const recorder = new RecordedLayout((question, ask) => {
    let answer = answers.get(question);
    if (answer === undefined) {
      try {
        answer = ask(btf);
      } catch (error) {
        if (!(error instanceof BtfError)) throw error;
        answer = error.message;
      }
      answers.set(question, answer);
    }
    return answer;
  });
  for (const names of [true, false]) {
    for (const protocols of [true, false]) {
      for (const pids of ['initial', 'reader'] as const) {
        try {
          taskFileProgram(recorder, { names, protocols, pids });
        } catch (error) {
          if (!(error instanceof BtfError)) throw error;
        }
      }
    }
  }
  try {
    recorder.find('func', ITER_FUNC);
  } catch (error) {
    if (!(error instanceof BtfError)) throw error;
  }
  const layout = new RecordedLayout((question) => answers.get(question) ?? unrecorded(question));
  return { layout, answers: Object.fromEntries(answers) };
}

/**
 * The layout `answers` describe. At the first question they lack (a record made by a kcmp that asked
 * fewer), `refresh()` — which reads the BTF and records it again — gives the answers used from then on.
 */
export function replay(answers: Answers, refresh: () => Answers): BtfLayout {
  let known = new Map(Object.entries(answers));
  let refreshed = false;
  return new RecordedLayout((question) => {
    if (!known.has(question) && !refreshed) {
      refreshed = true;
      known = new Map(Object.entries(refresh()));
    }
    return known.get(question) ?? unrecorded(question);
  });
}
