// Classic BPF: the instruction model, the `sock_filter[]` bytes SO_ATTACH_FILTER takes, and the
// code generator for the primitives the kernel can run (snoop-model.md §2.6; capture-linux.md §1).
//
// Register conventions of generated programs. On Ethernet the network header moves with the VLAN
// tags in the bytes; a prologue walks up to 4 tags (as the decoder does) and leaves M[0] = network
// header offset, M[1] = ethertype after the tags. Files keep every tag in the bytes. On live
// links Linux moves an outer 802.1Q/802.1ad tag into the skb before the socket filter runs (VLAN
// tests then use the SKF_AD ancillary loads) but leaves the inner tags of a stack, and any tag
// with another TPID, in the bytes: the prologue walks those, one fewer when the outer tag was
// taken, so live and file programs pick the same header. Protocol tests share a second
// prologue that leaves M[2] = IPv4 protocol, or 0x100 + the IPv6 upper-layer protocol after
// walking up to 8 extension headers, or 0x200 for anything else. Every path stores a memory word
// before any load of it, which the kernel's classic-BPF checker insists on.
import { LinkType } from '../capture/frame.js';
import type { Node, Primitive } from './ast.js';
import { prefixMaskByte } from './parser.js';

export const BPF = {
  LD: 0x00, LDX: 0x01, ST: 0x02, STX: 0x03, ALU: 0x04, JMP: 0x05, RET: 0x06, MISC: 0x07,
  W: 0x00, H: 0x08, B: 0x10,
  IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, LEN: 0x80, MSH: 0xa0,
  ADD: 0x00, SUB: 0x10, MUL: 0x20, DIV: 0x30, OR: 0x40, AND: 0x50, LSH: 0x60, RSH: 0x70, NEG: 0x80, MOD: 0x90, XOR: 0xa0,
  JA: 0x00, JEQ: 0x10, JGT: 0x20, JGE: 0x30, JSET: 0x40,
  K: 0x00, X: 0x08, A: 0x10,
  TAX: 0x00, TXA: 0x80,
} as const;

/** Linux ancillary loads: `ld [SKF_AD_OFF + n]` (linux/filter.h). */
export const SKF_AD_OFF = -0x1000;
export const SKF_AD = { PROTOCOL: 0, PKTTYPE: 4, IFINDEX: 8, VLAN_TAG: 44, VLAN_TAG_PRESENT: 48, VLAN_TPID: 60 } as const;

/** Accept length when the snaplen is 0 ("everything"): libpcap's MAXIMUM_SNAPLEN. */
export const MAX_SNAPLEN = 0x40000;

export interface BpfInsn {
  code: number;
  jt: number;
  jf: number;
  /** Unsigned 32-bit operand (negative ancillary offsets are stored as their u32 form). */
  k: number;
}

export class BpfProgram {
  constructor(readonly insns: readonly BpfInsn[]) {}

  /** struct sock_filter[]: u16 code, u8 jt, u8 jf, u32 k, little-endian, 8 bytes each. */
  toBuffer(): Buffer {
    const buf = Buffer.alloc(8 * this.insns.length);
    this.insns.forEach((insn, i) => {
      buf.writeUInt16LE(insn.code, 8 * i);
      buf.writeUInt8(insn.jt, 8 * i + 2);
      buf.writeUInt8(insn.jf, 8 * i + 3);
      buf.writeUInt32LE(insn.k >>> 0, 8 * i + 4);
    });
    return buf;
  }
}

/** What the kernel program is generated for. */
export interface KernelTarget {
  linkType: number;
  live: boolean;
  snaplen: number;
}

const KERNEL_PRIMITIVES = new Set<Primitive['p']>(['ethertype', 'vlan', 'vlan-id', 'ipproto', 'host', 'between', 'ether', 'net', 'broadcast', 'multicast']);

/** Network-header geometry of the link types we generate kernel code for. */
function linkGeometry(linkType: number): { typeOff: number; netOff: number } | null {
  switch (linkType) {
    case LinkType.ETHERNET:
      return { typeOff: 12, netOff: 14 };
    case LinkType.LINUX_SLL:
      return { typeOff: 14, netOff: 16 };
    case LinkType.LINUX_SLL2:
      return { typeOff: 0, netOff: 20 };
    default:
      return null;
  }
}

