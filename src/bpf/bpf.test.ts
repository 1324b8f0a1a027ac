/**
 * The pieces of the bpf engine below the kernel call: the assembler's encoding, the BTF reader on this
 * kernel's /sys/kernel/btf/vmlinux (skipped without it) and on malformed input, and the program built
 * from it, with and without names. Loading and reading are exercised end to end by test/fds-bpf.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mkfds } from '../../test/fixture/mkfds.js';
import { readSocketProtocol } from '../procfs/socket-protocol.js';
import { Assembler } from './asm.js';
import { Btf, BtfError, VMLINUX_BTF } from './btf.js';
import { loadProgram, TaskFileIterator, type TaskFileRecords } from './task-file-iter.js';
import { ITER_FUNC, RECORD, taskFileProgram } from './task-file-program.js';

const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

test('the assembler encodes opcode, registers, offset and immediate, and resolves jumps', (t) => {
  if (!little) return t.skip('the expected bytes below are little-endian');
  const code = new Assembler()
    .load(8, 7, 6, 24) // r7 = *(u64 *)(r6 + 24)
    .jeqImm(7, 0, 'out')
    .store(4, 10, -48, 2) // *(u32 *)(r10 - 48) = r2
    .label('out')
    .movImm(0, 0)
    .exit()
    .assemble();
  const hex = Buffer.from(code).toString('hex').match(/.{16}/g);
  assert.deepEqual(hex, [
    '7967180000000000', // 0x79 ldxdw, dst 7 src 6, off 24
    '1507010000000000', // 0x15 jeq r7, 0, +1 (skips the store)
    '632ad0ff00000000', // 0x63 stxw, regs 0x2a (src 2 high, dst 10 low), off -48
    'b700000000000000',
    '9500000000000000',
  ]);
  assert.throws(() => new Assembler().jeqImm(1, 0, 'nowhere').assemble(), /no label nowhere/);
});

test('BTF: struct members of this kernel, through anonymous unions; the program uses them', (t) => {
  if (!existsSync(VMLINUX_BTF)) return t.skip(`no ${VMLINUX_BTF} (CONFIG_DEBUG_INFO_BTF)`);
  const btf = Btf.load();
  assert.ok(btf.find('func', ITER_FUNC) > 0);
  assert.deepEqual(
    ['meta', 'task', 'fd', 'file'].map((f) => btf.member('bpf_iter__task_file', f)),
    [
      { offset: 0, size: 8 },
      { offset: 8, size: 8 },
      { offset: 16, size: 4 },
      { offset: 24, size: 8 },
    ],
    'the iterator context: three pointers (in anonymous unions) and a u32',
  );
  assert.equal(btf.member('file', 'f_inode').size, 8);
  assert.equal(btf.member('inode', 'i_mode').size, 2);
  assert.equal(btf.member('task_struct', 'tgid').size, 4);
  assert.throws(() => btf.member('file', 'no_such_member'), BtfError);
  assert.throws(() => btf.find('struct', 'no_such_struct_kcmp'), BtfError);
  for (const names of [false, true]) {
    for (const protocols of [false, true]) {
      for (const pids of ['initial', 'reader'] as const) {
        const program = taskFileProgram(btf, { names, protocols, pids });
        assert.equal(program.length % 8, 0);
        assert.equal(program[program.length - 8], 0x95, 'ends with exit');
      }
    }
  }
  const size = (names: boolean, pids: 'initial' | 'reader', protocols = false) =>
    taskFileProgram(btf, { names, protocols, pids }).length;
  assert.ok(size(true, 'initial') > size(false, 'initial'));
  assert.ok(size(false, 'initial', true) > size(false, 'initial'));
  assert.ok(size(false, 'reader') > size(false, 'initial'), 'a copy of the pid loads per namespace level');
  assert.equal(RECORD.size % 8, 0);
});

test('BTF: a file that is not BTF is refused with a BtfError', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-btf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bogus = join(dir, 'vmlinux');
  writeFileSync(bogus, Buffer.alloc(64, 0x41));
  assert.throws(() => Btf.load(bogus), BtfError);
  writeFileSync(bogus, Buffer.alloc(8));
  assert.throws(() => Btf.load(bogus), /too short/);
});

test('BTF: what is not a regular file of a sane size is refused before any read', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-btf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'dir'));
  writeFileSync(join(dir, 'huge'), '');
  truncateSync(join(dir, 'huge'), 1024 ** 3); // sparse: no disk used
  const cases: [string, RegExp][] = [
    ['/dev/zero', /^a character device, not a regular file$/], // read to its end, it never ends
    [join(dir, 'dir'), /^a directory, not a regular file$/],
    [join(dir, 'huge'), /^1073741824 bytes, more than any kernel's BTF/],
  ];
  if (spawnSync('mkfifo', [join(dir, 'fifo')]).status === 0) {
    cases.push([join(dir, 'fifo'), /^a FIFO, not a regular file$/]); // its open(2) waits for a writer
  } else t.diagnostic('mkfifo failed: the FIFO case is not run');
  for (const [path, message] of cases) {
    assert.throws(
      () => Btf.load(path),
      (e: unknown) => e instanceof BtfError && message.test(e.message),
      path,
    );
  }
});

/** A BTF file of these type records (u32 words) and strings, in this machine's byte order. */
function btfOf(types: number[], strings: string): Buffer {
  const header = [0xeb9f | (1 << 16), 24, 0, types.length * 4, types.length * 4, strings.length];
  return Buffer.concat([
    Buffer.from(new Uint32Array([...header, ...types]).buffer),
    Buffer.from(strings, 'latin1'),
  ]);
}

