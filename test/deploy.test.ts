/**
 * deploy/: the DaemonSet parses as YAML and asks for what the exporter needs and no more; the seccomp
 * profile denies by default and allows every syscall the exporter makes (watched with strace on a real
 * run against a fixture); the systemd unit passes `systemd-analyze verify` with no warning, with kcmp found
 * in systemd's search path (/usr/bin, as NodeSource's npm puts it) or named by its real path.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { mkfds } from './fixture/mkfds.js';
import { CLI } from './helpers/cli.js';
import { waitFor } from './helpers/exporter.js';
import { ROOT } from './helpers/schema.js';

const DEPLOY = join(ROOT, 'deploy');
const CAPABILITIES = ['SYS_PTRACE', 'DAC_READ_SEARCH', 'BPF', 'PERFMON'];

interface Container {
  args: string[];
  ports: { containerPort: number }[];
  securityContext: {
    readOnlyRootFilesystem: boolean;
    allowPrivilegeEscalation: boolean;
    privileged: boolean;
    capabilities: { drop: string[]; add: string[] };
  };
  resources: { limits: { cpu: string; memory: string }; requests: object };
}

test('the DaemonSet: hostPID, only the capabilities it needs, the seccomp profile, read-only root, limits', () => {
  const ds = parse(readFileSync(join(DEPLOY, 'kubernetes', 'daemonset.yaml'), 'utf8'));
  assert.equal(ds.apiVersion, 'apps/v1');
  assert.equal(ds.kind, 'DaemonSet');
  const pod = ds.spec.template.spec;
  assert.deepEqual(ds.spec.selector.matchLabels, ds.spec.template.metadata.labels);
  assert.equal(pod.hostPID, true);
  assert.notEqual(pod.hostNetwork, true, 'no host network: Prometheus scrapes the pod');
  assert.deepEqual(pod.securityContext.seccompProfile, {
    type: 'Localhost',
    localhostProfile: 'profiles/kcmp.json',
  });
  const [c, ...others] = pod.containers as Container[];
  assert.equal(others.length, 0);
  assert.ok(c);
  assert.equal(c.args[0], 'exporter');
  assert.equal(c.ports[0]?.containerPort, 9848);
  assert.ok(c.args.includes('0.0.0.0:9848'), 'listens where the pod IP reaches it');
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.equal(c.securityContext.privileged, false);
  assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
  assert.deepEqual([...c.securityContext.capabilities.add].sort(), [...CAPABILITIES].sort());
  assert.match(c.resources.limits.cpu, /^\d+m?$/);
  assert.match(c.resources.limits.memory, /^\d+Mi$/);
});

function profileAllows(): Set<string> {
  const profile = JSON.parse(readFileSync(join(DEPLOY, 'kubernetes', 'seccomp', 'kcmp.json'), 'utf8'));
  assert.equal(profile.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(profile.defaultErrnoRet, 38, 'ENOSYS: glibc falls back (clone3 → clone) instead of failing');
  const allowed = new Set<string>();
  for (const rule of profile.syscalls) {
    assert.equal(rule.action, 'SCMP_ACT_ALLOW');
    for (const name of rule.names) allowed.add(name);
  }
  return allowed;
}

test('the seccomp profile denies by default and allows kcmp, pidfd_getfd, F_DUPFD_QUERY (fcntl) and bpf', () => {
  const allowed = profileAllows();
  for (const name of ['kcmp', 'pidfd_open', 'pidfd_getfd', 'fcntl', 'bpf', 'perf_event_open', 'statx']) {
    assert.ok(allowed.has(name), name);
  }
  for (const name of ['ptrace', 'process_vm_readv', 'mount', 'setns', 'unshare', 'init_module']) {
    assert.ok(!allowed.has(name), `${name} is not needed and must not be allowed`);
  }
});

const NO_STRACE = spawnSync('strace', ['-V']).status === 0 ? false : 'strace is not installed';

test('the seccomp profile allows every syscall the exporter makes while scanning and serving', {
  skip: NO_STRACE,
}, async (t) => {
  const f = await mkfds(t, 'leaky');
  if (!f) return;
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-strace-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const trace = join(dir, 'trace');
  const args = ['exporter', '--listen', '127.0.0.1:0', '--tree', String(f.pids.main), '--interval', '0.1'];
  const strace = spawn('strace', ['-f', '-qq', '-o', trace, process.execPath, CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => strace.kill('SIGKILL'));
  strace.stdout.resume();
  let stderr = '';
  strace.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const port = await waitFor(
    'the exporter to listen',
    async () => /127\.0\.0\.1:(\d+)\/metrics/.exec(stderr)?.[1],
  );
  for (const accept of ['text/plain', 'application/openmetrics-text']) {
    const body = await waitFor('a scan', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { accept } });
      return res.status === 200 ? res.text() : undefined;
    });
    assert.match(body, /kcmp_scans_total/);
  }
  const exporter = Number(
    readFileSync(`/proc/${strace.pid}/task/${strace.pid}/children`, 'utf8').trim().split(' ')[0],
  );
  process.kill(exporter, 'SIGTERM');
  await new Promise((resolve) => strace.once('exit', resolve));
  const made = new Set<string>();
  for (const line of readFileSync(trace, 'utf8').split('\n')) {
    const m = /^\d+ +(?:<\.\.\. )?([a-z0-9_]+)(?:\(| resumed)/.exec(line);
    if (m) made.add(m[1] as string);
  }
  assert.ok(made.has('kcmp'), 'the trace saw the scan');
  const allowed = profileAllows();
  assert.deepEqual([...made].filter((name) => !allowed.has(name)).sort(), []);
});

const NO_ANALYZE =
  spawnSync('systemd-analyze', ['--version']).status === 0 ? false : 'systemd-analyze is not installed';

/**
 * `systemd-analyze verify UNIT` as on a machine where `npm install -g` put kcmp in /usr/bin (NodeSource's
 * Node.js), without touching this one's: in a mount namespace of its own, an overlay on /usr/bin adds
 * /usr/bin/kcmp (this build) for the verify alone. Undefined where that cannot be set up (not root).
 */
