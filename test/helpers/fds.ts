/**
 * Helpers for the `kcmp fds` tests: run the CLI for JSON, turn a report into a partition of "pid:fd"
 * strings, and compute the same partition independently — pidfd_getfd every fd into this process and
 * compare with F_DUPFD_QUERY (kcmp-spec.md §6.4), no kcmp involved.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { type FdsScanOptions, inspectFds } from '../../src/inspect/fds/fds.js';
import type { FdsReport } from '../../src/inspect/fds/fds-report.js';
import { sysClose, sysDupfdQuery } from '../../src/sys/fcntl.js';
import { sysPidfdGetfd, sysPidfdOpen } from '../../src/sys/pidfd.js';
import { runCli } from './cli.js';

/**
 * `kcmp fds ARGS --json`, which must succeed. Its stderr must be empty, except under a `wrapper` (a seccomp
 * filter, another user), where the run may explain in `kcmp:` lines why it cannot use kcmp.
 */
export function fdsJson(args: string[], options: { wrapper?: string[] } = {}): FdsReport {
  const r = runCli(['fds', ...args, '--json'], options);
  assert.equal(r.code, 0, `kcmp fds ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  if (options.wrapper) assert.match(r.stderr, /^(kcmp: [^\n]+\n)*$/);
  else assert.equal(r.stderr, '');
  return JSON.parse(r.stdout) as FdsReport;
}

/**
 * A scan of `pids` run here, every description listed, with the kcmp engine and no worker threads, so
 * that `hooks` run on this thread between the scan's stages — where a test makes a race happen at a
 * point it chooses (onEngine: once the processes are selected; onProgress: as fds are read and grouped).
 */
export function scanHere(
  pids: readonly number[],
  hooks: Pick<FdsScanOptions, 'onEngine' | 'onProgress'>,
): Promise<FdsReport> {
  return inspectFds({ selection: { kind: 'pids', pids }, all: true, engine: 'kcmp', workers: 0, ...hooks });
}

/** The descriptions as sorted lists of "pid:fd", sorted. */
export function partition(report: FdsReport): string[][] {
  return canonical(report.descriptions.map((d) => d.holders.map((h) => `${h.pid}:${h.fd}`)));
}

export function canonical(classes: string[][]): string[][] {
  const sorted = classes.map((c) => [...c].sort());
  return sorted.sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1));
}

/** Which description holds each "pid:fd". */
export function descriptionOf(report: FdsReport): Map<string, string> {
  const map = new Map<string, string>();
  for (const d of report.descriptions) for (const h of d.holders) map.set(`${h.pid}:${h.fd}`, d.id);
  return map;
}

/**
 * The partition by pidfd_getfd + F_DUPFD_QUERY: each fd is borrowed into this process and placed by a
 * linear scan over the classes found so far. The processes must hold still meanwhile.
 */
export function oracle(pids: readonly number[]): string[][] {
  const classes: { local: number; members: string[] }[] = [];
  const borrowed: number[] = [];
  try {
    for (const pid of pids) {
      const pidfd = sysPidfdOpen(pid);
      assert.ok(pidfd >= 0, `pidfd_open(${pid}): ${-pidfd}`);
      borrowed.push(pidfd);
      for (const name of readdirSync(`/proc/${pid}/fd`)) {
        const local = sysPidfdGetfd(pidfd, Number(name));
        assert.ok(local >= 0, `pidfd_getfd(${pid}, ${name}): ${-local}`);
        borrowed.push(local);
        const klass = classes.find((c) => {
          const same = sysDupfdQuery(local, c.local);
          assert.ok(same >= 0, `F_DUPFD_QUERY: ${-same}`);
          return same === 1;
        });
        if (klass) klass.members.push(`${pid}:${name}`);
        else classes.push({ local, members: [`${pid}:${name}`] });
      }
    }
  } finally {
    for (const fd of borrowed) sysClose(fd);
  }
  return canonical(classes.map((c) => c.members));
}

/** Only the classes of more than one fd (what `kcmp fds` lists without --all). */
export function shared(classes: string[][]): string[][] {
  return classes.filter((c) => c.length > 1);
}

/**
 * Checks a report against the true partition (the oracle's): no description holds fds of two true
 * descriptions (no false "same"); a `certain` one is a true description exactly (no false "different");
 * every fd of `truth` is listed exactly once. Uncertain descriptions may split a true one, never merge two.
 */
export function assertSound(report: FdsReport, truth: readonly string[][], what: string): void {
  const classOf = new Map<string, number>();
  truth.forEach((members, i) => {
    for (const m of members) classOf.set(m, i);
  });
  const seen = new Set<string>();
  for (const d of report.descriptions) {
    const fds = d.holders.map((h) => `${h.pid}:${h.fd}`);
    for (const fd of fds) {
      assert.ok(classOf.has(fd), `${what}: ${fd} (${d.id}) is not an fd of the selection`);
      assert.ok(!seen.has(fd), `${what}: ${fd} listed twice`);
      seen.add(fd);
    }
    const classes = new Set(fds.map((fd) => classOf.get(fd)));
    assert.equal(classes.size, 1, `${what}: FALSE "same": ${d.id} ${d.name} merges ${fds.join(' ')}`);
    if (d.certain) {
      const whole = truth[[...classes][0] as number] as string[];
      assert.equal(
        fds.length,
        whole.length,
        `${what}: ${d.id} ${d.name} is certain but lacks fds of ${whole}`,
      );
    }
  }
  assert.equal(seen.size, classOf.size, `${what}: ${classOf.size - seen.size} fds missing from the report`);
}

/**
 * A `kcmp fds --tree MAIN --all` report of the mkfds `churn` tree: no churn fd (≥ `top`, each held by one
 * fd at any moment) in a shared description; at most one certain description per stable fd number N < top
 * (all are main's fd N, inherited); only errors of things that went away or kept changing.
 */
export function assertChurnSound(report: FdsReport, top: number, what: string): void {
  for (const d of report.descriptions) {
    if (d.holders.length < 2) continue;
    const churn = d.holders.filter((h) => h.fd >= top);
    assert.deepEqual(churn, [], `${what}: ${d.id} ${d.name} merges a churn fd: ${JSON.stringify(d.holders)}`);
  }
  const byFd = new Map<number, Set<string>>();
  for (const d of report.descriptions) {
    for (const h of d.holders) {
      if (h.fd >= 3 && h.fd < top) byFd.set(h.fd, (byFd.get(h.fd) ?? new Set()).add(d.id));
    }
  }
  for (const [fd, ids] of byFd) {
    const certain = report.descriptions.filter((d) => ids.has(d.id) && d.certain);
    assert.ok(certain.length <= 1, `${what}: fd ${fd} split into ${[...ids].join(', ')}`);
  }
  for (const e of report.errors) {
    // gone during the scan, a file whose fds kept changing while they were compared, or an fd number
    // reused for another file, a process that exited (these three with no errno: no call failed)
    const why = e.errno ?? `(${e.reason})`;
    assert.match(
      why,
      /^(ENOENT|ESRCH|EBADF|\(unsettled\)|\(reused\)|\(replaced\))$/,
      `${what}: ${e.message}`,
    );
  }
}
