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
import { DaemonSet } from 'kubernetes-models/apps/v1';
import { type INetworkPolicy, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { Namespace } from 'kubernetes-models/v1';
import { mkfds } from './fixture/mkfds.js';
import { CLI } from './helpers/cli.js';
import { waitFor } from './helpers/exporter.js';
import { DEPLOY, daemonSet, manifests } from './helpers/manifests.js';
import { ROOT } from './helpers/schema.js';
import { typecheck } from './helpers/typecheck.js';

const CAPABILITIES = ['SYS_PTRACE', 'DAC_READ_SEARCH', 'BPF', 'PERFMON'];

test('the DaemonSet: hostPID, only the capabilities it needs, the seccomp profile, read-only root, limits', () => {
  const { ds, exporter: c } = daemonSet();
  const pod = ds.spec?.template.spec;
  assert.ok(pod);
  assert.deepEqual(ds.spec?.selector.matchLabels, ds.spec?.template.metadata?.labels);
  assert.equal(pod.hostPID, true);
  assert.notEqual(pod.hostNetwork, true, 'no host network: Prometheus scrapes the pod');
  assert.deepEqual(pod.securityContext?.seccompProfile, {
    type: 'Localhost',
    localhostProfile: 'profiles/kcmp.json',
  });
  assert.equal(pod.containers.length, 1);
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  assert.equal(c.image, `localhost/kcmp:${version}`, 'the image deploy/container/build-image.sh tags');
  assert.equal(c.imagePullPolicy, 'Never', 'no registry serves it: loaded into the nodes');
  assert.equal(c.args?.[0], 'exporter');
  assert.equal(c.ports?.[0]?.containerPort, 9848);
  assert.ok(c.args?.includes('0.0.0.0:9848'), 'listens where the pod IP reaches it');
  // ...so only over TLS with basic authentication, from a Secret mounted read-only.
  const args = c.args ?? [];
  const config = args[args.indexOf('--web.config.file') + 1] ?? '';
  const mount = c.volumeMounts?.find((m) => config.startsWith(`${m.mountPath}/`));
  assert.ok(mount?.readOnly, `${config} is on a read-only mount`);
  const volume = pod.volumes?.find((v) => v.name === mount?.name);
  assert.ok(volume?.secret?.secretName, 'the web configuration comes from a Secret');
  assert.equal(ds.spec?.template.metadata?.annotations?.['prometheus.io/scheme'], 'https');
  assert.ok(
    !JSON.stringify([c.readinessProbe, c.livenessProbe]).includes('httpGet'),
    'a probe has no credentials',
  );
  const sc = c.securityContext;
  assert.equal(sc?.readOnlyRootFilesystem, true);
  assert.equal(sc?.allowPrivilegeEscalation, false);
  assert.equal(sc?.privileged, false);
  assert.deepEqual(sc?.capabilities?.drop, ['ALL']);
  assert.deepEqual([...(sc?.capabilities?.add ?? [])].sort(), [...CAPABILITIES].sort());
  assert.match(String(c.resources?.limits?.cpu), /^\d+m?$/);
  assert.match(String(c.resources?.limits?.memory), /^\d+Mi$/);
});

/** How each kind of the manifest is checked: its model class, and the type its fields must fit. */
const MODELS: Record<string, { model: new (data: never) => { validate(): void }; type: string }> = {
  'v1 Namespace': {
    model: Namespace,
    type: "import type { INamespace as Manifest } from 'kubernetes-models/v1';",
  },
  'apps/v1 DaemonSet': {
    model: DaemonSet,
    type: "import type { IDaemonSet as Manifest } from 'kubernetes-models/apps/v1';",
  },
  'networking.k8s.io/v1 NetworkPolicy': {
    model: NetworkPolicy,
    type: "import type { INetworkPolicy as Manifest } from 'kubernetes-models/networking.k8s.io/v1';",
  },
};

/** What is wrong with a manifest document by the Kubernetes API's schemas: the model's validation (types,
 * formats, enums, required fields), and, since the schemas let unknown fields pass where the API server's
 * strict field validation refuses them, a TypeScript literal of the model's type (an unknown field does
 * not compile). */
function schemaProblems(docs: Record<string, unknown>[]): string[] {
  const problems: string[] = [];
  const literals = new Map<string, string>();
  docs.forEach((doc, i) => {
    const which = `${doc.apiVersion} ${doc.kind}`;
    const checked = MODELS[which];
    if (checked === undefined) {
      problems.push(`document ${i + 1}: no model for ${which}`);
      return;
    }
    try {
      new checked.model(doc as never).validate();
    } catch (e) {
      problems.push(`${which}: ${(e as Error).message}`);
    }
    literals.set(`manifest${i}`, `${checked.type}\nexport const m: Manifest = ${JSON.stringify(doc)};\n`);
  });
  for (const [name, diagnostics] of typecheck(literals))
    problems.push(...diagnostics.map((d) => `${name}: ${d}`));
  return problems;
}

test('the manifests validate against the Kubernetes API schemas (kubernetes-models), unknown fields too', () => {
  const docs = manifests();
  assert.deepEqual(
    docs.map((d) => `${d.apiVersion} ${d.kind}`),
    ['v1 Namespace', 'apps/v1 DaemonSet', 'networking.k8s.io/v1 NetworkPolicy'],
  );
  assert.deepEqual(schemaProblems(docs), []);
  const { ds } = daemonSet();
  const namespace = docs[0]?.metadata as { name?: string } | undefined;
  assert.equal(ds.metadata?.namespace, namespace?.name, 'its namespace is created');
  // The check finds what it is for: a field of the wrong type, a misspelt one.
  const podOf = (d: unknown) =>
    (d as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec;
  const [wrongType, misspelt] = [structuredClone(docs[1]), structuredClone(docs[1])];
  podOf(wrongType).hostPID = 'yes';
  podOf(misspelt).hostNetwrok = false;
  const found = schemaProblems([wrongType, misspelt] as Record<string, unknown>[]).join('\n');
  assert.match(found, /hostPID must be boolean/);
  assert.match(found, /'"hostNetwrok"' does not exist/);
});

test('the NetworkPolicy admits only Prometheus, and only to the exporter port', () => {
  const { ds } = daemonSet();
  const np = manifests().find((d) => d.kind === 'NetworkPolicy') as INetworkPolicy | undefined;
  assert.ok(np);
  assert.equal(np.metadata?.namespace, ds.metadata?.namespace);
  assert.deepEqual(np.spec?.podSelector.matchLabels, ds.spec?.selector.matchLabels);
  assert.deepEqual(np.spec?.policyTypes, ['Ingress']);
  const [rule, ...more] = np.spec?.ingress ?? [];
  assert.equal(more.length, 0);
  assert.deepEqual(rule?.ports, [{ protocol: 'TCP', port: 9848 }]);
  assert.ok(
    (rule?.from ?? []).length > 0 && (rule?.from ?? []).every((peer) => 'podSelector' in peer),
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
  // The bin run as a program, as the image's ENTRYPOINT runs it: /bin/sh's syscalls, then Node's (this one).
  const strace = spawn('strace', ['-f', '-qq', '-o', trace, CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` },
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