/** A path for a BTF file, in a directory removed after the test. */
function scratchBtf(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-btf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'vmlinux');
}

/** BTF kinds, in a type record's info word (bits 24–28). */
const INT = 1 << 24;
const STRUCT = 4 << 24;
const TYPEDEF = 8 << 24;

test('BTF: a malformed file that loops (typedefs in a cycle, a struct inside itself) is refused, not followed forever', (t) => {
  const path = scratchBtf(t);
  // id 1: struct "s" { <anonymous> of type `inner`; }, 8 bytes; ids 2 and 3: typedefs "t" of each other.
  const structWith = (inner: number) => [1, STRUCT | 1, 8, 0, inner, 0];
  const typedefs = [3, TYPEDEF, 3, 3, TYPEDEF, 2];
  writeFileSync(path, btfOf([...structWith(2), ...typedefs], '\0s\0t\0'));
  assert.throws(() => Btf.load(path).member('s', 'x'), /a chain of typedefs and qualifiers longer than 32/);
  writeFileSync(path, btfOf([...structWith(1), ...typedefs], '\0s\0t\0'));
  assert.throws(() => Btf.load(path).member('s', 'x'), /anonymous members nested deeper than 32/);
  const whole = btfOf([...structWith(1), ...typedefs], '\0s\0t\0');
  writeFileSync(path, whole.subarray(0, whole.length - 2));
  assert.throws(() => Btf.load(path), /malformed BTF header/, 'the strings end past the end of the file');
});

test("BTF: a name found where it shares a longer name's tail; an unknown kind is refused", (t) => {
  const path = scratchBtf(t);
  // id 1: int "xs" (4 bytes); id 2: struct "s" { xs x; }, its name the tail of "xs" (no "\0s\0" anywhere).
  const types = [1, INT, 4, 32, 2, STRUCT | 1, 4, 4, 1, 0];
  writeFileSync(path, btfOf(types, '\0xs\0x\0'));
  assert.equal(Btf.load(path).find('struct', 's'), 2);
  assert.deepEqual(Btf.load(path).member('s', 'x'), { offset: 0, size: 4 });
  writeFileSync(path, btfOf([...types, 0, 31 << 24, 0], '\0xs\0x\0'));
  assert.throws(() => Btf.load(path), /unknown BTF kind 31/);
});

