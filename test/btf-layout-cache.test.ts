/**
 * The BTF layout kept for the boot (src/bpf/layout-cache.ts): a kept layout is used instead of the BTF,
 * and answers as the BTF does; one another user could have planted (a directory or file theirs, a
 * directory or file others may write, a symlink) is never trusted, nor written into a directory another
 * user controls; a corrupt file or another boot's is ignored and replaced; a read-only location is
 * skipped without a word. End to end, a second `kcmp fds --engine bpf` never opens
 * /sys/kernel/btf/vmlinux.
 *
 * Needs root (the trust rules are root's, and the files are chowned to nobody) and the kernel's BTF.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Btf, type BtfLayout, VMLINUX_BTF } from '../src/bpf/btf.js';
import { cachedLayout, currentKey, type LayoutKey } from '../src/bpf/layout-cache.js';
import { ITER_FUNC } from '../src/bpf/task-file-program.js';
import { mkfds } from './fixture/mkfds.js';
import { runCli } from './helpers/cli.js';
import { unshareRefused } from './helpers/unshare.js';

const NOBODY = 65534;
const FILE = 'btf-layout.json';

function needs(): string | undefined {
  if (process.getuid?.() !== 0)
    return 'the cache is trusted by owner: the test needs root to chown to nobody';
  if (!existsSync(VMLINUX_BTF)) return `no ${VMLINUX_BTF} (CONFIG_DEBUG_INFO_BTF)`;
  return undefined;
}

/** A root-owned 0700 directory, removed after the test; its `cache` subdirectory is where layouts go. */
function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-btf-cache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const facts = (l: BtfLayout) => [
  l.find('func', ITER_FUNC),
  l.member('file', 'f_inode'),
  l.member('task_struct', 'tgid'),
  l.structSize('upid'),
];

/** `cachedLayout` in `dir`, counting the BTF loads it makes (0: the kept layout was used). */
function layoutIn(
  dir: string,
  key: LayoutKey = currentKey() as LayoutKey,
): { layout: BtfLayout; loads: number } {
  let loads = 0;
  const layout = cachedLayout(dir, key, () => {
    loads++;
    return Btf.load();
  });
  facts(layout); // questions a kept layout may lack: asked here, so that a refresh counts
  return { layout, loads };
}

test('a kept layout is used instead of the BTF, answers as the BTF does, and is created 0700 by root', (t) => {
  const why = needs();
  if (why) return t.skip(why);
  assert.ok(currentKey(), 'this boot has a key');
  const cache = join(scratch(t), 'cache');
  const first = layoutIn(cache);
  assert.equal(first.loads, 1, 'nothing kept yet: the BTF is read');
  const again = layoutIn(cache);
  assert.equal(again.loads, 0, 'kept: the BTF is not read');
  assert.deepEqual(facts(again.layout), facts(Btf.load()));
  const st = spawnSync('stat', ['-c', '%u %a', cache, join(cache, FILE)], { encoding: 'utf8' });
  assert.deepEqual(st.stdout.trim().split('\n'), ['0 700', '0 644']);
});

