/**
 * `kcmp leaks --container PID | --containers` on containers built the way a runtime builds them —
 * `unshare --pid --mount --fork --mount-proc` — one with a host directory fd deliberately inherited (and,
 * as runc CVE-2024-21626's exploit ends, its cwd moved into it through /proc/self/fd), one clean. The
 * selection (--tree of the unshare process) bounds what is compared: never the whole machine.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { scanErrorLine } from '../src/cli/scan-error-line.js';
import { FDS_SCHEMA, type FdsReport, type ScanError } from '../src/inspect/fds/fds-report.js';
import { auditContainers } from '../src/inspect/leaks/container-leaks.js';
import type { ContainerLeaksReport } from '../src/inspect/leaks/container-leaks-report.js';
import { runCli } from './helpers/cli.js';
import { waitFor } from './helpers/exporter.js';
import { assertValid } from './helpers/schema.js';

function cannotUnshare(): string | null {
  if (process.getuid?.() !== 0) return 'needs root: unshare --pid --mount needs CAP_SYS_ADMIN';
  const r = spawnSync('unshare', ['--pid', '--mount', '--fork', '--mount-proc', 'true'], {
    encoding: 'utf8',
  });
  return r.status === 0 ? null : `unshare --pid --mount --fork --mount-proc fails here: ${r.stderr.trim()}`;
}

interface Container {
  runtime: ChildProcess;
  /** The container's init as the host sees it. */
  init: number;
}

/** unshare (the "runtime") and its child, pid 1 of the new namespaces, once it runs `sleep`. */
async function startContainer(
  t: { after(fn: () => unknown): void },
  script: string,
  hostFd?: number,
): Promise<Container> {
  const stdio: ('ignore' | number)[] = ['ignore', 'ignore', 'ignore'];
  if (hostFd !== undefined) stdio.push(hostFd); // becomes fd 3 of unshare, and of the container
  // As a runtime does, close every fd it does not mean to pass (this test's own parent may leak some).
  const closeOthers =
    'for f in /proc/$$/fd/*; do n=$(basename "$f"); [ "$n" -gt 3 ] && eval "exec $n>&-"; done 2>/dev/null';
  const unshare = 'exec unshare --pid --mount --fork --mount-proc sh -c "$0"';
  const runtime = spawn('bash', ['-c', `${closeOthers}; ${unshare}`, script], { stdio });
  t.after(() => runtime.kill('SIGKILL'));
  const init = await waitFor('the container to run sleep', async () => {
    const children = readFileSync(`/proc/${runtime.pid}/task/${runtime.pid}/children`, 'utf8').trim();
    const pid = Number(children.split(' ')[0]);
    if (!pid) return undefined;
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep' ? pid : undefined;
  });
  return { runtime, init };
}

const skip = cannotUnshare();

test('leaks --container: a host directory fd inherited into a container, and a cwd moved into it', {
  skip: skip ?? false,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-host-dir-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const hostFd = openSync(dir, 'r');
  t.after(() => closeSync(hostFd));
  const c = await startContainer(t, 'cd /proc/self/fd/3 && exec sleep 300', hostFd);

  const r = runCli(['leaks', '--container', String(c.init), '--tree', String(c.runtime.pid), '-J']);
  assert.equal(r.code, 1, r.stderr);
  assertValid('kcmp.container-leaks/1', r.stdout);
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