/** Can the kernel run `n`? Only and/or trees of the primitives above, on links we know. */
export function kernelCapable(n: Node, target: KernelTarget): boolean {
  if (!linkGeometry(target.linkType)) return false;
  switch (n.kind) {
    case 'and':
    case 'or':
      return kernelCapable(n.left, target) && kernelCapable(n.right, target);
    case 'prim':
      return KERNEL_PRIMITIVES.has(n.prim.p);
    default:
      return false;
  }
}

// --- a small assembler: symbolic labels, then layout with `ja` trampolines for far jumps ---

interface Label {
  at: number;
}

type Item = { kind: 'insn'; code: number; k: number; jt?: Label; jf?: Label } | { kind: 'label'; label: Label };

class Assembler {
  readonly items: Item[] = [];

  label(): Label {
    return { at: -1 };
  }

  place(label: Label): void {
    this.items.push({ kind: 'label', label });
  }

  op(code: number, k = 0): void {
    this.items.push({ kind: 'insn', code, k: k >>> 0 });
  }

  /** Conditional jump on A against k. */
  jump(cond: number, k: number, jt: Label, jf: Label): void {
    this.items.push({ kind: 'insn', code: BPF.JMP | cond | BPF.K, k: k >>> 0, jt, jf });
  }

  ja(target: Label): void {
    this.items.push({ kind: 'insn', code: BPF.JMP | BPF.JA, k: 0, jt: target });
  }

  private layout(): void {
    let pc = 0;
    for (const it of this.items) {
      if (it.kind === 'label') it.label.at = pc;
      else pc++;
    }
  }

  assemble(): BpfInsn[] {
    // Conditional offsets are 8 bits: a far target gets an unconditional `ja` next to the jump.
    for (;;) {
      this.layout();
      let pc = 0;
      let fixed = false;
      for (let i = 0; i < this.items.length && !fixed; i++) {
        const it = this.items[i];
        if (it.kind !== 'insn') continue;
        if (it.jf && (it.code & 0xf0) !== BPF.JA) {
          for (const side of ['jt', 'jf'] as const) {
            const target = it[side] as Label;
            if (target.at - (pc + 1) <= 255) continue;
            const hop = this.label();
            const skip = this.label();
            it[side] = hop;
            this.items.splice(i + 1, 0, { kind: 'insn', code: BPF.JMP | BPF.JA, k: 0, jt: skip }, { kind: 'label', label: hop }, { kind: 'insn', code: BPF.JMP | BPF.JA, k: 0, jt: target }, { kind: 'label', label: skip });
            fixed = true;
            break;
          }
        }
        pc++;
      }
      if (!fixed) break;
    }
    const out: BpfInsn[] = [];
    for (const it of this.items) {
      if (it.kind !== 'insn') continue;
      const pc = out.length;
      if ((it.code & 0x07) === BPF.JMP && (it.code & 0xf0) === BPF.JA) out.push({ code: it.code, jt: 0, jf: 0, k: (it.jt as Label).at - (pc + 1) });
      else if (it.jt && it.jf) out.push({ code: it.code, jt: it.jt.at - (pc + 1), jf: it.jf.at - (pc + 1), k: it.k });
      else out.push({ code: it.code, jt: 0, jf: 0, k: it.k });
    }
    return out;
  }
}

const TPIDS = [0x8100, 0x88a8, 0x9100];
/** The TPIDs whose outer tag Linux moves into the skb on receive (eth_type_vlan). */
const STRIPPED_TPIDS = [0x8100, 0x88a8];
const MAX_TAGS = 4;
const MAX_EXT = 8;
const V6_PROTO = 0x100;
const NO_PROTO = 0x200;
const M_NET = 0;
const M_TYPE = 1;
const M_PROTO = 2;
const M_TMP = 3;

