/**
 * A small reader of the kernel's BTF (BPF Type Format, Documentation/bpf/btf.rst), as exposed at
 * /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF, since 5.4; the sysfs file since 5.5): just enough to find
 * a type id by kind and name, and the byte offset and size of a (possibly nested) struct member. Struct
 * layouts differ between kernel versions and configurations; reading them here at run time is what makes
 * one program (task-file-program.ts) valid on every kernel, without a compiler or libbpf (this is what
 * libbpf's CO-RE relocations do, for the handful of fields we read).
 *
 * Layout: a header (magic 0xeb9f, version 1, flags, hdr_len, type_off, type_len, str_off, str_len), then
 * the type section — records of `struct btf_type { u32 name_off; u32 info; u32 size_or_type; }` followed
 * by kind-specific data, ids counted from 1 — and a string section of NUL-terminated names. The kernel
 * writes it in its own byte order, which is ours: a file in the other order is refused.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { O_PATH } from '../sys/fcntl.js';
import { fileTypeWords } from '../util/file-type.js';

export const VMLINUX_BTF = '/sys/kernel/btf/vmlinux';

/**
 * The largest BTF file read: vmlinux's is 5–6 MiB on distribution kernels (5,482,429 bytes on Linux 6.18
 * x86_64), a few tens of MiB with every option built in. A path chosen by KCMP_BTF may name anything.
 */
const MAX_BYTES = 256 * 2 ** 20;
/** The longest chain of typedefs and qualifiers followed, and the deepest nesting of anonymous members:
 * the kernel's own verifier stops at 32 (MAX_RESOLVE_DEPTH, kernel/bpf/btf.c). A malformed file may loop. */
const MAX_DEPTH = 32;

