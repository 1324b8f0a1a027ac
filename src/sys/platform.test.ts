import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { UnsupportedPlatformError } from '../errors.js';
import { syscallNumbers } from './platform.js';

test('syscall numbers for every supported ABI (kcmp and bpf)', () => {
  const numbers = {
    x64: [312, 321],
    ia32: [349, 357],
    arm: [378, 386],
    arm64: [272, 280],
    riscv64: [272, 280],
    loong64: [272, 280],
    ppc64: [354, 361],
    s390x: [343, 351],
  };
  for (const [arch, [kcmp, bpf]] of Object.entries(numbers)) {
    assert.deepEqual(
      syscallNumbers('linux', arch),
      { kcmp, pidfdOpen: 434, pidfdGetfd: 438, pidfdSendSignal: 424, bpf },
      arch,
    );
  }
});

test('another OS or an unknown ABI is refused with a typed one-line error', () => {
  assert.throws(() => syscallNumbers('darwin', 'arm64'), UnsupportedPlatformError);
  assert.throws(() => syscallNumbers('win32', 'x64'), /only on Linux, and this is win32/);
  assert.throws(() => syscallNumbers('linux', 'mips'), /no syscall numbers are known for .* mips/);
});

test('importing the package off Linux works; the first call throws UnsupportedPlatformError', () => {
  const script = `
    Object.defineProperty(process, 'platform', { value: 'darwin' });
    const kcmp = await import(${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)});
    try { kcmp.kcmp(1, 1, 'vm'); console.log('no error'); }
    catch (e) { console.log(e.name + ': ' + e.message); }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.stderr, '');
  assert.equal(r.stdout.trim(), 'UnsupportedPlatformError: kcmp(2) exists only on Linux, and this is darwin');
});
