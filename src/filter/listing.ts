// `tcpdump -d` style listing of a classic BPF program (libpcap's bpf_image format), used by -C.
import { BPF, SKF_AD, SKF_AD_OFF, type BpfInsn, type BpfProgram } from './bpf.js';

const AD_NAMES: Record<number, string> = {
  [SKF_AD.PROTOCOL]: 'proto',
  [SKF_AD.PKTTYPE]: 'type',
  [SKF_AD.IFINDEX]: 'ifidx',
  [SKF_AD.VLAN_TAG]: 'vlan_tci',
  [SKF_AD.VLAN_TAG_PRESENT]: 'vlanp',
  [SKF_AD.VLAN_TPID]: 'vlan_tpid',
};
const SIZE_SUFFIX: Record<number, string> = { [BPF.W]: '', [BPF.H]: 'h', [BPF.B]: 'b' };
const ALU_NAMES: Record<number, string> = {
  [BPF.ADD]: 'add', [BPF.SUB]: 'sub', [BPF.MUL]: 'mul', [BPF.DIV]: 'div', [BPF.MOD]: 'mod',
  [BPF.OR]: 'or', [BPF.AND]: 'and', [BPF.XOR]: 'xor', [BPF.LSH]: 'lsh', [BPF.RSH]: 'rsh', [BPF.NEG]: 'neg',
};
const JMP_NAMES: Record<number, string> = { [BPF.JEQ]: 'jeq', [BPF.JGT]: 'jgt', [BPF.JGE]: 'jge', [BPF.JSET]: 'jset' };

function hex(k: number): string {
  return `#0x${(k >>> 0).toString(16)}`;
}

/** Operator and operand of one instruction; jumps also give their absolute targets. */
function image(insn: BpfInsn, pc: number): { op: string; operand: string; jt?: number; jf?: number } {
  const { code, k } = insn;
  const mode = code & 0xe0;
  switch (code & 0x07) {
    case BPF.LD: {
      const op = 'ld' + SIZE_SUFFIX[code & 0x18];
      if (mode === BPF.ABS) {
        const ad = (k | 0) - SKF_AD_OFF;
        return { op, operand: (k | 0) < 0 && ad in AD_NAMES ? `[${AD_NAMES[ad]}]` : `[${k}]` };
      }
      if (mode === BPF.IND) return { op, operand: `[x + ${k}]` };
      if (mode === BPF.MEM) return { op, operand: `M[${k}]` };
      if (mode === BPF.LEN) return { op, operand: '#pktlen' };
      return { op, operand: hex(k) };
    }
    case BPF.LDX:
      if (mode === BPF.MSH) return { op: 'ldxb', operand: `4*([${k}]&0xf)` };
      if (mode === BPF.MEM) return { op: 'ldx', operand: `M[${k}]` };
      if (mode === BPF.LEN) return { op: 'ldx', operand: '#pktlen' };
      return { op: 'ldx', operand: hex(k) };
    case BPF.ST:
      return { op: 'st', operand: `M[${k}]` };
    case BPF.STX:
      return { op: 'stx', operand: `M[${k}]` };
    case BPF.ALU: {
      const op = ALU_NAMES[code & 0xf0] ?? 'alu?';
      if ((code & 0xf0) === BPF.NEG) return { op, operand: '' };
      if ((code & BPF.X) !== 0) return { op, operand: 'x' };
      return { op, operand: (code & 0xf0) === BPF.AND || (code & 0xf0) === BPF.OR ? hex(k) : `#${k}` };
    }
    case BPF.JMP: {
      if ((code & 0xf0) === BPF.JA) return { op: 'ja', operand: String(pc + 1 + k) };
      const operand = (code & BPF.X) !== 0 ? 'x' : hex(k);
      return { op: JMP_NAMES[code & 0xf0] ?? 'j?', operand, jt: pc + 1 + insn.jt, jf: pc + 1 + insn.jf };
    }
    case BPF.RET:
      return { op: 'ret', operand: (code & 0x18) === BPF.A ? 'a' : `#${k}` };
    default:
      return { op: (code & 0xf8) === BPF.TXA ? 'txa' : 'tax', operand: '' };
  }
}

export function bpfListing(prog: BpfProgram): string {
  return prog.insns
    .map((insn, pc) => {
      const { op, operand, jt, jf } = image(insn, pc);
      const head = `(${String(pc).padStart(3, '0')}) ${op.padEnd(8)} `;
      return jt === undefined ? (head + operand).trimEnd() : `${head}${operand.padEnd(16)} jt ${jt}\tjf ${jf}`;
    })
    .join('\n');
}
