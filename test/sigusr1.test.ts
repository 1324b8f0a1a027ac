/**
 * SIGUSR1 never opens Node's inspector in a kcmp process (a root `pkill -USR1 node` would otherwise give
 * any local user a debugger on 127.0.0.1:9229, and code running as root): not in the exporter while it
 * scans, not in the CLI or the children it starts when the signal lands during Node's own start-up, and
 * the library leaves its user's signal handling alone. Only processes these tests start are signalled.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { nodeScript } from '../src/util/node-script.js';
import { CLI } from './helpers/cli.js';
import { startExporter, waitFor } from './helpers/exporter.js';

const INSPECTOR_PORT = 9229;
const LISTEN = '0A'; // TCP_LISTEN in /proc/net/tcp's st column

/** The TCP ports that sockets held by `pid` listen on (its fds' socket inodes, found in /proc/net/tcp*). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1] as string);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/net/${table}`, 'utf8').split('\n').slice(1)) {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      if (state === LISTEN && inode !== undefined && inodes.has(inode))
        ports.push(Number.parseInt(local?.split(':')[1] ?? '', 16));
    }
  }
  return ports.sort((a, b) => a - b);
}

/** Whether something accepts a TCP connection on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

test('SIGUSR1 opens no inspector in the exporter: it listens on its own port only and keeps scanning', async (t) => {
  const target = spawn('sleep', ['300'], { stdio: 'ignore' });
  t.after(() => target.kill('SIGKILL'));
  const e = await startExporter(t, ['-p', String(target.pid), '--interval', '0.05']);
  const first = await waitFor('a scan', () => e.value('kcmp_scans_total'));
  const inspectorPortFree = !(await accepts(INSPECTOR_PORT));
  const pid = e.child.pid as number;
  for (let i = 0; i < 3; i++) process.kill(pid, 'SIGUSR1');
  // Node opens the inspector at the main thread's next interrupt check: before any later scan completes.
  await waitFor('two more scans', async () => {
    const n = await e.value('kcmp_scans_total');
    return n !== undefined && n >= first + 2 ? n : undefined;
  });
  assert.equal(e.child.exitCode, null, 'the exporter still runs');
  assert.deepEqual(listeningPorts(pid), [e.port], 'it listens on its metrics port and nothing else');
  if (inspectorPortFree) assert.equal(await accepts(INSPECTOR_PORT), false, `127.0.0.1:${INSPECTOR_PORT}`);
  else t.diagnostic(`another process listens on ${INSPECTOR_PORT}: checked this process's sockets only`);
  assert.doesNotMatch(e.stderr(), /Debugger listening/);
  assert.equal((await e.scrape()).status, 200);
});

/**
 * Runs before the entry's first module (--import): sends itself SIGUSR1 while Node's own handler is in
 * place, waits until that opened the inspector, and reports at exit whether it is still open.
 */
const OPEN_DURING_START_UP = `
import inspector from 'node:inspector';
process.kill(process.pid, 'SIGUSR1');
const end = Date.now() + 10000;
while (inspector.url() === undefined && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
process.stderr.write('opened during start-up: ' + (inspector.url() !== undefined) + '\\n');
process.on('exit', () => process.stderr.write('open at exit: ' + (inspector.url() !== undefined) + '\\n'));
`;

test('a SIGUSR1 during Node start-up: the CLI and the children it starts close the inspector it opened', (t) => {
  const bin = dirname(CLI);
  const entries: [string, string[]][] = [
    ['kcmp', [CLI, '--version']],
    ['probe-child', [join(bin, 'probe-child.js'), 'kcmp']],
    ['freeze-watchdog', [join(bin, 'freeze-watchdog.js')]], // stdin at EOF: it exits at once
  ];
  const preload = `--import=data:text/javascript,${encodeURIComponent(OPEN_DURING_START_UP)}`;
  // stderr to a file, not a pipe (libuv's socketpair): the inspector's is then the process's only socket,
  // which is what the guard looks for before it loads node:inspector.
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-sigusr1-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, args] of entries) {
    const file = join(dir, `${name}.err`);
    const err = openSync(file, 'w');
    // --inspect-port=0: the signal's inspector takes a free port, not 9229 another process may hold.
    const r = spawnSync(process.execPath, ['--inspect-port=0', preload, ...args], {
      stdio: ['ignore', 'ignore', err],
      timeout: 30_000,
    });
    closeSync(err);
    const stderr = readFileSync(file, 'utf8');
    assert.equal(r.status, 0, `${name}: ${stderr}`);
    assert.match(stderr, /opened during start-up: true\n/, `${name}: the preload did not open it`);
    assert.match(stderr, /open at exit: false\n/, `${name} left the inspector open`);
  }
});

test('the library leaves the SIGUSR1 handling of the program importing it alone', () => {
  const dist = join(dirname(CLI), '..');
  const code = `
    await import(${JSON.stringify(pathToFileURL(join(dist, 'index.js')).href)});
    const { createRequire } = await import('node:module');
    createRequire(import.meta.url)(${JSON.stringify(join(dist, 'index.cjs'))});
    console.log(process.listenerCount('SIGUSR1'));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '0\n');
});

test('the node children kcmp starts get --disable-sigusr1 where Node has it', (t) => {
  if (!process.allowedNodeEnvironmentFlags.has('--disable-sigusr1'))
    return t.skip(`Node ${process.version} has no --disable-sigusr1 (22.14, 23.7 and later have)`);
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-sigusr1-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'child.js'), 'console.log(JSON.stringify(process.execArgv));\n');
  const [command, ...args] = nodeScript(pathToFileURL(join(dir, 'caller.js')).href, 'child');
  const r = spawnSync(command, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.ok((JSON.parse(r.stdout) as string[]).includes('--disable-sigusr1'), r.stdout);
});