function verifyWithKcmpInUsrBin(
  unit: string,
  dir: string,
): { status: number | null; stderr: string } | undefined {
  for (const d of ['upper', 'work']) mkdirSync(join(dir, d));
  const script =
    'mount -t overlay overlay -o "lowerdir=/usr/bin,upperdir=$1/upper,workdir=$1/work" /usr/bin || exit 99; ' +
    'ln -s "$2" /usr/bin/kcmp && exec systemd-analyze verify "$3"';
  const r = spawnSync(
    'unshare',
    ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', dir, CLI, unit],
    {
      encoding: 'utf8',
    },
  );
  return r.status === 99 || r.error ? undefined : { status: r.status, stderr: r.stderr };
}

test('the systemd unit: hardened, only its capabilities, and systemd-analyze verify finds nothing', {
  skip: NO_ANALYZE,
}, (t) => {
  const unit = readFileSync(join(DEPLOY, 'systemd', 'kcmp-exporter.service'), 'utf8');
  const value = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(unit)?.[1];
  assert.equal(value('NoNewPrivileges'), 'yes');
  assert.equal(value('ProtectSystem'), 'strict');
  const caps = CAPABILITIES.map((c) => `CAP_${c}`).join(' ');
  assert.equal(value('CapabilityBoundingSet'), caps);
  assert.equal(value('AmbientCapabilities'), caps);
  assert.match(value('SystemCallFilter') ?? '', /\bkcmp\b.*\bpidfd_getfd\b/);
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const shipped = join(dir, 'kcmp-exporter.service');
  writeFileSync(shipped, unit);
  const verified = verifyWithKcmpInUsrBin(shipped, dir);
  if (verified === undefined)
    t.diagnostic('no mount namespace here (not root): kcmp in /usr/bin not verified');
  else {
    assert.equal(verified.status, 0, verified.stderr);
    assert.equal(verified.stderr, '', 'no unknown key, no bad value, kcmp found');
  }
  assert.match(
    value('ExecStart') ?? '',
    /^kcmp exporter --listen 127\.0\.0\.1:9848/,
    'kcmp found by systemd',
  );
  // Installed with kcmp's real path instead, as deploy/README.md shows for a kcmp outside that path.
  const real = join(dir, 'real', 'kcmp-exporter.service');
  mkdirSync(dirname(real));
  writeFileSync(real, unit.replace(/^ExecStart=kcmp /m, `ExecStart=${CLI} `));
  const r = spawnSync('systemd-analyze', ['verify', real], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '', 'no unknown key, no bad value');
});
