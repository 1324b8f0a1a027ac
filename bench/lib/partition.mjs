/**
 * The canonical text form of a partition of fds into open file descriptions, shared with bench/ofd-ref.c
 * (`--partition FILE`): one description per line, holders "PID:FD" sorted by (pid, fd), lines sorted by
 * their first holder. Two answers agree exactly when their texts are byte-equal.
 */

const byHolder = (a, b) => a.pid - b.pid || a.fd - b.fd;

/** From a kcmp.fds/2 report (run with --all, so every fd is in exactly one description). */
export function partitionOfReport(report) {
  const classes = report.descriptions.map((d) => [...d.holders].sort(byHolder));
  classes.sort((a, b) => byHolder(a[0], b[0]));
  return classes.map((holders) => `${holders.map((h) => `${h.pid}:${h.fd}`).join(' ')}\n`).join('');
}

/**
 * Explains how two canonical partitions differ: fds present in only one, and fds grouped differently.
 * Returns [] when they are equal.
 */
export function comparePartitions(nameA, textA, nameB, textB) {
  if (textA === textB) return [];
  const classOf = (text) => {
    const map = new Map();
    for (const line of text.split('\n').filter(Boolean)) for (const h of line.split(' ')) map.set(h, line);
    return map;
  };
  const a = classOf(textA);
  const b = classOf(textB);
  const problems = [];
  const onlyIn = (x, y, name) => {
    const missing = [...x.keys()].filter((h) => !y.has(h));
    if (missing.length)
      problems.push(`${missing.length} fds only in ${name}, e.g. ${missing.slice(0, 5).join(' ')}`);
  };
  onlyIn(a, b, nameA);
  onlyIn(b, a, nameB);
  let shown = 0;
  for (const [h, line] of a) {
    const other = b.get(h);
    if (other === undefined || other === line || shown >= 5) continue;
    shown++;
    problems.push(`${h}: ${nameA} groups it as [${line}], ${nameB} as [${other}]`);
  }
  return problems;
}
