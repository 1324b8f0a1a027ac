/**
 * Real servers as the test's own processes: nginx (a master and its workers) and PostgreSQL (a postmaster,
 * its helpers and one backend per client), from the machine's Debian packages, on loopback ports and in a
 * temporary directory — never the system services. Each is stopped when its test ends, and on exit.
 *
 *   const nginx = await startNginx(t, { workers: 8, ports: 2 });   // null (test skipped) without nginx
 *   if (!nginx) return;
 *   runCli(['fds', '--tree', String(nginx.master), '--format', 'html']);
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

interface TestContext {
  skip(message?: string): void;
  after(fn: () => unknown): void;
}

const started = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of started) killGroup(child);
});

/** Kills the process group the server was started in (its own: `detached`), workers and all. */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** The first of `names` found on PATH or in `dirs` (Debian keeps PostgreSQL's programs off PATH). */
function findProgram(name: string, dirs: readonly string[] = []): string | undefined {
  const path = (process.env.PATH ?? '').split(':').filter((d) => d !== '');
  for (const dir of [...path, '/usr/sbin', '/sbin', ...dirs]) {
    const file = join(dir, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/** A loopback TCP port free a moment ago (the kernel's choice for port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The pids whose parent is `pid` (/proc/PID/stat field 4), read now. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out.sort((a, b) => a - b);
}

/** The process title (/proc/PID/cmdline, NUL padding trimmed), or '' once it is gone. */
export function titleOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1')
      .replace(/[\0 ]+$/, '')
      .replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Polls until `done()` holds (every 50 ms, at most `ms`), or throws `what`. */
async function until(done: () => boolean, what: string, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; !done(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Starts a server in its own process group, stopped with `signal` after the test (then the group is
 * killed). Its stderr is kept for the error message if it dies early. */
function startServer(
  t: TestContext,
  argv: string[],
  options: { uid?: number; gid?: number; signal: NodeJS.Signals; cleanup: () => void },
): { child: ChildProcess; stderr: () => string } {
  const child = spawn(argv[0] as string, argv.slice(1), {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid }),
  });
  started.add(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  t.after(async () => {
    child.kill(options.signal);
    await Promise.race([exited, sleep(10_000)]);
    killGroup(child);
    started.delete(child);
    options.cleanup();
  });
  return { child, stderr: () => stderr };
}

export interface Nginx {
  master: number;
  workers: number[];
  ports: number[];
}

/**
 * nginx as the test's own master (`daemon off; master_process on`) with `workers` worker processes,
 * listening on `ports` loopback ports; null (the test skipped, saying why) where nginx is missing.
 * As root nginx runs its workers as `nobody`, as it does in production.
 */
export async function startNginx(
  t: TestContext,
  options: { workers: number; ports: number },
): Promise<Nginx | null> {
  const nginx = findProgram('nginx');
  if (!nginx) {
    t.skip('nginx is missing (apt-get install nginx)');
    return null;
  }
  const prefix = mkdtempSync(join(tmpdir(), 'kcmp-nginx-'));
  const ports: number[] = [];
  for (let i = 0; i < options.ports; i++) ports.push(await freePort());
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((k) => `${k}_temp_path ${prefix}/${k};`)
    .join(' ');
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `daemon off; master_process on; worker_processes ${options.workers};
pid ${prefix}/nginx.pid; error_log ${prefix}/error.log;
events { worker_connections 64; }
http { access_log ${prefix}/access.log; ${temp}
  server { ${ports.map((p) => `listen 127.0.0.1:${p};`).join(' ')} return 204; } }
`,
  );
  const { child, stderr } = startServer(
    t,
    [nginx, '-c', join(prefix, 'nginx.conf'), '-p', prefix, '-e', join(prefix, 'error.log')],
    { signal: 'SIGTERM', cleanup: () => rmSync(prefix, { recursive: true, force: true }) },
  );
  const master = child.pid as number;
  const workers = () => childrenOf(master).filter((p) => titleOf(p) === 'nginx: worker process');
  await until(
    () => workers().length === options.workers || child.exitCode !== null,
    `${options.workers} nginx workers`,
  );
  if (child.exitCode !== null) throw new Error(`nginx exited ${child.exitCode}: ${stderr()}`);
  return { master, workers: workers(), ports };
}

export interface Postgres {
  postmaster: number;
  /** Every process of the server: the postmaster and its children (helpers and backends). */
  processes: number[];
  port: number;
}

/** The uid and gid to run PostgreSQL as: ours, or as root (which PostgreSQL refuses) the `postgres` user. */
function postgresUser(): { uid: number; gid: number } | undefined {
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0) return { uid, gid: process.getgid?.() ?? 0 };
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [name, , u, g] = line.split(':');
    if (name === 'postgres') return { uid: Number(u), gid: Number(g) };
  }
  return undefined;
}

/**
 * PostgreSQL as the test's own postmaster: a fresh cluster (initdb) in a temporary directory, listening
 * on a loopback port and a UNIX socket there, with `clients` idle psql sessions (one backend each) and no
 * autovacuum, so its processes stay put: the postmaster, its checkpointer, background writer, walwriter
 * and logical replication launcher, and the backends. null (the test skipped, saying why) where
 * PostgreSQL is missing.
 */
export async function startPostgres(t: TestContext, options: { clients: number }): Promise<Postgres | null> {
  const bin = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => `/usr/lib/postgresql/${v}/bin`)
    : [];
  const [initdb, postgres, psql] = ['initdb', 'postgres', 'psql'].map((n) => findProgram(n, bin));
  if (!initdb || !postgres || !psql) {
    t.skip('PostgreSQL is missing (apt-get install postgresql)');
    return null;
  }
  const user = postgresUser();
  if (!user) {
    t.skip('PostgreSQL refuses to run as root and there is no postgres user');
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-pg-'));
  chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  execFileSync(initdb, ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '--no-instructions'], {
    ...user,
    stdio: 'ignore',
  });
  const port = await freePort();
  const { child, stderr } = startServer(
    t,
    [
      postgres,
      '-D',
      data,
      '-k',
      dir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `max_connections=${options.clients + 10}`,
      '-c',
      'fsync=off',
      // No autovacuum: its workers come and go every minute, and a picture would count them.
      '-c',
      'autovacuum=off',
    ],
    { ...user, signal: 'SIGINT', cleanup: () => rmSync(dir, { recursive: true, force: true }) },
  );
  const postmaster = child.pid as number;
  const clients: ChildProcess[] = [];
  t.after(() => {
    for (const c of clients) c.stdin?.end();
  });
  const ready = () => existsSync(join(dir, `.s.PGSQL.${port}`)) || child.exitCode !== null;
  await until(ready, 'the postmaster');
  for (let i = 0; i < options.clients; i++) {
    // An idle session: psql waits on its stdin, its backend on the socket.
    const c = spawn(psql, ['-h', dir, '-p', String(port), '-U', 'postgres', '-q'], {
      stdio: ['pipe', 'ignore', 'ignore'],
      ...user,
    });
    clients.push(c);
    started.add(c);
  }
  // A backend titles itself "… [local] startup" until it is ready for its client's queries.
  const backends = () => childrenOf(postmaster).filter((p) => titleOf(p).endsWith('[local] idle')).length;
  await until(() => backends() === options.clients || child.exitCode !== null, `${options.clients} backends`);
  if (child.exitCode !== null) throw new Error(`postgres exited ${child.exitCode}: ${stderr()}`);
  return { postmaster, processes: [postmaster, ...childrenOf(postmaster)], port };
}