const KIND = {
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

export class BtfError extends Error {
  override readonly name = 'BtfError';
}

export interface Member {
  /** Bytes from the start of the outer struct. */
  offset: number;
  /** Bytes the member occupies (8 for a pointer). */
  size: number;
}

/** What a BPF program's builder asks of the kernel's BTF (Btf reads it; program-layout.ts replays it). */
export interface BtfLayout {
  /** The id of the type of kind `kind` named `name`. Throws BtfError when there is none. */
  find(kind: 'struct' | 'func', name: string): number;
  /** Member `name` of struct `struct`, looked up through anonymous structs and unions. */
  member(struct: string, name: string): Member;
  /** The size in bytes of struct `struct` (an element's stride in an array of them). */
  structSize(struct: string): number;
}

export class Btf implements BtfLayout {
  /** The file as 32-bit words (the type section is 4-byte aligned; the header too). */
  private readonly words: Uint32Array;
  private readonly strings: number;
  /** Word index of each type record, by type id (index 0 unused: id 0 is void). */
  private readonly at: Int32Array;
  private readonly count: number;
  private readonly found = new Map<string, number>();
  private readonly stringSection: Buffer;

  private constructor(private readonly bytes: Uint8Array) {
    if (bytes.length < 24 || bytes.byteOffset % 4 !== 0) throw new BtfError('not a BTF file (too short)');
    this.words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
    if (((this.words[0] as number) & 0xffff) ^ 0xeb9f) {
      throw new BtfError("not BTF in this machine's byte order (no magic 0xeb9f)");
    }
    const hdrLen = this.u32(4);
    const typeStart = hdrLen + this.u32(8);
    const typeEnd = typeStart + this.u32(12);
    this.strings = hdrLen + this.u32(16);
    const stringsEnd = this.strings + this.u32(20);
    if (typeStart % 4 !== 0 || typeEnd > bytes.length || stringsEnd > bytes.length) {
      throw new BtfError('malformed BTF header');
    }
    this.stringSection = Buffer.from(
      bytes.buffer,
      bytes.byteOffset + this.strings,
      stringsEnd - this.strings,
    );
    this.at = indexTypes(this.words, typeStart >>> 2, typeEnd >>> 2);
    this.count = this.at.length;
  }

  /**
   * Reads and indexes a BTF file. Throws the fs error, or BtfError for a file that is not a regular one of
   * at most MAX_BYTES, or is malformed.
   */
  static load(path: string = VMLINUX_BTF): Btf {
    return new Btf(readBounded(path));
  }

  /** The id of the type of kind `kind` named `name`. Throws BtfError when there is none. */
  find(kind: 'struct' | 'func', name: string): number {
    const key = `${kind} ${name}`;
    const known = this.found.get(key);
    if (known !== undefined) return known;
    const wanted = kind === 'struct' ? KIND.STRUCT : KIND.FUNC;
    // vmlinux BTF stores each distinct name once: find it in the string section (a native search), then
    // the type by its name offset — one compare per type, no string read; byte by byte only if the name
    // is stored more than once, or shares a longer name's tail (the format allows both).
    const at = this.stringSection.indexOf(`\0${name}\0`, 0, 'latin1');
    const target = Buffer.from(`${name}\0`, 'latin1');
    const id =
      (at < 0 ? 0 : this.typeNamed(wanted, (off) => off === at + 1)) ||
      this.typeNamed(wanted, (off) => this.nameIs(off, target));
    if (id === 0) throw new BtfError(`this kernel's BTF has no ${kind} ${name}`);
    this.found.set(key, id);
    return id;
  }

  /** Member `name` of struct `struct`, looked up through anonymous structs and unions. */
  member(struct: string, name: string): Member {
    const found = this.memberOf(this.find('struct', struct), Buffer.from(`${name}\0`, 'latin1'));
    if (!found) throw new BtfError(`this kernel's struct ${struct} has no member ${name}`);
    return found;
  }

  /** The size in bytes of struct `struct` (an element's stride in an array of them). */
  structSize(struct: string): number {
    return this.sizeOf(this.find('struct', struct));
  }

  private memberOf(id: number, target: Buffer, depth = 0): Member | undefined {
    if (depth > MAX_DEPTH) throw new BtfError(`anonymous members nested deeper than ${MAX_DEPTH}`);
    const w = this.at[id] as number;
    const kindFlag = ((this.words[w + 1] as number) & 0x80000000) !== 0;
    for (let i = 0, m = w + 3; i < this.vlen(w); i++, m += 3) {
      const raw = this.words[m + 2] as number;
      const bits = kindFlag ? raw & 0xffffff : raw;
      const type = this.words[m + 1] as number;
      if (this.words[m] === 0) {
        const inner = this.resolve(type);
        const k = this.kind(this.at[inner] as number);
        if (k !== KIND.STRUCT && k !== KIND.UNION) continue;
        const found = this.memberOf(inner, target, depth + 1);
        if (found) return { offset: bits / 8 + found.offset, size: found.size };
      } else if (this.nameIs(this.words[m] as number, target)) {
        if (bits % 8 !== 0)
          throw new BtfError(`member ${target.toString('latin1', 0, target.length - 1)} is a bitfield`);
        return { offset: bits / 8, size: this.sizeOf(type) };
      }
    }
    return undefined;
  }

  /** Skips typedefs and qualifiers. */
  private resolve(id: number): number {
    for (let hops = 0; hops <= MAX_DEPTH; hops++) {
      const w = this.at[id];
      if (w === undefined || id <= 0 || id >= this.count) throw new BtfError(`type id ${id} out of range`);
      const k = this.kind(w);
      if (
        k !== KIND.TYPEDEF &&
        k !== KIND.VOLATILE &&
        k !== KIND.CONST &&
        k !== KIND.RESTRICT &&
        k !== KIND.TYPE_TAG
      )
        return id;
      id = this.words[w + 2] as number;
    }
    throw new BtfError(`a chain of typedefs and qualifiers longer than ${MAX_DEPTH}`);
  }

  private sizeOf(id: number): number {
    const w = this.at[this.resolve(id)] as number;
    return this.kind(w) === KIND.PTR ? 8 : (this.words[w + 2] as number);
  }

  /** The first type of kind `kind` whose name offset passes `named`, or 0. */
  private typeNamed(kind: number, named: (nameOff: number) => boolean): number {
    const { at, words, count } = this;
    for (let id = 1; id < count; id++) {
      const w = at[id] as number;
      if ((((words[w + 1] as number) >>> 24) & 0x1f) === kind && named(words[w] as number)) return id;
    }
    return 0;
  }

  private nameIs(nameOff: number, target: Buffer): boolean {
    const s = this.strings + nameOff;
    for (let i = 0; i < target.length; i++) if (this.bytes[s + i] !== target[i]) return false;
    return true;
  }

  private kind(w: number): number {
    return ((this.words[w + 1] as number) >>> 24) & 0x1f;
  }

  private vlen(w: number): number {
    return (this.words[w + 1] as number) & 0xffff;
  }

  /** The 32-bit header field at byte offset `p`. */
  private u32(p: number): number {
    return this.words[p >>> 2] as number;
  }
}

/**
 * The bytes of file `path`, read within bounds. It is opened O_PATH first — no open(2) of a device, which
 * may act on being opened, nor a FIFO's wait for a writer — and refused unless it is a regular file of at
 * most MAX_BYTES; then the same inode is reopened for reading through /proc/self/fd (whatever the name
 * points to by then) and read up to the size fstat(2) gave: a file that grows meanwhile is cut there, one
 * that shrinks ends early. sysfs gives /sys/kernel/btf/vmlinux its real size (a bin_attribute, 5.5+).
 */
function readBounded(path: string): Buffer {
  const handle = openSync(path, O_PATH);
  try {
    const st = fstatSync(handle);
    if (!st.isFile()) throw new BtfError(`${fileTypeWords(st)}, not a regular file`);
    if (st.size > MAX_BYTES) {
      throw new BtfError(`${st.size} bytes, more than any kernel's BTF (at most ${MAX_BYTES} read)`);
    }
    const fd = openSync(`/proc/self/fd/${handle}`, 'r');
    try {
      const bytes = Buffer.allocUnsafeSlow(st.size); // its own memory at offset 0: the word view needs 4-byte alignment
      let length = 0;
      while (length < bytes.length) {
        const n = readSync(fd, bytes, length, bytes.length - length, null);
        if (n === 0) break;
        length += n;
      }
      return bytes.subarray(0, length);
    } finally {
      closeSync(fd);
    }
  } finally {
    closeSync(handle);
  }
}

/**
 * Words of kind-specific data after a type's 3-word record, as `FIXED[kind] + vlen * PER_MEMBER[kind]`
 * (Documentation/bpf/btf.rst, "Type Encoding"); FIXED is UNKNOWN for a kind this reader does not know
 * (its length cannot be known, so no type after it can be found).
 */
const UNKNOWN = 0xff;
const FIXED = new Uint8Array(32).fill(UNKNOWN);
const PER_MEMBER = new Uint8Array(32);
const LAYOUTS: [fixed: number, perMember: number, kinds: number[]][] = [
  [
    0,
    0,
    [
      KIND.PTR,
      KIND.FWD,
      KIND.TYPEDEF,
      KIND.VOLATILE,
      KIND.CONST,
      KIND.RESTRICT,
      KIND.FUNC,
      KIND.FLOAT,
      KIND.TYPE_TAG,
    ],
  ],
  [1, 0, [KIND.INT, KIND.VAR, KIND.DECL_TAG]],
  [3, 0, [KIND.ARRAY]],
  [0, 3, [KIND.STRUCT, KIND.UNION, KIND.DATASEC, KIND.ENUM64]],
  [0, 2, [KIND.ENUM, KIND.FUNC_PROTO]],
];
for (const [fixed, perMember, kinds] of LAYOUTS) {
  for (const kind of kinds) {
    FIXED[kind] = fixed;
    PER_MEMBER[kind] = perMember;
  }
}

/**
 * Word index of each type record, by id: a loop over ~150,000 records that runs once, cold (mostly in
 * V8's interpreter), so it does as little per record as it can — two table reads, no call, no branch
 * but the unknown kind's.
 */
function indexTypes(words: Uint32Array, from: number, to: number): Int32Array {
  const at = new Int32Array(Math.floor((to - from) / 3) + 1); // at most one record per 3 words
  let id = 1;
  for (let w = from; w < to; id++) {
    at[id] = w;
    const info = words[w + 1] as number;
    const kind = (info >>> 24) & 0x1f;
    const fixed = FIXED[kind] as number;
    if (fixed === UNKNOWN) throw new BtfError(`unknown BTF kind ${kind}`);
    w += 3 + fixed + (info & 0xffff) * (PER_MEMBER[kind] as number);
  }
  return at.subarray(0, id);
}