function uses(n: Node, pred: (p: Primitive) => boolean): boolean {
  if (n.kind === 'and' || n.kind === 'or') return uses(n.left, pred) || uses(n.right, pred);
  return n.kind === 'prim' && pred(n.prim);
}

/** Generate the kernel program for a tree `kernelCapable` accepted. */
export function generateBpf(root: Node, target: KernelTarget): BpfProgram {
  return new CodeGen(target).run(root);
}

class CodeGen {
  private readonly a = new Assembler();
  private readonly typeOff: number;
  /** Fixed network offset, or null when M[0] holds it (Ethernet: VLAN tags may be in the bytes). */
  private readonly netOff: number | null;

  constructor(private readonly target: KernelTarget) {
    const geo = linkGeometry(target.linkType);
    if (!geo) throw new Error(`no kernel code for link type ${target.linkType}`);
    this.typeOff = geo.typeOff;
    this.netOff = target.linkType === LinkType.ETHERNET ? null : geo.netOff;
  }

  run(root: Node): BpfProgram {
    const { a } = this;
    const needsNet = uses(root, (p) => p.p !== 'vlan' && p.p !== 'vlan-id' && p.p !== 'ether' && p.p !== 'broadcast' && p.p !== 'multicast');
    if (needsNet && this.netOff === null) this.vlanPrologue();
    if (uses(root, (p) => p.p === 'ipproto')) this.protoPrologue();
    const accept = a.label();
    const reject = a.label();
    this.test(root, accept, reject);
    a.place(accept);
    a.op(BPF.RET | BPF.K, this.target.snaplen > 0 ? this.target.snaplen : MAX_SNAPLEN);
    a.place(reject);
    a.op(BPF.RET | BPF.K, 0);
    return new BpfProgram(a.assemble());
  }

  /** M[0] = network offset, M[1] = ethertype, after up to MAX_TAGS VLAN tags. */
  private vlanPrologue(): void {
    const { a } = this;
    const done = a.label();
    const walks = Array.from({ length: MAX_TAGS }, () => a.label());
    a.op(BPF.LDX | BPF.IMM, 12);
    if (this.target.live) {
      // The kernel took the outer tag: it counts as the first of the MAX_TAGS.
      a.op(BPF.LD | BPF.B | BPF.ABS, SKF_AD_OFF + SKF_AD.VLAN_TAG_PRESENT);
      a.jump(BPF.JEQ, 1, walks[1], walks[0]);
    }
    for (let i = 0; i < MAX_TAGS; i++) {
      const bump = a.label();
      a.place(walks[i]);
      a.op(BPF.LD | BPF.H | BPF.IND, 0);
      for (let j = 0; j < TPIDS.length; j++) {
        const next = a.label();
        a.jump(BPF.JEQ, TPIDS[j], bump, j === TPIDS.length - 1 ? done : next);
        a.place(next);
      }
      a.place(bump);
      a.op(BPF.MISC | BPF.TXA);
      a.op(BPF.ALU | BPF.ADD | BPF.K, 4);
      a.op(BPF.MISC | BPF.TAX);
    }
    a.op(BPF.LD | BPF.H | BPF.IND, 0);
    a.place(done);
    a.op(BPF.ST, M_TYPE);
    a.op(BPF.MISC | BPF.TXA);
    a.op(BPF.ALU | BPF.ADD | BPF.K, 2);
    a.op(BPF.ST, M_NET);
  }

  private loadType(): void {
    if (this.netOff === null) this.a.op(BPF.LD | BPF.MEM, M_TYPE);
    else this.a.op(BPF.LD | BPF.H | BPF.ABS, this.typeOff);
  }

  /** Load `size` bytes at network offset + off into A. */
  private loadNet(size: number, off: number): void {
    if (this.netOff !== null) {
      this.a.op(BPF.LD | size | BPF.ABS, this.netOff + off);
      return;
    }
    this.a.op(BPF.LDX | BPF.MEM, M_NET);
    this.a.op(BPF.LD | size | BPF.IND, off);
  }

