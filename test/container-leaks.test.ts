/**
 * `kcmp leaks --container PID | --containers` on containers built the way a runtime builds them —
 * `unshare --pid --mount --fork --mount-proc` — one with a host directory fd deliberately inherited (and,
 * as runc CVE-2024-21626's exploit ends, its cwd moved into it through /proc/self/fd), one clean. The
 * selection (--tree of the unshare process) bounds what is compared: never the whole machine.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { scanErrorLine, scanErrorLines } from '../src/cli/scan-error-line.js';
import { FDS_SCHEMA, type FdsReport, type ScanError } from '../src/inspect/fds/fds-report.js';
import { auditContainers, inspectContainerLeaks } from '../src/inspect/leaks/container-leaks.js';
import type { ContainerLeaksReport } from '../src/inspect/leaks/container-leaks-report.js';
import { runCli } from './helpers/cli.js';
import { waitFor } from './helpers/exporter.js';
import { stateOf } from './helpers/mid-scan.js';
import { NOBODY, nobodyWrapper } from './helpers/nobody.js';
import { assertValid } from './helpers/schema.js';
import { PID_NAMESPACE, unshareRefused } from './helpers/unshare.js';
import { waitComm, waitStat } from './helpers/wait.js';

interface Container {
  /** The shell that starts the "runtime" (unshare), leader of the process group the test kills at its end. */
  runtime: ChildProcess;
  /** The container's init as the host sees it. */
  init: number;
}

/** The first `sleep` below `pid`, breadth-first, or undefined. */
function sleepBelow(pid: number): number | undefined {
  const queue = [pid];
  for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
    let children: string;
    try {
      children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim();
    } catch {
      continue; // exited (an exec'ing shell, a finished command)
    }
    for (const child of children
      .split(' ')
      .filter((c) => c !== '')
      .map(Number)) {
      if (readFileSync(`/proc/${child}/comm`, 'utf8').trim() === 'sleep') return child;
      queue.push(child);
    }
  }
  return undefined;
}

/**
 * unshare (the "runtime") and its child, pid 1 of the new namespaces, once it runs `sleep`. By default
 * root's, as a root runtime's; `nobody`: a rootless one, started by a root shell that stays above it
 * (`--user --map-root-user`: nobody owns the container's namespaces, so nobody can read it).
 */
async function startContainer(
  t: { after(fn: () => unknown): void },
  script: string,
  options: { hostFd?: number; nobody?: boolean } = {},
): Promise<Container> {
  const stdio: ('ignore' | number)[] = ['ignore', 'ignore', 'ignore'];
  if (options.hostFd !== undefined) stdio.push(options.hostFd); // becomes fd 3 of unshare, and of the container
  // As a runtime does, close every fd it does not mean to pass (this test's own parent may leak some).
  const closeOthers =
    'for f in /proc/$$/fd/*; do n=$(basename "$f"); [ "$n" -gt 3 ] && eval "exec $n>&-"; done 2>/dev/null';
  const unshare = options.nobody
    ? `${NOBODY.join(' ')} unshare --user --map-root-user --pid --mount --fork --mount-proc sh -c "$0"; true`
    : 'exec unshare --pid --mount --fork --mount-proc sh -c "$0"';
  // A process group of its own, killed whole at the end: the container's init too, which would outlive
  // unshare (it is only reparented).
  const runtime = spawn('bash', ['-c', `${closeOthers}; ${unshare}`, script], { stdio, detached: true });
  let init: number | undefined;
  // Gone before the next test starts: a container init still dying would be one more process of a later
  // test's host scan (seen: an extra undecided row).
  t.after(async () => {
    process.kill(-(runtime.pid as number), 'SIGKILL');
    const running = (pid: number | undefined) => pid !== undefined && !['gone', 'Z'].includes(stateOf(pid));
    await waitFor('the container to be gone', async () =>
      running(runtime.pid) || running(init) ? undefined : true,
    );
  });
  init = await waitFor('the container to run sleep', async () => sleepBelow(runtime.pid as number));
  return { runtime, init };
}

/**
 * A container that inherited a host directory fd (its fd 3) and, as runc CVE-2024-21626's exploit ends,
 * moved its cwd into it through /proc/self/fd; `dir` is that directory.
 */
