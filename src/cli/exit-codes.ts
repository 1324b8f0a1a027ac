/** Exit codes, as cmp(1) and the util-linux ls* tools use them. */
export const EXIT = {
  /** Success; for `same`: the two fds share one open file description. */
  OK: 0,
  /** `same`: different descriptions. */
  DIFFERENT: 1,
  /** `leaks`: leaks found (and every selected process could be judged); `leaks --container`: something
   * was found. */
  FOUND: 1,
  /** Bad input, an error, or undecided (`same`; `leaks` with a process it could not read or compare). */
  TROUBLE: 2,
} as const;
