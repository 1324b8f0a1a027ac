/**
 * The bpf engine run by a kcmp inside a private PID namespace (`unshare --pid --fork --mount-proc`), as in
 * a container: the kernel's task->tgid is the initial namespace's pid, which the namespace's /proc never
 * shows, so a program recording it matched no fd of any process and reported each "0 fds", exit 0. Here the
 * records carry the namespace's pids (task-file-program.ts), the answer equals the kcmp engine's, auto
 * (which takes bpf from 3,000 fds) finds the leak the fixture makes, and a table the pass did not see is an
 * error row (missedTables), never an empty table.
 *
 * Everything runs inside the namespace the test creates, on processes started there. Needs root (unshare,
 * BPF) and the kernel's BTF; skipped, saying why, otherwise.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import type { DoctorReport } from '../src/cli/doctor.js';
import { bpfBlocker } from '../src/inspect/fds/fd-engine.js';
import type { FdsReport } from '../src/inspect/fds/fds-report.js';
import type { LeaksReport } from '../src/inspect/leaks/leaks-report.js';
import { mkfdsBinary } from './fixture/mkfds.js';
import { CLI } from './helpers/cli.js';
import { partition } from './helpers/fds.js';
import { PID_NAMESPACE, unshareRefused } from './helpers/unshare.js';

const DIST = dirname(dirname(CLI));
/** Dups of one pipe write end the fixture and its exec'd child both hold: 2 × 1,601 fds, past auto's 3,000. */
const DUPS = 1600;

/** Why this cannot run here, or undefined. */
function refused(): string | undefined {
  return unshareRefused() ?? bpfBlocker() ?? undefined;
}

interface Run {
  rc: number;
  out: string;
  err: string;
}

/** Runs `script` as pid 1 of a new PID namespace with its own /proc; `name.out/.err/.rc` files it writes
 * under $OUT are returned by name, with every other file it writes there. */
function inPidNamespace(script: string, env: Record<string, string>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-bpf-pidns-'));
  try {
    const r = spawnSync('unshare', [...PID_NAMESPACE, 'sh', '-c', script], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, ...env, OUT: dir, NODE: process.execPath, CLI, DIST },
    });
    assert.equal(r.status, 0, `the namespace's script: ${r.stderr}`);
    const files: Record<string, string> = {};
    for (const name of spawnSync('ls', [dir], { encoding: 'utf8' }).stdout.split('\n')) {
      if (name !== '' && name !== 'in') files[name] = readFileSync(join(dir, name), 'utf8');
    }
    return files;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(files: Record<string, string>, name: string): Run {
  return {
    rc: Number(files[`${name}.rc`]),
    out: files[`${name}.out`] ?? '',
    err: files[`${name}.err`] ?? '',
  };
}

/** `run NAME CMD…` in the namespace's script: CMD's stdout, stderr and exit code into $OUT/NAME.*. */
const RUN = 'run() { name=$1; shift; "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"; echo $? >"$OUT/$name.rc"; }';

