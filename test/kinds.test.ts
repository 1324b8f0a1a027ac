/**
 * TYPE names of the kinds that need more than st_mode (mkfds `kinds`): the kernel's anon-inode names with
 * their quirks (`bpf_link` with an underscore, `kvm-vcpu:0` with the vcpu id appended), files known by
 * their filesystem (a POSIX mqueue, a memfd_secret), and an O_PATH fd on a symlink — as `kcmp fds` types
 * them, lsfd's names where it has one (kinds.ts). A kind this kernel or these rights cannot make is
 * skipped with the fixture's reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkfds } from './fixture/mkfds.js';
import { fdsJson } from './helpers/fds.js';

const EXPECTED: Readonly<Record<string, string>> = {
  kvmVm: 'kvm-vm',
  kvmVcpu: 'kvm-vcpu',
  kvmVcpuStats: 'kvm-vcpu-stats',
  bpfMap: 'bpf-map',
  bpfProg: 'bpf-prog',
  bpfLink: 'bpf-link',
  mqueue: 'mqueue',
  secretmem: 'memfd_secret',
  symlink: 'LINK',
};

test('kcmp fds types each kind by its kernel name, as lsfd does', async (t) => {
  const f = await mkfds(t, 'kinds');
  if (!f) return;
  const main = f.pids.main as number;
  const report = fdsJson(['-p', String(main), '--all']);
  const typeOf = new Map<number, string>();
  const nameOf = new Map<number, string>();
  for (const d of report.descriptions) {
    for (const h of d.holders) {
      typeOf.set(h.fd, d.type);
      nameOf.set(h.fd, d.name);
    }
  }
  for (const [name, type] of Object.entries(EXPECTED)) {
    await t.test(name, (st) => {
      const fd = f.fds[name];
      if (fd === undefined) return st.skip(String(f.values[`${name}Skip`]));
      assert.equal(typeOf.get(fd), type, `fd ${fd} (${nameOf.get(fd)})`);
    });
  }
  if (f.fds.kvmVcpu !== undefined) assert.equal(nameOf.get(f.fds.kvmVcpu), 'anon_inode:kvm-vcpu:0');
});