  /** M[2] = protocol code (see the header comment). */
  private protoPrologue(): void {
    const { a } = this;
    const v4 = a.label();
    const check6 = a.label();
    const v6 = a.label();
    const none = a.label();
    const done6 = a.label();
    const end = a.label();
    this.loadType();
    a.jump(BPF.JEQ, 0x0800, v4, check6);
    a.place(check6);
    a.jump(BPF.JEQ, 0x86dd, v6, none);
    a.place(none);
    a.op(BPF.LD | BPF.IMM, NO_PROTO);
    a.op(BPF.ST, M_PROTO);
    a.ja(end);
    a.place(v4);
    this.loadNet(BPF.B, 9);
    a.op(BPF.ST, M_PROTO);
    a.ja(end);
    a.place(v6);
    // X = offset of the first header after the fixed IPv6 header, A = its type.
    this.loadNet(BPF.B, 6);
    if (this.netOff !== null) a.op(BPF.LDX | BPF.IMM, this.netOff + 40);
    else {
      a.op(BPF.ST, M_TMP);
      a.op(BPF.LD | BPF.MEM, M_NET);
      a.op(BPF.ALU | BPF.ADD | BPF.K, 40);
      a.op(BPF.MISC | BPF.TAX);
      a.op(BPF.LD | BPF.MEM, M_TMP);
    }
    for (let i = 0; i < MAX_EXT; i++) {
      const ext8 = a.label();
      const frag = a.label();
      const ah = a.label();
      const adv = a.label();
      const chain: Array<[number, Label]> = [[0, ext8], [43, ext8], [60, ext8], [135, ext8], [44, frag], [51, ah]];
      chain.forEach(([k, to], j) => {
        const next = a.label();
        a.jump(BPF.JEQ, k, to, j === chain.length - 1 ? done6 : next);
        a.place(next);
      });
      a.place(ext8);
      a.op(BPF.LD | BPF.B | BPF.IND, 1);
      a.op(BPF.ALU | BPF.ADD | BPF.K, 1);
      a.op(BPF.ALU | BPF.LSH | BPF.K, 3);
      a.ja(adv);
      a.place(frag);
      a.op(BPF.LD | BPF.IMM, 8);
      a.ja(adv);
      a.place(ah);
      a.op(BPF.LD | BPF.B | BPF.IND, 1);
      a.op(BPF.ALU | BPF.ADD | BPF.K, 2);
      a.op(BPF.ALU | BPF.LSH | BPF.K, 2);
      a.place(adv);
      a.op(BPF.ST, M_TMP);
      a.op(BPF.LD | BPF.B | BPF.IND, 0);
      a.op(BPF.ST, M_PROTO);
      a.op(BPF.LD | BPF.MEM, M_TMP);
      a.op(BPF.ALU | BPF.ADD | BPF.X);
      a.op(BPF.MISC | BPF.TAX);
      a.op(BPF.LD | BPF.MEM, M_PROTO);
    }
    a.place(done6);
    a.op(BPF.ALU | BPF.ADD | BPF.K, V6_PROTO);
    a.op(BPF.ST, M_PROTO);
    a.place(end);
  }

  private test(n: Node, t: Label, f: Label): void {
    const mid = this.a.label();
    if (n.kind === 'and') {
      this.test(n.left, mid, f);
      this.a.place(mid);
      this.test(n.right, t, f);
    } else if (n.kind === 'or') {
      this.test(n.left, t, mid);
      this.a.place(mid);
      this.test(n.right, t, f);
    } else if (n.kind === 'prim') this.primitive(n.prim, t, f);
    else throw new Error(`not a kernel node: ${n.kind}`);
  }

  /** Jump to t when the ethertype (after tags) is `type`, else to f. */
  private typeIs(type: number, t: Label, f: Label): void {
    this.loadType();
    this.a.jump(BPF.JEQ, type, t, f);
  }

