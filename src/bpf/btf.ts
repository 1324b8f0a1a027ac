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

export class Btf {
  /** The file as 32-bit words (the type section is 4-byte aligned; the header too). */
  private readonly words: Uint32Array;
  private readonly strings: number;
  /** Word index of each type record, by type id (index 0 unused: id 0 is void). */
  private readonly at: Int32Array;
  private readonly count: number;
  private readonly found = new Map<string, number>();

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
    const known = this.found.get(`${kind} ${name}`);
    if (known !== undefined) return known;
    const wanted = kind === 'struct' ? KIND.STRUCT : KIND.FUNC;
    // vmlinux BTF stores each distinct name once: find it in the string section (a native search), then
    // the type by its name offset; byte by byte only if the name is stored more than once.
    const nameOff = this.nameOffset(name);
    const target = Buffer.from(`${name}\0`, 'latin1');
    for (const exact of [true, false]) {
      for (let id = 1; nameOff >= 0 && id < this.count; id++) {
        const w = this.at[id] as number;
        const off = this.words[w] as number;
        if (this.kind(w) !== wanted || (exact ? off !== nameOff : !this.nameIs(off, target))) continue;
        this.found.set(`${kind} ${name}`, id);
        return id;
      }
    }
    throw new BtfError(`this kernel's BTF has no ${kind} ${name}`);
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

  /** The offset of `name` in the string section, or -1. */
  private nameOffset(name: string): number {
    const section = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.strings);
    // The section starts with the empty string: every name follows a NUL.
    const at = section.indexOf(`\0${name}\0`, 0, 'latin1');
    return at < 0 ? -1 : at + 1;
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

/** Word index of each type record, by id (a loop over ~130,000 records: kept tight, it runs cold). */
function indexTypes(words: Uint32Array, from: number, to: number): Int32Array {
  const at = new Int32Array(Math.floor((to - from) / 3) + 1); // at most one record per 3 words
  let id = 1;
  for (let w = from; w < to; id++) {
    at[id] = w;
    const info = words[w + 1] as number;
    const vlen = info & 0xffff;
    w += 3 + extraWords((info >>> 24) & 0x1f, vlen);
  }
  return at.subarray(0, id);
}

/** Words of kind-specific data after a type's 3-word record. */
function extraWords(kind: number, vlen: number): number {
  switch (kind) {
    case KIND.INT:
    case KIND.VAR:
    case KIND.DECL_TAG:
      return 1;
    case KIND.ARRAY:
      return 3;
    case KIND.STRUCT:
    case KIND.UNION:
    case KIND.DATASEC:
    case KIND.ENUM64:
      return vlen * 3;
    case KIND.ENUM:
    case KIND.FUNC_PROTO:
      return vlen * 2;
    case KIND.PTR:
    case KIND.FWD:
    case KIND.TYPEDEF:
    case KIND.VOLATILE:
    case KIND.CONST:
    case KIND.RESTRICT:
    case KIND.FUNC:
    case KIND.FLOAT:
    case KIND.TYPE_TAG:
      return 0;
    default:
      throw new BtfError(`unknown BTF kind ${kind}`);
  }
}
