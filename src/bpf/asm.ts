/**
 * A tiny eBPF assembler: the few instructions task-file-program.ts needs, encoded as the kernel reads them
 * (Documentation/bpf/standardization/instruction-set.rst). One instruction is 8 bytes:
 *
 *   u8 opcode | u8 dst_reg:4 (low), src_reg:4 (high) | s16 offset | s32 immediate     (host byte order)
 *
 * Registers: r0 return value, r1–r5 helper arguments (clobbered by calls), r6–r9 callee-saved, r10 the
 * read-only frame pointer (512 bytes of stack below it). Jump offsets count instructions after the next
 * one; labels resolve them when the program is assembled.
 */

export type Reg = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;
export type Size = 1 | 2 | 4 | 8;

/** BPF_SIZE bits: B, H, W, DW. */
const SIZE_BITS: Readonly<Record<Size, number>> = { 1: 0x10, 2: 0x08, 4: 0x00, 8: 0x18 };
/** Opcodes: class | mode or operation | source (BPF_K immediate, BPF_X register); memory ones take SIZE_BITS. */
const OP = {
  LDX_MEM: 0x61, // BPF_LDX | BPF_MEM
  STX_MEM: 0x63, // BPF_STX | BPF_MEM
  ST_MEM: 0x62, // BPF_ST | BPF_MEM
  MOV64_REG: 0xbf, // BPF_ALU64 | BPF_MOV | BPF_X
  MOV64_IMM: 0xb7, // BPF_ALU64 | BPF_MOV | BPF_K
  ADD64_IMM: 0x07, // BPF_ALU64 | BPF_ADD | BPF_K
  AND64_IMM: 0x57, // BPF_ALU64 | BPF_AND | BPF_K
  JA: 0x05, // BPF_JMP | BPF_JA
  JEQ_IMM: 0x15, // BPF_JMP | BPF_JEQ | BPF_K
  JNE_IMM: 0x55, // BPF_JMP | BPF_JNE | BPF_K
  JNE_REG: 0x5d, // BPF_JMP | BPF_JNE | BPF_X
  JGT_IMM: 0x25, // BPF_JMP | BPF_JGT | BPF_K (unsigned)
  JSGT_IMM: 0x65, // BPF_JMP | BPF_JSGT | BPF_K (signed)
  JLT_IMM: 0xa5, // BPF_JMP | BPF_JLT | BPF_K (unsigned)
  JSLE_IMM: 0xd5, // BPF_JMP | BPF_JSLE | BPF_K (signed)
  CALL: 0x85, // BPF_JMP | BPF_CALL
  EXIT: 0x95, // BPF_JMP | BPF_EXIT
} as const;

interface Insn {
  op: number;
  dst: Reg;
  src: Reg;
  off: number;
  imm: number;
  /** A jump to this label: `off` is filled in by assemble(). */
  target?: string;
}

export class Assembler {
  private readonly insns: Insn[] = [];
  private readonly labels = new Map<string, number>();

  /** dst = *(size *)(src + off) */
  load(size: Size, dst: Reg, src: Reg, off: number): this {
    return this.emit(OP.LDX_MEM | SIZE_BITS[size], dst, src, off, 0);
  }

  /** *(size *)(dst + off) = src */
  store(size: Size, dst: Reg, off: number, src: Reg): this {
    return this.emit(OP.STX_MEM | SIZE_BITS[size], dst, src, off, 0);
  }

  /** *(size *)(dst + off) = imm */
  storeImm(size: Size, dst: Reg, off: number, imm: number): this {
    return this.emit(OP.ST_MEM | SIZE_BITS[size], dst, 0, off, imm);
  }

  mov(dst: Reg, src: Reg): this {
    return this.emit(OP.MOV64_REG, dst, src, 0, 0);
  }

  movImm(dst: Reg, imm: number): this {
    return this.emit(OP.MOV64_IMM, dst, 0, 0, imm);
  }

  addImm(dst: Reg, imm: number): this {
    return this.emit(OP.ADD64_IMM, dst, 0, 0, imm);
  }

  andImm(dst: Reg, imm: number): this {
    return this.emit(OP.AND64_IMM, dst, 0, 0, imm);
  }

  /** goto label */
  ja(label: string): this {
    return this.jump(OP.JA, 0, 0, label);
  }

  /** if (dst == imm) goto label */
  jeqImm(dst: Reg, imm: number, label: string): this {
    return this.jump(OP.JEQ_IMM, dst, imm, label);
  }

  /** if (dst > imm) goto label, unsigned */
  jgtImm(dst: Reg, imm: number, label: string): this {
    return this.jump(OP.JGT_IMM, dst, imm, label);
  }

  /** if (dst < imm) goto label, unsigned */
  jltImm(dst: Reg, imm: number, label: string): this {
    return this.jump(OP.JLT_IMM, dst, imm, label);
  }

  /** if (dst != imm) goto label */
  jneImm(dst: Reg, imm: number, label: string): this {
    return this.jump(OP.JNE_IMM, dst, imm, label);
  }

  /** if (dst != src) goto label */
  jneReg(dst: Reg, src: Reg, label: string): this {
    return this.jump(OP.JNE_REG, dst, 0, label, src);
  }

  /** if ((s64)dst > imm) goto label */
  jsgtImm(dst: Reg, imm: number, label: string): this {
    return this.jump(OP.JSGT_IMM, dst, imm, label);
  }

  /** if ((s64)dst <= imm) goto label */
  jsleImm(dst: Reg, imm: number, label: string): this {
    return this.jump(OP.JSLE_IMM, dst, imm, label);
  }

  /** Calls helper number `helper` (enum bpf_func_id). */
  call(helper: number): this {
    return this.emit(OP.CALL, 0, 0, 0, helper);
  }

  exit(): this {
    return this.emit(OP.EXIT, 0, 0, 0, 0);
  }

  label(name: string): this {
    this.labels.set(name, this.insns.length);
    return this;
  }

  /** The program's bytes. Throws for a jump to an unknown label. */
  assemble(): Uint8Array {
    const out = new Uint8Array(this.insns.length * 8);
    const view = new DataView(out.buffer);
    const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
    this.insns.forEach((insn, i) => {
      let off = insn.off;
      if (insn.target !== undefined) {
        const to = this.labels.get(insn.target);
        if (to === undefined) throw new Error(`bpf assembler: no label ${insn.target}`);
        off = to - (i + 1);
      }
      view.setUint8(i * 8, insn.op);
      view.setUint8(i * 8 + 1, little ? insn.dst | (insn.src << 4) : (insn.dst << 4) | insn.src);
      view.setInt16(i * 8 + 2, off, little);
      view.setInt32(i * 8 + 4, insn.imm, little);
    });
    return out;
  }

  private jump(op: number, dst: Reg, imm: number, label: string, src: Reg = 0): this {
    this.insns.push({ op, dst, src, off: 0, imm, target: label });
    return this;
  }

  private emit(op: number, dst: Reg, src: Reg, off: number, imm: number): this {
    this.insns.push({ op, dst, src, off, imm });
    return this;
  }
}