test('the program with names and the one without read the same records; only the first carries names', async (t) => {
  if (process.getuid?.() !== 0 || !existsSync(VMLINUX_BTF)) return t.skip('loading BPF needs root and BTF');
  const f = await mkfds(t, 'dups');
  if (!f) return;
  const pid = f.pids.main as number;
  const read = (names: boolean, pids: 'initial' | 'reader' = 'initial') => {
    const iter = TaskFileIterator.load(VMLINUX_BTF, { names, protocols: names, pids });
    try {
      return { names: iter.names, records: iter.read(pid) };
    } finally {
      iter.close();
    }
  };
  const plain = read(false);
  const named = read(true);
  const readerPids = read(false, 'reader');
  if (!named.names) return t.skip('this kernel refuses bpf_d_path in iterators (before 5.12)');
  assert.equal(plain.names, false);
  assert.equal(plain.records.names, undefined);
  const mine = (r: TaskFileRecords) =>
    Array.from({ length: r.count }, (_, i) => [r.tid[i], r.fd[i], r.ino[i], r.mode[i]]).filter(
      ([tid]) => tid === pid,
    );
  assert.deepEqual(mine(plain.records), mine(named.records), 'the same fds, inodes and modes');
  // In the initial PID namespace the reader's numbers are task->tgid and task->pid (level 0).
  const ids = (r: TaskFileRecords) =>
    Array.from({ length: r.count }, (_, i) => [r.tgid[i], r.tid[i], r.fd[i]]);
  assert.ok(mine(readerPids.records).length > 0);
  assert.deepEqual(ids(readerPids.records), ids(plain.records), 'pids as the initial namespace numbers them');
  const names = named.records.names as NonNullable<TaskFileRecords['names']>;
  const nameOf = (fd: number) => {
    const i = Array.from(named.records.fd).findIndex((x, j) => x === fd && named.records.tid[j] === pid);
    const start = names.start[i] as number;
    return names.bytes.subarray(start, start + (names.length[i] as number)).toString();
  };
  assert.equal(nameOf(f.fds.file as number), readlinkSync(`/proc/${pid}/fd/${f.fds.file}`));
});

test("the pass reads each socket's protocol name as getxattr(system.sockprotoname) gives it, and none for other files", async (t) => {
  if (process.getuid?.() !== 0 || !existsSync(VMLINUX_BTF)) return t.skip('loading BPF needs root and BTF');
  const f = await mkfds(t, 'socket_protocols');
  if (!f) return;
  const pid = f.pids.main as number;
  const iter = TaskFileIterator.load(VMLINUX_BTF, {});
  let records: TaskFileRecords;
  try {
    if (!iter.protocols) return t.skip('this kernel withholds bpf_probe_read_kernel_str (lockdown)');
    records = iter.read(pid);
  } finally {
    iter.close();
  }
  const protocols = records.protocols as NonNullable<TaskFileRecords['protocols']>;
  const protocolOf = (fd: number) => {
    const i = Array.from(records.fd).findIndex((x, j) => x === fd && records.tid[j] === pid);
    assert.ok(i >= 0, `fd ${fd} is in the pass`);
    const id = protocols.id[i] as number;
    return id === 0 ? undefined : protocols.names[id - 1];
  };
  const expected: [string, string][] = [
    ['tcp', 'TCP'],
    ['udp', 'UDP'],
    ['udplite', 'UDP-Lite'],
    ['unixDgram', 'UNIX'],
  ];
  for (const [key, protocol] of expected) {
    const fd = f.fds[key] as number;
    assert.equal(protocolOf(fd), protocol, key);
    assert.equal(readSocketProtocol(pid, fd), protocol, `${key}: what the xattr says`);
  }
  assert.equal(protocolOf(f.fds.pipe as number), undefined, 'a pipe has no protocol');
});

test('a load the verifier gave up on for a pending signal (EAGAIN) is tried again, up to five times', () => {
  const EAGAIN = 11;
  /** A load that answers EAGAIN `refusals` times, then fd 42; it counts its calls. */
  const interrupted = (refusals: number) => {
    let calls = 0;
    const load = () => ({ fd: calls++ < refusals ? -EAGAIN : 42, log: '' });
    return { load, calls: () => calls };
  };
  const twice = interrupted(2);
  assert.equal(loadProgram(new Uint8Array(8), 1, 'a program', twice.load), 42);
  assert.equal(twice.calls(), 3, 'two refusals, then the load');
  const always = interrupted(Number.POSITIVE_INFINITY);
  assert.throws(() => loadProgram(new Uint8Array(8), 1, 'a program', always.load), /EAGAIN/);
  assert.equal(always.calls(), 6, 'five attempts, then one with the log');
});