async function startLeakyContainer(t: {
  after(fn: () => unknown): void;
}): Promise<{ c: Container; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-host-dir-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const hostFd = openSync(dir, 'r');
  t.after(() => closeSync(hostFd));
  return { c: await startContainer(t, 'cd /proc/self/fd/3 && exec sleep 300', { hostFd }), dir };
}

const skip = unshareRefused([...PID_NAMESPACE, '--mount']);

test('leaks --container: a host directory fd inherited into a container, and a cwd moved into it', {
  skip: skip ?? false,
}, async (t) => {
  const { c, dir } = await startLeakyContainer(t);

  const r = runCli(['leaks', '--container', String(c.init), '--tree', String(c.runtime.pid), '-J']);
  assert.equal(r.code, 1, r.stderr);
  assertValid('kcmp.container-leaks/2', r.stdout);
  const report = JSON.parse(r.stdout) as ContainerLeaksReport;
  assert.deepEqual(
    report.containers.map((x) => x.processes),
    [[c.init]],
  );
  const directory = report.leaks.find((l) => l.kind === 'host-directory');
  assert.deepEqual(
    directory && {
      pid: directory.pid,
      fd: directory.fd,
      name: directory.name,
      outside: directory.outside?.pid,
    },
    { pid: c.init, fd: 3, name: dir, outside: c.runtime.pid },
  );
  const cwd = report.leaks.find((l) => l.kind === 'foreign-cwd');
  assert.equal(cwd?.pid, c.init, 'the cwd in the host directory is on a mount the container does not have');
  assert.equal(typeof cwd?.mountId, 'number');
  assert.equal(cwd?.name, dir, 'named where the host sees it');
  assert.equal(report.stats.found, 2, JSON.stringify(report.leaks));

  const table = runCli(['leaks', '--container', String(c.init), '--tree', String(c.runtime.pid)]);
  assert.equal(table.code, 1);
  assert.match(
    table.stdout,
    new RegExp(`^host-directory +${c.init} +${c.init}:3 +sleep +${c.runtime.pid}:3 +unshare +${dir}$`, 'm'),
  );
});

