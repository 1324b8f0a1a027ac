/**
 * What the exporter says about its metrics agrees with docs/exporter.md: every metric it serves is in the
 * documentation's table with the same labels, and the cases `kcmp_leaked_fds` counts are the ones both
 * name. Built from a sample written here (no scan): the registry is what a scrape renders.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FleetSample } from '../src/inspect/fleet/fleet-scan.js';
import { type ExporterState, registryOf } from '../src/serve/metrics.js';
import { ROOT } from './helpers/schema.js';

const STATE: ExporterState = {
  capabilities: Object.fromEntries(
    ['kcmp', 'kcmpEpollTfd', 'kcmpSysvsem', 'dupfdQuery', 'pidfdOpen', 'pidfdGetfd'].map((k) => [
      k,
      { outcome: 'usable', errno: null, detail: 'works' },
    ]),
  ) as unknown as ExporterState['capabilities'],
  engine: 'kcmp',
  version: '0.0.0',
  scans: 1,
  comparisons: 0,
  failures: new Map(),
};

function sample(errors: FleetSample['errors'] = []): FleetSample {
  return {
    completedAt: Date.now(),
    durationSeconds: 0.1,
    processes: 1,
    comparisons: 0,
    fds: [],
    descriptions: [],
    shared: [],
    leaks: [],
    containers: 0,
    containerFiles: [],
    errors,
    folded: [],
  };
}

async function exposition(s: FleetSample): Promise<string> {
  return registryOf(s, STATE, 'prometheus').metrics();
}

/** The rows of the metric table in docs/exporter.md: each metric name of the first cell → its labels. */
function documentedMetrics(): Map<string, { labels: string[]; what: string }> {
  const doc = readFileSync(join(ROOT, 'docs', 'exporter.md'), 'utf8');
  const rows = new Map<string, { labels: string[]; what: string }>();
  for (const line of doc.split('\n')) {
    // Cells split at a '|' that is not inside backticks (`kcmp completion bash\|zsh`).
    const cells = line
      .slice(1)
      .split(/\|(?=(?:[^`]*`[^`]*`)*[^`]*$)/)
      .map((c) => c.trim());
    if (!line.startsWith('| `') || cells.length < 4) continue;
    const labels = (cells[2] ?? '')
      .split(',')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    for (const [, name] of (cells[0] ?? '').matchAll(/`(\w+)`/g)) {
      rows.set(name as string, { labels, what: cells.slice(3).join(' | ') });
    }
  }
  return rows;
}

test('docs/exporter.md lists every metric the exporter serves, with its labels', async () => {
  const body = await exposition(sample());
  const documented = documentedMetrics();
  const served = [...body.matchAll(/^# HELP (\w+) /gm)].map((m) => m[1] as string);
  assert.ok(served.length > 15, `only ${served.length} metrics served`);
  for (const name of served) {
    const row = documented.get(name);
    assert.ok(row, `${name} is not in docs/exporter.md's table`);
    const labelsInBody = new Set<string>();
    for (const [, labels] of body.matchAll(new RegExp(`^${name}\\{([^}]*)\\}`, 'gm'))) {
      for (const [, label] of (labels as string).matchAll(/(\w+)="/g)) labelsInBody.add(label as string);
    }
    for (const label of labelsInBody)
      assert.ok(row.labels.includes(label), `${name}: label ${label} undocumented`);
  }
});

test('kcmp_leaked_fds: its help and docs/exporter.md name the same cases, and neither counts fork sharing', async () => {
  const body = await exposition(sample());
  const help = /^# HELP kcmp_leaked_fds (.*)$/m.exec(body)?.[1] ?? '';
  const row = documentedMetrics().get('kcmp_leaked_fds');
  assert.ok(row);
  const CASES = ['exec', 'fork', 'unknown'];
  const inHelp = CASES.filter((c) => new RegExp(`\\b${c}:`).test(help));
  const inDocs = CASES.filter((c) => row.what.includes(`\`${c}\` (`));
  assert.deepEqual(inDocs, inHelp, `help: ${help}\ndocs: ${row.what}`);
  assert.deepEqual(inHelp, ['exec', 'unknown']);
  assert.match(help, /fork without exec is not a leak and not counted/);
  assert.match(row.what, /fork without exec is not a leak and not counted/);
});