test('a layout another user could have planted is ignored: not written into their directory, its file replaced in ours', (t) => {
  const why = needs();
  if (why) return t.skip(why);
  // Each case plants a valid layout of this boot, laid out differently from ours (indented), so that a
  // rewrite shows; `replaced`: where the directory is ours, the file is replaced by one of root's.
  const cases: [string, (cache: string) => void, boolean][] = [
    ['a directory owned by nobody', (cache) => chownSync(cache, NOBODY, NOBODY), false],
    ['a group-writable directory', (cache) => chmodSync(cache, 0o770), false],
    ['a parent directory owned by nobody', (cache) => chownSync(join(cache, '..'), NOBODY, NOBODY), false],
    ['a file owned by nobody', (cache) => chownSync(join(cache, FILE), NOBODY, NOBODY), true],
    ['a file others may write', (cache) => chmodSync(join(cache, FILE), 0o666), true],
  ];
  for (const [what, plant, replaced] of cases) {
    const cache = join(scratch(t), 'cache');
    layoutIn(cache);
    const ours = readFileSync(join(cache, FILE), 'utf8');
    const planted = JSON.stringify(JSON.parse(ours), null, 2);
    writeFileSync(join(cache, FILE), planted);
    plant(cache);
    assert.equal(layoutIn(cache).loads, 1, `${what}: the BTF is read`);
    const now = readFileSync(join(cache, FILE), 'utf8');
    assert.equal(now, replaced ? ours : planted, `${what}: ${replaced ? 'replaced' : 'left as it was'}`);
    if (replaced) assert.equal(lstatSync(join(cache, FILE)).uid, 0);
  }
  // A symlink to a valid layout (root's own) is not followed: O_NOFOLLOW.
  const dir = scratch(t);
  const cache = join(dir, 'cache');
  layoutIn(join(dir, 'real'));
  mkdirSync(cache, { mode: 0o700 });
  symlinkSync(join(dir, 'real', FILE), join(cache, FILE));
  assert.equal(layoutIn(cache).loads, 1, 'a symlinked file: the BTF is read');
  assert.equal(layoutIn(cache).loads, 1, 'nor replaced (replace-file.ts replaces only regular files)');
  assert.ok(lstatSync(join(cache, FILE)).isSymbolicLink());
});

test("a corrupt layout, or another boot's, is ignored and replaced", (t) => {
  const why = needs();
  if (why) return t.skip(why);
  const key = currentKey() as LayoutKey;
  const cache = join(scratch(t), 'cache');
  layoutIn(cache);
  const valid = JSON.parse(readFileSync(join(cache, FILE), 'utf8'));
  const corrupt = [
    '{"format":"kcmp.btf-layout/1","key":', // cut short
    JSON.stringify({ ...valid, key: { ...key, bootId: 'another-boot' } }),
    JSON.stringify({ ...valid, answers: { ...valid.answers, 'member file f_inode': [-8, 8] } }),
    JSON.stringify({ ...valid, answers: { 'member file f_inode': [32, 8] } }), // answers missing
    'x'.repeat(70_000), // over the bound
  ];
  for (const text of corrupt) {
    writeFileSync(join(cache, FILE), text, { mode: 0o644 });
    assert.equal(layoutIn(cache, key).loads, 1, `${text.slice(0, 60)}: ignored`);
    assert.deepEqual(JSON.parse(readFileSync(join(cache, FILE), 'utf8')), valid, 'replaced');
    assert.equal(layoutIn(cache, key).loads, 0);
  }
});

test('a read-only location is skipped without a word; the second run does not open the BTF', async (t) => {
  const why = needs() ?? unshareRefused(['--mount']);
  if (why) return t.skip(why);
  if (spawnSync('strace', ['-V']).error) return t.skip('strace is not installed');
  const f = await mkfds(t, 'dups');
  if (!f) return;
  const dir = scratch(t);
  const fds = ['fds', '-p', String(f.pids.main), '--engine', 'bpf', '--all', '--json'];
  // A private mount namespace: the read-only tmpfs (mode 0755: a directory root may trust) is seen by
  // this command only.
  const readOnly = [
    'unshare',
    '--mount',
    'sh',
    '-c',
    `mount -t tmpfs -o ro,mode=0755 kcmp-ro "${dir}" && exec "$@"`,
    'sh',
  ];
  const ro = runCli(fds, { wrapper: [...readOnly, 'env', `KCMP_CACHE_DIR=${dir}`] });
  assert.equal(ro.code, 0, ro.stderr);
  assert.equal(ro.stderr, '');
  assert.equal(JSON.parse(ro.stdout).stats.engine, 'bpf');
  const opens = (run: number) => {
    const trace = join(dir, `trace${run}`);
    const r = runCli(fds, {
      wrapper: [
        'env',
        `KCMP_CACHE_DIR=${join(dir, 'cache')}`,
        'strace',
        '-f',
        '-qq',
        '-e',
        'trace=open,openat',
        '-o',
        trace,
      ],
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).stats.engine, 'bpf');
    return readFileSync(trace, 'utf8')
      .split('\n')
      .filter((l) => l.includes(VMLINUX_BTF)).length;
  };
  assert.ok(opens(1) > 0, 'the first run reads the BTF');
  assert.equal(opens(2), 0, 'the second uses the layout kept by the first');
});
