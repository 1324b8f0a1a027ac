/**
 * A /proc of another PID namespace than the caller's. kcmp(2) reads pids in the caller's namespace, /proc
 * shows those of the namespace it was mounted in: after `unshare --pid --fork` without --mount-proc the
 * two disagree, and pid 2 of /proc is another process than pid 2 for kcmp (in the nested namespace, the
 * kcmp process is pid 1 and its own threads are 2, 3, …). Every command and library entry point must
 * refuse — one line naming the cause and the remedy, exit 2 — rather than answer about the wrong
 * processes. The scenario is built exactly: a namespace A with its own /proc holding two independent
 * `sleep 60 </dev/null`, and kcmp started in a namespace nested in A without a /proc of its own.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI } from './helpers/cli.js';
import { unshareRefused } from './helpers/unshare.js';

const DIST_INDEX = join(CLI, '..', '..', 'index.js');

/** Each library entry point that reads /proc pids, called on the two sleeps: the error's name. */
const LIBRARY = `
const m = await import(process.env.DIST_INDEX);
const [a, b] = [Number(process.env.A), Number(process.env.B)];
const calls = {
  inspectFds: () => m.inspectFds({ selection: { kind: 'pids', pids: [a, b] }, all: true }),
  inspectTasks: () => m.inspectTasks({ selection: { kind: 'pids', pids: [a, b] } }),
  inspectLeaks: () => m.inspectLeaks({ selection: { kind: 'pids', pids: [a, b] } }),
  inspectEpoll: () => m.inspectEpoll({ pid: a, epfd: 0 }),
  sameFile: () => m.sameFile({ pid: a, fd: 0 }, { pid: b, fd: 0 }),
  sameTaskResource: () => m.sameTaskResource(a, b, 'files'),
};
const out = {};
for (const [name, call] of Object.entries(calls)) {
  try { out[name] = { returned: await call() }; } catch (e) { out[name] = { threw: e.name, message: e.message }; }
}
console.log(JSON.stringify(out));
`;

interface Run {
  rc: number;
  out: string;
  err: string;
}

/**
 * In namespace A (own /proc): two sleeps, then each command in a namespace nested in A (no /proc of its
 * own), `doctor --json` in A itself, and the library calls nested too.
 */
function runScenario(dir: string): { pids: number[]; runs: Record<string, Run> } {
  const script = `
sleep 60 </dev/null & a=$!
sleep 60 </dev/null & b=$!
echo "$a $b" > "$OUT/pids"
run() { name=$1; shift; unshare --pid --fork "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"; echo $? >"$OUT/$name.rc"; }
run raw "$NODE" "$CLI" raw "$a" "$b" files
run same "$NODE" "$CLI" same "$a:0" "$b:0"
run fds "$NODE" "$CLI" fds -p "$a,$b" --all -J
run tasks "$NODE" "$CLI" tasks -p "$a,$b"
run epoll "$NODE" "$CLI" epoll "$a" 0
run leaks "$NODE" "$CLI" leaks -p "$a,$b"
run containers "$NODE" "$CLI" leaks --container "$a"
run metrics "$NODE" "$CLI" metrics -p "$a,$b"
run exporter "$NODE" "$CLI" exporter -p "$a,$b" --listen 127.0.0.1:0
run doctorNested "$NODE" "$CLI" doctor --json
A=$a B=$b run library "$NODE" --input-type=module -e "$LIBRARY"
"$NODE" "$CLI" doctor --json >"$OUT/doctorOwnProc.out" 2>"$OUT/doctorOwnProc.err"; echo $? >"$OUT/doctorOwnProc.rc"
kill "$a" "$b"
`;
  const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', script], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, OUT: dir, NODE: process.execPath, CLI, DIST_INDEX, LIBRARY },
  });
  assert.equal(r.status, 0, r.stderr);
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  const runs: Record<string, Run> = {};
  for (const name of [
    'raw',
    'same',
    'fds',
    'tasks',
    'epoll',
    'leaks',
    'containers',
    'metrics',
    'exporter',
    'doctorNested',
    'library',
    'doctorOwnProc',
  ]) {
    runs[name] = { rc: Number(read(`${name}.rc`)), out: read(`${name}.out`), err: read(`${name}.err`) };
  }
  return { pids: read('pids').trim().split(' ').map(Number), runs };
}

let scenario: ReturnType<typeof runScenario> | undefined;

/** The scenario's results, run once for both tests. */
function scenarioRuns(): ReturnType<typeof runScenario> {
  if (!scenario) {
    const dir = mkdtempSync(join(tmpdir(), 'kcmp-pidns-'));
    try {
      scenario = runScenario(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return scenario;
}

test('a /proc of an outer PID namespace: every command and library call refuses, naming cause and remedy', (t) => {
  const refused = unshareRefused();
  if (refused) return t.skip(refused);
  const { pids, runs } = scenarioRuns();
  assert.deepEqual(pids, [2, 3], 'the two sleeps are pids 2 and 3 of namespace A, as in the report');

  for (const name of ['raw', 'same', 'fds', 'tasks', 'epoll', 'leaks', 'containers', 'metrics', 'exporter']) {
    const run = runs[name] as Run;
    assert.equal(run.rc, 2, `${name}: exit ${run.rc}, stdout ${run.out}`);
    assert.equal(run.out, '', `${name}: nothing on stdout`);
    assert.match(run.err, /^kcmp: [^\n]*PID namespace[^\n]*--mount-proc[^\n]*\n$/, `${name}: ${run.err}`);
  }

  const nested = JSON.parse((runs.doctorNested as Run).out);
  assert.equal((runs.doctorNested as Run).rc, 0, 'doctor reports, it does not refuse');
  assert.equal(nested.pidNamespace.initial, false);
  assert.match(nested.pidNamespace.procMismatch, /another PID namespace|outer PID namespace/);
  assert.ok(nested.limits.some((l: { remedy: string }) => l.remedy.includes('--mount-proc')));

  const library = JSON.parse((runs.library as Run).out) as Record<string, { threw?: string }>;
  for (const [call, result] of Object.entries(library)) {
    assert.equal(result.threw, 'ProcNamespaceError', `${call}: ${JSON.stringify(result)}`);
  }
  assert.equal(Object.keys(library).length, 6);
});

test('doctor in a PID namespace with its own /proc: nested (not "initial"), and /proc shows our pids', (t) => {
  const refused = unshareRefused();
  if (refused) return t.skip(refused);
  const own = scenarioRuns().runs.doctorOwnProc as Run;
  assert.equal(own.rc, 0, own.err);
  const d = JSON.parse(own.out);
  assert.deepEqual(d.nspid.length, 1, 'NSpid has one entry here, as in the initial namespace');
  assert.deepEqual(d.pidNamespace, { initial: false, procMismatch: null });
  const host = spawnSync(process.execPath, [CLI, 'doctor'], { encoding: 'utf8' });
  const inside = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, CLI, 'doctor'], {
    encoding: 'utf8',
  });
  assert.match(inside.stdout, /^pid namespace +nested$/m, inside.stdout);
  assert.match(host.stdout, /^pid namespace +initial$/m, 'this test runs in the initial PID namespace');
});
