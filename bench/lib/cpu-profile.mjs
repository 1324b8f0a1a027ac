/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function, largest first, so the
 * benchmark can say where `kcmp fds` spends its time.
 */
import { readFileSync } from 'node:fs';

/** Returns [{ name, where, ms, share }] for the top `limit` functions by self time; idle time is left out. */
export function topSelfTime(path, limit = 12) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const nodeById = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byFunction = new Map();
  let total = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = nodeById.get(id).callFrame;
    const where = url
      ? `${url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1}`
      : '';
    if (functionName === '(idle)') continue;
    const key = `${functionName || '(anonymous)'}\t${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    total += us;
  }
  return [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([key, us]) => {
      const [name, where] = key.split('\t');
      return { name, where, ms: us / 1000, share: us / total };
    });
}
