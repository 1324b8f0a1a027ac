/**
 * deploy/: the DaemonSet parses as YAML and asks for what the exporter needs and no more; the seccomp
 * profile denies by default and allows every syscall the exporter makes (watched with strace on a real
 * run against a fixture); the systemd unit passes `systemd-analyze verify` with no warning.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  volumeMounts: { name: string; mountPath: string; readOnly: boolean }[];
  readinessProbe: object;
  livenessProbe: object;
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
  // ...so only over TLS with basic authentication, from a Secret mounted read-only.
  const config = c.args[c.args.indexOf('--web.config.file') + 1] ?? '';
  const mount = c.volumeMounts.find((m) => config.startsWith(`${m.mountPath}/`));
  assert.ok(mount?.readOnly, `${config} is on a read-only mount`);
  const volume = (pod.volumes as { name: string; secret?: { secretName: string } }[]).find(
    (v) => v.name === mount?.name,
  );
  assert.ok(volume?.secret?.secretName, 'the web configuration comes from a Secret');
  assert.equal(ds.spec.template.metadata.annotations['prometheus.io/scheme'], 'https');
  assert.ok(
    !JSON.stringify([c.readinessProbe, c.livenessProbe]).includes('httpGet'),
    'a probe has no credentials',
  );
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.equal(c.securityContext.privileged, false);
  assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
  assert.deepEqual([...c.securityContext.capabilities.add].sort(), [...CAPABILITIES].sort());
  assert.match(c.resources.limits.cpu, /^\d+m?$/);
  assert.match(c.resources.limits.memory, /^\d+Mi$/);
});

test('the NetworkPolicy admits only Prometheus, and only to the exporter port', () => {
  const ds = parse(readFileSync(join(DEPLOY, 'kubernetes', 'daemonset.yaml'), 'utf8'));
  const np = parse(readFileSync(join(DEPLOY, 'kubernetes', 'networkpolicy.yaml'), 'utf8'));
  assert.equal(np.kind, 'NetworkPolicy');
  assert.equal(np.metadata.namespace, ds.metadata.namespace);
  assert.deepEqual(np.spec.podSelector.matchLabels, ds.spec.selector.matchLabels);
  assert.deepEqual(np.spec.policyTypes, ['Ingress']);
  const [rule, ...more] = np.spec.ingress;
  assert.equal(more.length, 0);
  assert.deepEqual(rule.ports, [{ protocol: 'TCP', port: 9848 }]);
  assert.ok(
    rule.from.length > 0 && rule.from.every((peer: object) => 'podSelector' in peer),
    'not open to all',
  );
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

test('the systemd unit: hardened, only its capabilities, and systemd-analyze verify finds nothing', {
  skip: NO_ANALYZE,
}, () => {
  const unit = readFileSync(join(DEPLOY, 'systemd', 'kcmp-exporter.service'), 'utf8');
  const value = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(unit)?.[1];
  assert.equal(value('NoNewPrivileges'), 'yes');
  assert.equal(value('ProtectSystem'), 'strict');
  const caps = CAPABILITIES.map((c) => `CAP_${c}`).join(' ');
  assert.equal(value('CapabilityBoundingSet'), caps);
  assert.equal(value('AmbientCapabilities'), caps);
  assert.match(value('SystemCallFilter') ?? '', /\bkcmp\b.*\bpidfd_getfd\b/);
  assert.match(value('ExecStart') ?? '', /^\/usr\/local\/bin\/kcmp exporter --listen 127\.0\.0\.1:9848/);
  // verify wants ExecStart's binary to exist: point it at this build.
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-unit-'));
  try {
    const copy = join(dir, 'kcmp-exporter.service');
    writeFileSync(copy, unit.replaceAll('/usr/local/bin/kcmp', CLI));
    const r = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'no unknown key, no bad value');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
