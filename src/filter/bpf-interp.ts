// Our own classic-BPF interpreter: runs the kernel program over a captured frame so files get
// exactly the verdict a live link's kernel would give, and so tests can check the code generator
// without a socket. Semantics follow Linux: a load past the captured bytes or a division by zero
// ends the program with 0 (reject); ancillary loads at SKF_AD_OFF + n read the values the caller
// supplies for the frame.
import { BPF, SKF_AD, SKF_AD_OFF, type BpfProgram } from './bpf.js';

/** Per-frame values the kernel knows from the skb rather than the bytes. */
export interface BpfAncillary {
  /** sll_pkttype (PacketType.*). */
  pktType: number;
  ifIndex: number;
  /** skb->protocol (the ethertype, host order). */
  protocol: number;
  /** 1 when the NIC stripped a VLAN tag, with its TCI in vlanTci. */
  vlanPresent: number;
  vlanTci: number;
  /** TPID of the stripped tag (0x8100 or 0x88a8); absent means 0x8100. */
  vlanTpid?: number;
}

/** A program packed as [code, jt, jf, k] quadruples for a fast loop. */
export type PackedBpf = Uint32Array;

export function packBpf(prog: BpfProgram): PackedBpf {
  const out = new Uint32Array(4 * prog.insns.length);
  prog.insns.forEach((insn, i) => out.set([insn.code, insn.jt, insn.jf, insn.k >>> 0], 4 * i));
  return out;
}

const AD_BASE = SKF_AD_OFF >>> 0;
const mem = new Uint32Array(16);

function ancillary(k: number, anc: BpfAncillary): number {
  switch (k - AD_BASE) {
    case SKF_AD.PROTOCOL:
      return anc.protocol;
    case SKF_AD.PKTTYPE:
      return anc.pktType;
    case SKF_AD.IFINDEX:
      return anc.ifIndex;
    case SKF_AD.VLAN_TAG:
      return anc.vlanTci;
    case SKF_AD.VLAN_TAG_PRESENT:
      return anc.vlanPresent;
    case SKF_AD.VLAN_TPID:
      return anc.vlanPresent ? (anc.vlanTpid ?? 0x8100) : 0;
    default:
      return 0;
  }
}

/** Load `size` bytes big-endian at absolute index `at`, or -1 when they were not captured. */
function load(b: Uint8Array, at: number, size: number, end: number): number {
  if (at < 0 || at + size > end) return -1;
  if (size === 1) return b[at];
  if (size === 2) return (b[at] << 8) | b[at + 1];
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

const SIZES = [4, 2, 1];

/**
 * Run `prog` over bytes [start, end) of a frame whose wire length is `wireLen`; returns the
 * accepted length (0 = reject). Allocates nothing.
 */
export function runBpf(prog: PackedBpf, bytes: Uint8Array, start: number, end: number, wireLen: number, anc: BpfAncillary): number {
  let A = 0;
  let X = 0;
  const n = prog.length;
  for (let pc = 0; pc < n; pc += 4) {
    const code = prog[pc];
    const k = prog[pc + 3];
    switch (code & 0x07) {
      case BPF.LD: {
        const mode = code & 0xe0;
        const size = SIZES[(code >> 3) & 3];
        if (mode === BPF.ABS) {
          if (k >= AD_BASE) A = ancillary(k, anc);
          else if ((A = load(bytes, start + k, size, end)) < 0) return 0;
        } else if (mode === BPF.IND) {
          const off = (X + k) >>> 0;
          if ((A = load(bytes, start + off, size, end)) < 0) return 0;
        } else if (mode === BPF.IMM) A = k;
        else if (mode === BPF.MEM) A = mem[k & 15];
        else if (mode === BPF.LEN) A = wireLen;
        break;
      }
      case BPF.LDX: {
        const mode = code & 0xe0;
        if (mode === BPF.IMM) X = k;
        else if (mode === BPF.MEM) X = mem[k & 15];
        else if (mode === BPF.LEN) X = wireLen;
        else if (mode === BPF.MSH) {
          const v = load(bytes, start + k, 1, end);
          if (v < 0) return 0;
          X = (v & 0x0f) << 2;
        }
        break;
      }
      case BPF.ST:
        mem[k & 15] = A;
        break;
      case BPF.STX:
        mem[k & 15] = X;
        break;
      case BPF.ALU: {
        const v = (code & BPF.X) !== 0 ? X : k;
        switch (code & 0xf0) {
          case BPF.ADD: A = (A + v) >>> 0; break;
          case BPF.SUB: A = (A - v) >>> 0; break;
          case BPF.MUL: A = Math.imul(A, v) >>> 0; break;
          case BPF.DIV: if (v === 0) return 0; A = Math.floor(A / v) >>> 0; break;
          case BPF.MOD: if (v === 0) return 0; A = (A % v) >>> 0; break;
          case BPF.OR: A = (A | v) >>> 0; break;
          case BPF.AND: A = (A & v) >>> 0; break;
          case BPF.XOR: A = (A ^ v) >>> 0; break;
          case BPF.LSH: A = v >= 32 ? 0 : (A << v) >>> 0; break;
          case BPF.RSH: A = v >= 32 ? 0 : A >>> v; break;
          case BPF.NEG: A = -A >>> 0; break;
        }
        break;
      }
      case BPF.JMP: {
        const op = code & 0xf0;
        if (op === BPF.JA) {
          pc += 4 * k;
          break;
        }
        const v = (code & BPF.X) !== 0 ? X : k;
        let cond: boolean;
        if (op === BPF.JEQ) cond = A === v;
        else if (op === BPF.JGT) cond = A > v;
        else if (op === BPF.JGE) cond = A >= v;
        else cond = (A & v) !== 0;
        pc += 4 * (cond ? prog[pc + 1] : prog[pc + 2]);
        break;
      }
      case BPF.RET:
        return (code & 0x18) === BPF.A ? A : k;
      case BPF.MISC:
        if ((code & 0xf8) === BPF.TXA) A = X;
        else X = A;
        break;
    }
  }
  return 0;
}