test('leaks --container and --containers: nothing in a clean container but the runtime stdio', {
  skip: skip ?? false,
}, async (t) => {
  const c = await startContainer(t, 'exec sleep 300');
  const r = runCli(['leaks', '--container', String(c.init), '--tree', String(c.runtime.pid), '-J']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as ContainerLeaksReport;
  assert.equal(report.stats.found, 0, JSON.stringify(report.leaks));
  assert.deepEqual([...new Set(report.leaks.map((l) => l.kind))], ['runtime-stdio']);
  const all = runCli(['leaks', '--containers', '--tree', String(c.runtime.pid), '-J']);
  assert.equal(all.code, 0, all.stderr);
  const everyContainer = JSON.parse(all.stdout) as ContainerLeaksReport;
  assert.deepEqual(
    everyContainer.containers.map((x) => x.pid),
    [c.init],
    'the unshare process itself (host pid namespace) is not a container',
  );
});

test('leaks --container: a process outside any container is refused in one line', async () => {
  const r = runCli(['leaks', '--container', String(process.pid)]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /^kcmp: process \d+ is not in a container: it shares kcmp's pid and mount namespaces[^\n]*\n$/,
  );
});

/** Why the CLI cannot be run as nobody here, or null. */
function noNobody(): string | null {
  const r = spawnSync(NOBODY[0], [...NOBODY.slice(1), 'true']);
  return r.status === 0 ? null : 'setpriv cannot switch to uid 65534 here';
}

test('as nobody, root\'s container is undecided (exit 2), never "0 findings in 0 containers"', {
  skip: skip ?? noNobody() ?? false,
}, async (t) => {
  const { c } = await startLeakyContainer(t);
  const tree = ['--tree', String(c.runtime.pid)];
  const asNobody = { wrapper: nobodyWrapper() };

  const all = runCli(['leaks', '--containers', ...tree, '-J'], asNobody);
  assert.equal(all.code, 2, `${all.stdout}\n${all.stderr}`);
  assertValid('kcmp.container-leaks/2', all.stdout);
  const report = JSON.parse(all.stdout) as ContainerLeaksReport;
  assert.deepEqual(report.containers, [], 'nobody can place no process of it');
  assert.deepEqual(
    report.undecided.map((u) => [u.pid, u.command, u.syscall, u.errno]),
    [[c.init, 'sleep', 'readlink', 'EACCES']],
    'the container init is undecided; the runtime, in the host PID namespace, is in no container',
  );
  assert.equal(report.stats.undecided, 1);
  const text = runCli(['leaks', '--containers', ...tree], asNobody);
  assert.equal(text.code, 2);
  assert.match(
    text.stderr,
    new RegExp(`^kcmp: undecided: process ${c.init} \\(sleep\\): readlink: EACCES: `, 'm'),
  );
  assert.match(text.stdout, /0 findings in 0 containers: .*, 1 process undecided,/);

  const one = runCli(['leaks', '--container', String(c.init), ...tree], asNobody);
  assert.equal(one.code, 2);
  assert.equal(one.stdout, '');
  assert.match(
    one.stderr,
    new RegExp(
      `^kcmp: cannot tell which container process ${c.init} is in: readlink /proc/${c.init}/ns/pid failed: EACCES \\(permission denied\\); [^\\n]*run as root[^\\n]*\\n$`,
    ),
    'not "does not exist": it exists, its namespaces are unreadable',
  );
  assert.equal(runCli(['leaks', '--containers', ...tree]).code, 1, 'root sees the host directory');
});

test("a rootless container below a root process nobody cannot read: undecided, its runtime's parent named", {
  skip: skip ?? noNobody() ?? false,
}, async (t) => {
  const c = await startContainer(t, 'exec sleep 300', { nobody: true });
  const tree = ['--tree', String(c.runtime.pid)];
  const r = runCli(['leaks', '--container', String(c.init), ...tree, '-J'], { wrapper: nobodyWrapper() });
  assert.equal(r.code, 2, r.stderr);
  const report = JSON.parse(r.stdout) as ContainerLeaksReport;
  assert.deepEqual(
    report.containers.map((x) => x.processes),
    [[c.init]],
    'nobody reads its own container',
  );
  const rows = report.undecided.map((u) => [u.pid, u.syscall, u.errno, u.descendants]);
  assert.deepEqual(
    rows.filter(([pid]) => pid === c.runtime.pid),
    [[c.runtime.pid, 'readdir', 'EACCES', [c.init]]],
    'the root shell above it could have passed it a host fd',
  );
  // Any other process of the machine at the container's namespace depth that nobody cannot read (another
  // test's container, say) may belong to it too: undecided, never taken for outside.
  for (const row of rows.filter(([pid]) => pid !== c.runtime.pid)) {
    assert.deepEqual(row.slice(1), ['readlink', 'EACCES', []], `another unreadable process: ${row}`);
    assert.notEqual(row[0], c.init);
  }
  const root = runCli(['leaks', '--container', String(c.init), ...tree]);
  assert.equal(root.code, 0, `root reads every process: nothing found: ${root.stderr}`);
});

test('an error row names the call, its errno and their meaning once, in our words: never Node text', async () => {
  // A process of the container that exits before it is read: a child of ours, reaped already.
  const child = spawn('true', { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  const gone = child.pid as number;
  const container = {
    pid: process.pid,
    pidNamespace: '',
    mountNamespace: '',
    cgroup: null,
    unit: null,
    processes: [gone],
  };
  const stats = { processes: 0, fds: 0, descriptions: 0, shared: 0, errors: 0, comparisons: 0 };
  const scan: FdsReport = {
    schema: FDS_SCHEMA,
    processes: [],
    descriptions: [],
    errors: [],
    stats: { ...stats, engine: 'kcmp', elapsedMs: 0 },
  };
  const { errors } = auditContainers(scan, [container]);
  assert.deepEqual(
    errors.map((e) => [e.pid, e.fd, e.syscall, e.errno]),
    [[gone, null, 'stat', 'ENOENT']],
  );
  const line = scanErrorLine(errors[0] as ScanError);
  assert.equal(
    line,
    `process ${gone}: stat failed: ENOENT (no such file or directory); it went away during the scan, skipping`,
  );
});

/**
 * A process of the test's that a scan as nobody can list but not read, holding `fds` fds besides stdio: uid
 * nobody, gid root. nobody may list /proc/PID/fd (the directory is owned by the task's euid, mode 0500:
 * generic_permission), but stat and readlink of /proc/PID/fd/N need ptrace read access
 * (proc_fd_access_allowed), which __ptrace_may_access grants a caller without CAP_SYS_PTRACE only when its
 * uid and gid match the target's real, effective and saved ones: gid 0 is not nobody's. (As root every
 * process can be read: this is how one host process stays unreadable to a real scan.)
 */
function startUnreadable(t: { after(fn: () => unknown): void }, fds: number): number {
  const open = `for i in $(seq 3 ${fds + 2}); do eval "exec $i</dev/null"; done; exec sleep 300`;
  const child = spawn(NOBODY[0], ['--reuid=65534', '--regid=0', '--clear-groups', 'bash', '-c', open], {
    stdio: 'ignore',
  });
  t.after(() => child.kill('SIGKILL'));
  const pid = child.pid as number;
  waitComm(pid, 'sleep');
  // exec names the task before it closes the close-on-exec fds: count them once sleep sleeps
  waitStat(pid, (s) => s?.state === 'S', 'slept');
  return pid;
}

test('leaks --container on the whole host, as nobody: a host process it cannot read is one line, its count and cause', {
  skip: skip ?? noNobody() ?? false,
}, async (t) => {
  const c = await startContainer(t, 'exec sleep 300', { nobody: true });
  const host = startUnreadable(t, 40);
  const fds = readdirSync(`/proc/${host}/fd`).length;
  const asNobody = { wrapper: nobodyWrapper() };

  const text = runCli(['leaks', '--container', String(c.init)], asNobody);
  const about = text.stderr.split('\n').filter((line) => new RegExp(`process ${host}\\b`).test(line));
  assert.deepEqual(about, [
    `kcmp: process ${host} (sleep): ${fds} fds could not be read: stat failed: EACCES (permission denied); ` +
      'run as the same user as the process (which must be dumpable) or with CAP_SYS_PTRACE, skipping',
  ]);
  const json = runCli(['leaks', '--container', String(c.init), '-J'], asNobody);
  assertValid('kcmp.container-leaks/2', json.stdout);
  const report = JSON.parse(json.stdout) as ContainerLeaksReport;
  assert.deepEqual(
    report.errors.filter((e) => e.pid === host).map((e) => [e.fd, e.syscall, e.errno, e.fds]),
    [[null, 'stat', 'EACCES', fds]],
  );
  assert.equal(report.stats.errors, report.errors.length);
});

/**
 * Two processes of the test's that end around a scan: `zombie`, already a zombie (killed, its parent a
 * `sleep` that never waits for it), and `exits`, the child of a shell that waits for it and so reaps it
 * as soon as {@link endMidScan} kills it. Each parent leads a process group the test kills at its end.
 */
async function startEnding(t: {
  after(fn: () => unknown): void;
}): Promise<{ zombie: number; exits: number }> {
  const child = async (script: string) => {
    const parent = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    t.after(() => {
      try {
        process.kill(-(parent.pid as number), 'SIGKILL');
      } catch {
        // ESRCH: the group has ended already (the shell that waits exits once its child is reaped)
      }
    });
    const [line] = (await parent.stdout.take(1).toArray()) as Buffer[];
    const pid = Number(String(line).trim());
    waitComm(pid, 'sleep');
    return { parent: parent.pid as number, pid };
  };
  const zombie = await child('sleep 300 & echo $!; exec sleep 300 >&-');
  // Once its parent is `sleep`, nothing reaps it (SIGCHLD's default action is to ignore it, not to reap).
  waitComm(zombie.parent, 'sleep');
  process.kill(zombie.pid, 'SIGKILL');
  waitStat(zombie.pid, (s) => s?.state === 'Z', 'became a zombie');
  return { zombie: zombie.pid, exits: (await child('sleep 300 & echo $!; wait')).pid };
}

/** An onEngine hook — called once the scan has listed its processes, before it reads any — that kills
 * `exits` and waits (synchronously: the scan waits too) until its parent has reaped it. */
function endMidScan(exits: number): () => void {
  return () => {
    process.kill(exits, 'SIGKILL');
    waitStat(exits, (s) => s === undefined, 'was reaped');
  };
}

test('leaks --container on the whole host: a host process that is a zombie or exits during the scan is no error; a named one is', {
  skip: skip ?? false,
}, async (t) => {
  const c = await startContainer(t, 'exec sleep 300');
  const host = await startEnding(t);
  const hostWide = await inspectContainerLeaks({
    container: c.init,
    selection: { kind: 'all' },
    onEngine: endMidScan(host.exits),
  });
  assert.deepEqual(
    hostWide.errors.filter((e) => e.pid === host.zombie || e.pid === host.exits),
    [],
    'not printed, not counted',
  );
  assert.equal(hostWide.stats.errors, hostWide.errors.length);
  assert.deepEqual(
    hostWide.undecided.filter((u) => u.pid === host.zombie || u.pid === host.exits),
    [],
    'gone, they hold nothing: not undecided',
  );

  const named = await startEnding(t);
  const asked = await inspectContainerLeaks({
    container: c.init,
    selection: { kind: 'pids', pids: [c.runtime.pid as number, named.zombie, named.exits] },
    onEngine: endMidScan(named.exits),
  });
  const rows = asked.errors.filter((e) => e.pid === named.zombie || e.pid === named.exits);
  assert.deepEqual(
    rows.map((e) => [e.pid, e.reason]).sort(),
    [
      [named.exits, 'replaced'],
      [named.zombie, 'zombie'],
    ].sort(),
    'the processes the user named are still reported',
  );
  assert.deepEqual(
    asked.undecided.filter((u) => u.pid === named.zombie || u.pid === named.exits),
    [],
    'gone, they hold nothing: not undecided',
  );
});

test('leaks --container: the outside holder named is the nearest, the runtime, not an unrelated process holding the same description', {
  skip: skip ?? false,
}, async (t) => {
  // The description the container leaks: /dev/null opened once by the test, passed to the runtime (and so
  // to the container) and to an unrelated sibling, started first so that it has the lower pid (the holder
  // a first-by-pid rule would name).
  const devNull = openSync('/dev/null', 'r');
  const unrelated = spawn('sleep', ['300'], { stdio: ['ignore', 'ignore', 'ignore', devNull] });
  t.after(() => unrelated.kill('SIGKILL'));
  waitComm(unrelated.pid as number, 'sleep');
  const c = await startContainer(t, 'exec sleep 300', { hostFd: devNull });
  closeSync(devNull);
  assert.equal(
    runCli(['same', `${unrelated.pid}:3`, `${c.init}:3`]).code,
    0,
    'the unrelated process holds the very description',
  );

  const selection = ['-p', String(unrelated.pid), '--tree', String(c.runtime.pid)];
  const r = runCli(['leaks', '--container', String(c.init), ...selection, '-J']);
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as ContainerLeaksReport;
  const leak = report.leaks.find((l) => l.pid === c.init && l.fd === 3);
  assert.deepEqual(leak && { kind: leak.kind, outside: leak.outside }, {
    kind: 'host-fd',
    outside: { pid: c.runtime.pid, fd: 3, command: 'unshare' },
  });
});

test('the rows about a process not asked about are one line: the one for the most fds, then how many more', () => {
  const row = (pid: number, fd: number | null, message: string, fds?: number) => ({
    pid,
    fd,
    syscall: 'stat',
    errno: 'EACCES' as const,
    message,
    ...(fds === undefined ? {} : { fds }),
  });
  const errors = [
    row(1, null, 'process 1: kcmp(KCMP_FILES) failed'),
    row(1, null, 'process 1 (init): 308 fds could not be read', 308),
    row(7, 3, 'fd 3 of process 7: stat failed'),
    row(7, 4, 'fd 4 of process 7: stat failed'),
    row(9, null, 'process 9 (foo): 2 fds could not be read', 2),
  ];
  assert.deepEqual(
    scanErrorLines(errors, (pid) => pid === 7),
    [
      'process 1 (init): 308 fds could not be read, skipping (and 1 more error about process 1; -J lists them)',
      'fd 3 of process 7: stat failed, skipping',
      'fd 4 of process 7: stat failed, skipping',
      'process 9 (foo): 2 fds could not be read, skipping',
    ],
  );
});
