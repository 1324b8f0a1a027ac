/**
 * The adversary of the grouping, on real processes (mkfds `dupchurn`): P re-points its fd 10 with dup2
 * between two opens D1 and D2 of one file, as fast as it can, while Q1 holds D1 and Q2 holds D2 at fds
 * that never change (and P holds D1 at fd 20, D2 at fd 21). Hundreds of scans with each engine: no claim
 * about two fds that never changed may be false — none of D1's holders reported with one of D2's, none of
 * one description's holders split in two certain descriptions. P's fd 10 may land anywhere, or be
 * unsettled.
 *
 * A run in which the churn never disturbed a grouping proves nothing: each engine scans until the churn
 * was caught (fds set apart as unsettled) a few times, and some runs must have settled, or the test fails.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspectFds } from '../src/index.js';
import { bpfBlocker } from '../src/inspect/fds/fd-engine.js';
import type { FdsReport } from '../src/inspect/fds/fds-report.js';
import { mkfds } from './fixture/mkfds.js';

/** Scans per engine; more, up to MAX_RUNS, until the churn was caught CAUGHT times. */
const RUNS = 200;
const MAX_RUNS = 3000;
const CAUGHT = 3;

/** Every pair of stable fds whose report contradicts the truth, as text. */
function falseClaims(report: FdsReport, truth: ReadonlyMap<string, string>): string[] {
  const where = new Map<string, { id: string; certain: boolean }>();
  for (const d of report.descriptions)
    for (const h of d.holders) where.set(`${h.pid}:${h.fd}`, { id: d.id, certain: d.certain });
  const stable = [...truth.keys()].filter((fd) => where.has(fd));
  const wrong: string[] = [];
  for (const a of stable) {
    for (const b of stable) {
      if (a >= b) continue;
      const [x, y] = [where.get(a), where.get(b)] as { id: string; certain: boolean }[] as [
        { id: string; certain: boolean },
        { id: string; certain: boolean },
      ];
      const same = truth.get(a) === truth.get(b);
      if (x.id === y.id && !same) wrong.push(`false "same": ${a} and ${b} in ${x.id}`);
      if (x.id !== y.id && same && x.certain && y.certain)
        wrong.push(`false "different": ${a} ${x.id}, ${b} ${y.id}`);
    }
  }
  return wrong;
}

for (const engine of ['kcmp', 'bpf'] as const) {
  test(`a target re-pointing an fd with dup2 never forges "same" or "different" (${engine} engine)`, async (t) => {
    const why = engine === 'bpf' ? bpfBlocker() : null;
    if (why) return t.skip(why);
    const f = await mkfds(t, 'dupchurn', ['2', '0']);
    if (!f) return;
    const { p, q1, q2 } = f.pids as Record<string, number>;
    const truth = new Map<string, string>([
      [`${p}:20`, 'D1'],
      [`${p}:21`, 'D2'],
      [`${q1}:10`, 'D1'],
      [`${q1}:11`, 'D1'],
      [`${q2}:10`, 'D2'],
      [`${q2}:11`, 'D2'],
    ]);
    let caught = 0;
    let settled = 0;
    let run = 0;
    for (; run < MAX_RUNS && (run < RUNS || caught < CAUGHT); run++) {
      const report = await inspectFds({ selection: { kind: 'pids', pids: [p, q1, q2] }, all: true, engine });
      assert.equal(report.stats.engine, engine);
      assert.deepEqual(falseClaims(report, truth), [], `run ${run}`);
      const listed = [...truth.keys()].filter((fd) =>
        report.descriptions.some((d) => d.holders.some((h) => `${h.pid}:${h.fd}` === fd)),
      );
      assert.equal(listed.length, truth.size, `run ${run}: every stable fd listed`);
      if (report.errors.some((e) => e.reason === 'unsettled')) caught++;
      else settled++;
    }
    t.diagnostic(`${engine}: ${caught} of ${run} runs caught the churn (fds set apart as unsettled)`);
    assert.ok(
      caught >= CAUGHT,
      `the churn was caught ${caught} times in ${run} runs: this proves too little`,
    );
    assert.ok(settled > 0, `no run settled in ${run}: the check never passes under churn`);
    await f.stop();
  });
}