test('bpf engine in a private PID namespace: its pids, the kcmp engine answer, and the leak auto finds', (t) => {
  const why = refused();
  if (why) return t.skip(why);
  const files = inPidNamespace(
    `${RUN}
mkfifo "$OUT/in"
"$MKFDS" leakmany ${DUPS} <"$OUT/in" >"$OUT/fixture" 2>"$OUT/fixture.err" &
fixture=$!
exec 3>"$OUT/in"
while [ ! -s "$OUT/fixture" ] && kill -0 "$fixture" 2>/dev/null; do sleep 0.05; done
main=$("$NODE" -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).pids.main' "$OUT/fixture")
run bpf "$NODE" "$CLI" fds --tree "$main" --all -J --engine bpf
run kcmp "$NODE" "$CLI" fds --tree "$main" --all -J --engine kcmp
run auto "$NODE" "$CLI" fds --tree "$main" -J
run leaks "$NODE" "$CLI" leaks --tree "$main" -J
run doctor "$NODE" "$CLI" doctor -J
exec 3>&-
wait "$fixture"
`,
    { MKFDS: mkfdsBinary() },
  );
  assert.ok(files.fixture, `the fixture did not start: ${files['fixture.err']}`);
  const fixture = JSON.parse(files.fixture) as { pids: { main: number; child: number } };
  const { main, child } = fixture.pids;
  assert.ok(main < 10 && child < 10, `pids of the new namespace, not the host's: ${main}, ${child}`);

  const [bpf, kcmp] = ['bpf', 'kcmp'].map((name) => {
    const r = run(files, name);
    assert.equal(r.rc, 0, `fds --engine ${name}: ${r.err}`);
    return JSON.parse(r.out) as FdsReport;
  }) as [FdsReport, FdsReport];
  assert.equal(bpf.stats.engine, 'bpf');
  assert.equal(kcmp.stats.engine, 'kcmp');
  assert.deepEqual(bpf.errors, []);
  assert.deepEqual(
    bpf.processes.map((p) => p.pid),
    [main, child],
  );
  assert.ok(kcmp.stats.fds > 2 * DUPS, `${kcmp.stats.fds} fds`);
  assert.equal(bpf.stats.fds, kcmp.stats.fds, 'every fd the kcmp engine reads, the BPF pass sees');
  assert.deepEqual(partition(bpf), partition(kcmp), 'one partition into descriptions');

  const auto = run(files, 'auto');
  assert.equal(auto.rc, 0, auto.err);
  assert.equal((JSON.parse(auto.out) as FdsReport).stats.engine, 'bpf', 'auto takes bpf from 3,000 fds');

  const leaks = run(files, 'leaks');
  assert.equal(leaks.rc, 1, `leaks: exit ${leaks.rc}: ${leaks.err}`);
  const report = JSON.parse(leaks.out) as LeaksReport;
  assert.equal(report.stats.leaks, DUPS + 2, 'the write end, its dups and the read end, kept across exec');
  assert.ok(report.leaks.every((l) => l.child.pid === child && l.ancestor.pid === main));

  const doctor = run(files, 'doctor');
  assert.equal(doctor.rc, 0, doctor.err);
  const engine = (JSON.parse(doctor.out) as DoctorReport).fdsEngine;
  assert.equal(engine.large, 'bpf', engine.reason);
  assert.match(engine.reason, /as this PID namespace numbers them/);
});

test("a BPF pass recording the initial namespace's pids misses a namespace's process, and the miss is said", (t) => {
  const why = refused();
  if (why) return t.skip(why);
  // The library below the CLI, in the namespace: one table read with each program.
  const library = `
const { TaskFileIterator } = await import(process.env.DIST + '/bpf/task-file-iter.js');
const { readRowsBpf } = await import(process.env.DIST + '/inspect/fds/fd-rows-bpf.js');
const { missedTables } = await import(process.env.DIST + '/inspect/fds/fd-rows.js');
const pid = Number(process.env.PID);
const table = { pid, tid: pid, sharedBy: [], compared: true };
const out = {};
for (const pids of ['initial', 'reader']) {
  const iter = TaskFileIterator.load(undefined, { pids });
  try {
    const rows = readRowsBpf(iter, [table]);
    out[pids] = { rows: rows.fd.length, missed: missedTables(rows).map((m) => m.fds ?? m.errno) };
  } finally {
    iter.close();
  }
}
console.log(JSON.stringify(out));
`;
  const files = inPidNamespace(
    `${RUN}
sleep 60 </dev/null 3</dev/null 4</dev/null & pid=$!
# Counted once sleep sleeps: the forked shell opens the redirections before it execs (seen: 4
# fds), and exec names the task "sleep" before it closes the shell's close-on-exec fds
# (begin_new_exec: __set_task_comm, then do_close_on_exec; seen: 6 fds, then 5). Nothing in
# between waits interruptibly, so state S with that name is sleep in clock_nanosleep.
i=0; while [ "$(cut -d' ' -f2,3 /proc/$pid/stat)" != "(sleep) S" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done
ls "/proc/$pid/fd" | wc -l >"$OUT/fds"
PID=$pid run library "$NODE" --input-type=module -e "$LIBRARY"
kill "$pid"
`,
    { LIBRARY: library },
  );
  const r = run(files, 'library');
  assert.equal(r.rc, 0, r.err);
  const fds = Number(files.fds);
  assert.ok(fds >= 5, `${fds} fds`);
  assert.deepEqual(JSON.parse(r.out), {
    initial: { rows: 0, missed: [fds] },
    reader: { rows: fds, missed: [] },
  });
});