  /** Compare `bytes` (masked) at network offset + off; all equal → t, else f. */
  private netBytesMatch(bytes: Uint8Array, mask: Uint8Array | null, off: number, t: Label, f: Label): void {
    const { a } = this;
    const wordAt = (b: Uint8Array, w: number): number => ((b[w] << 24) | (b[w + 1] << 16) | (b[w + 2] << 8) | b[w + 3]) >>> 0;
    const words: number[] = [];
    for (let w = 0; w < bytes.length; w += 4) if (!mask || wordAt(mask, w) !== 0) words.push(w);
    if (!words.length) {
      a.ja(t); // a zero-length prefix matches every packet of the family
      return;
    }
    words.forEach((w, i) => {
      const m = mask ? wordAt(mask, w) : 0xffffffff;
      const next = a.label();
      this.loadNet(BPF.W, off + w);
      if (m !== 0xffffffff) a.op(BPF.ALU | BPF.AND | BPF.K, m);
      a.jump(BPF.JEQ, (wordAt(bytes, w) & m) >>> 0, i === words.length - 1 ? t : next, f);
      a.place(next);
    });
  }

  /**
   * One family's address tests: for each address and each selected header field (src at
   * srcOff, dst at dstOff), any match → t; none → f.
   */
  private addressTests(type: number, addrs: Uint8Array[], mask: Uint8Array | null, dir: 'any' | 'src' | 'dst', srcOff: number, dstOff: number, t: Label, f: Label): void {
    const { a } = this;
    const offs = dir === 'src' ? [srcOff] : dir === 'dst' ? [dstOff] : [srcOff, dstOff];
    const body = a.label();
    this.typeIs(type, body, f);
    a.place(body);
    const total = addrs.length * offs.length;
    let k = 0;
    for (const addr of addrs) {
      for (const off of offs) {
        const next = ++k === total ? f : a.label();
        this.netBytesMatch(addr, mask, off, t, next);
        if (next !== f) a.place(next);
      }
    }
  }

  private hostTest(dir: 'any' | 'src' | 'dst', v4: number[], v6: Uint8Array[], t: Label, f: Label): void {
    const mid = v6.length ? this.a.label() : f;
    if (v4.length) this.addressTests(0x0800, v4.map(u32Bytes), null, dir, 12, 16, t, mid);
    if (v6.length) {
      if (mid !== f) this.a.place(mid);
      this.addressTests(0x86dd, v6, null, dir, 8, 24, t, f);
    }
  }

  private macMatch(mac: Uint8Array, off: number, t: Label, f: Label): void {
    const { a } = this;
    const next = a.label();
    a.op(BPF.LD | BPF.W | BPF.ABS, off + 2);
    a.jump(BPF.JEQ, ((mac[2] << 24) | (mac[3] << 16) | (mac[4] << 8) | mac[5]) >>> 0, next, f);
    a.place(next);
    a.op(BPF.LD | BPF.H | BPF.ABS, off);
    a.jump(BPF.JEQ, (mac[0] << 8) | mac[1], t, f);
  }

  /** Outer VLAN tag present → fall through with A = its TCI; absent → f. */
  private loadTci(f: Label): void {
    const { a } = this;
    const done = a.label();
    const tagged = a.label();
    if (this.target.live) {
      // Stripped into the skb, or (a TPID Linux does not strip) still in the bytes.
      const inSkb = a.label();
      const inBytes = a.label();
      a.op(BPF.LD | BPF.B | BPF.ABS, SKF_AD_OFF + SKF_AD.VLAN_TAG_PRESENT);
      a.jump(BPF.JEQ, 1, inSkb, inBytes);
      a.place(inSkb);
      a.op(BPF.LD | BPF.H | BPF.ABS, SKF_AD_OFF + SKF_AD.VLAN_TAG);
      a.ja(done);
      a.place(inBytes);
    }
    a.op(BPF.LD | BPF.H | BPF.ABS, 12);
    TPIDS.forEach((tpid, j) => {
      const next = a.label();
      a.jump(BPF.JEQ, tpid, tagged, j === TPIDS.length - 1 ? f : next);
      if (j < TPIDS.length - 1) a.place(next);
    });
    a.place(tagged);
    a.op(BPF.LD | BPF.H | BPF.ABS, 14);
    a.place(done);
  }

  private primitive(p: Primitive, t: Label, f: Label): void {
    const { a } = this;
    switch (p.p) {
      case 'ethertype': {
        if (this.netOff !== null) {
          this.typeIs(p.type, t, f);
          return;
        }
        // snoop: the outer type field, or the type after the VLAN tags.
        const inner = a.label();
        if (this.target.live) {
          // A tag Linux stripped was the outer type field; the skb keeps its TPID (Linux 4.x+).
          const outerInBytes = a.label();
          a.op(BPF.LD | BPF.B | BPF.ABS, SKF_AD_OFF + SKF_AD.VLAN_TAG_PRESENT);
          if (STRIPPED_TPIDS.includes(p.type)) {
            const strippedTag = a.label();
            a.jump(BPF.JEQ, 1, strippedTag, outerInBytes);
            a.place(strippedTag);
            a.op(BPF.LD | BPF.H | BPF.ABS, SKF_AD_OFF + SKF_AD.VLAN_TPID);
            a.jump(BPF.JEQ, p.type, t, inner);
          } else {
            a.jump(BPF.JEQ, 1, inner, outerInBytes);
          }
          a.place(outerInBytes);
        }
        a.op(BPF.LD | BPF.H | BPF.ABS, 12);
        a.jump(BPF.JEQ, p.type, t, inner);
        a.place(inner);
        this.typeIs(p.type, t, f);
        return;
      }
      case 'vlan': {
        this.loadTci(f);
        a.jump(BPF.JSET, 0x0fff, t, f);
        return;
      }
      case 'vlan-id': {
        this.loadTci(f);
        a.op(BPF.ALU | BPF.AND | BPF.K, 0x0fff);
        a.jump(BPF.JEQ, p.id, t, f);
        return;
      }
      case 'ipproto': {
        a.op(BPF.LD | BPF.MEM, M_PROTO);
        if (p.v4 !== null && p.v6 !== null) {
          const next = a.label();
          a.jump(BPF.JEQ, p.v4, t, next);
          a.place(next);
          a.jump(BPF.JEQ, V6_PROTO + p.v6, t, f);
        } else a.jump(BPF.JEQ, p.v4 ?? V6_PROTO + (p.v6 as number), t, f);
        return;
      }
      case 'host':
        this.hostTest(p.dir, p.v4, p.v6, t, f);
        return;
      case 'between': {
        const second = a.label();
        const aSrc = a.label();
        const bSrc = a.label();
        this.hostTest('src', p.a.v4, p.a.v6, aSrc, second);
        a.place(aSrc);
        this.hostTest('dst', p.b.v4, p.b.v6, t, second);
        a.place(second);
        this.hostTest('src', p.b.v4, p.b.v6, bSrc, f);
        a.place(bSrc);
        this.hostTest('dst', p.a.v4, p.a.v6, t, f);
        return;
      }
      case 'net': {
        const mid = p.v4 && p.v6 ? a.label() : f;
        if (p.v4) this.addressTests(0x0800, [u32Bytes(p.v4.addr)], u32Bytes(p.v4.mask), p.dir, 12, 16, t, mid);
        if (p.v6) {
          if (mid !== f) a.place(mid);
          const mask = new Uint8Array(16);
          for (let i = 0; i < 16; i++) mask[i] = prefixMaskByte(p.v6.bits, i);
          this.addressTests(0x86dd, [p.v6.addr], mask, p.dir, 8, 24, t, f);
        }
        return;
      }
      case 'ether': {
        if (p.dir === 'src') return this.macMatch(p.mac, 6, t, f);
        if (p.dir === 'dst') return this.macMatch(p.mac, 0, t, f);
        const src = a.label();
        this.macMatch(p.mac, 0, t, src);
        a.place(src);
        this.macMatch(p.mac, 6, t, f);
        return;
      }
      case 'broadcast':
        this.macMatch(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 0, t, f);
        return;
      case 'multicast':
        a.op(BPF.LD | BPF.B | BPF.ABS, 0);
        a.jump(BPF.JSET, 1, t, f);
        return;
      default:
        throw new Error(`not a kernel primitive: ${p.p}`);
    }
  }
}

function u32Bytes(v: number): Uint8Array {
  return Uint8Array.from([(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]);
}
