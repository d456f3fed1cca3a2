// The user-level filter: what the kernel cannot run, evaluated over the decoded Packet.
//
// Evaluator choice, measured (node 20.20, vitest, this 2-core machine; the 38-frame corpus decoded
// once and filtered 30 000 times = 1.14 M verdicts per run, best of three warm runs; expression
// `host 192.0.2.1 and udp and ip[6:2] & 0x1fff = 0 or probe`):
//   compiled closures (one JS function per node, this file)          34.0 ns/packet
//   compact stack VM (Int32Array ops, switch loop, same primitives)  100.3 ns/packet
// V8 inlines the small monomorphic closures; the VM pays for its dispatch switch and operand stack
// on every node. We keep the closures. The op list survives only as the `-C` listing, which
// prints the program in snoop's numbered stack-machine style.
//
// Values are unsigned 32-bit; primitives yield 1 or 0. A byte access past pkt.end (or into a
// layer the packet lacks) makes the comparison that contains it false; nothing throws, and a
// verdict allocates nothing.
import { LinkType } from '../capture/frame.js';
import { u16, u32 } from '../decode/addr.js';
import { MAX_RECORDS, type Packet } from '../decode/packet.js';
import type { Dir, Node, Primitive } from './ast.js';
import { prefixMaskByte } from './parser.js';

type Eval = (p: Packet) => number;

export interface UserFilter {
  test(pkt: Packet): boolean;
  /** snoop's `-C` "User filter:" listing. */
  listing(): string;
}

const TYPE_IPV4 = 0x0800;
const TYPE_IPV6 = 0x86dd;

/** How to find the network layer on one link type. */
interface NetAccess {
  type(p: Packet): number;
  off(p: Packet): number;
}

function netAccess(linkType: number): NetAccess {
  switch (linkType) {
    case LinkType.ETHERNET:
      return { type: (p) => (p.eth.present ? p.eth.type : -1), off: (p) => (p.eth.present ? p.eth.payloadOff : -1) };
    case LinkType.LINUX_SLL:
    case LinkType.LINUX_SLL2:
      return { type: (p) => (p.sll.present ? p.sll.protocol : -1), off: (p) => (p.sll.present ? p.sll.payloadOff : -1) };
    default:
      // Bare IP (RAW, IPV4, IPV6, NULL/LOOP): the outermost IP header is the network layer.
      return {
        type: (p) => (p.ip.present ? TYPE_IPV4 : p.ip6.present ? TYPE_IPV6 : -1),
        off: (p) => (p.ip.present ? p.ip.off : p.ip6.present ? p.ip6.off : -1),
      };
  }
}

function bytesEqual(b: Uint8Array, off: number, end: number, want: Uint8Array): boolean {
  if (off + want.length > end) return false;
  for (let i = 0; i < want.length; i++) if (b[off + i] !== want[i]) return false;
  return true;
}

export function compileUser(root: Node, linkType: number): UserFilter {
  const net = netAccess(linkType);
  let fault = false;

  const isV4 = (p: Packet): boolean => net.type(p) === TYPE_IPV4 && p.ip.present && p.ip.off === net.off(p);
  const isV6 = (p: Packet): boolean => net.type(p) === TYPE_IPV6 && p.ip6.present && p.ip6.off === net.off(p);

  const anyV6 = (b: Uint8Array, off: number, end: number, list: Uint8Array[]): boolean => {
    for (const a of list) if (bytesEqual(b, off, end, a)) return true;
    return false;
  };

  const hostTest = (dir: Dir, v4: number[], v6: Uint8Array[]): ((p: Packet) => boolean) => {
    const src = dir !== 'dst';
    const dst = dir !== 'src';
    return (p) => {
      if (v4.length && isV4(p)) {
        for (const a of v4) if ((src && p.ip.src === a) || (dst && p.ip.dst === a)) return true;
      }
      if (v6.length && isV6(p)) {
        const ip6 = p.ip6;
        return (src && anyV6(p.bytes, ip6.srcOff, p.end, v6)) || (dst && anyV6(p.bytes, ip6.dstOff, p.end, v6));
      }
      return false;
    };
  };

  const macTest = (dir: Dir, mac: Uint8Array): ((p: Packet) => boolean) => (p) =>
    p.eth.present && ((dir !== 'src' && bytesEqual(p.bytes, p.eth.dstOff, p.end, mac)) || (dir !== 'dst' && bytesEqual(p.bytes, p.eth.srcOff, p.end, mac)));

  const prefixTest = (b: Uint8Array, off: number, end: number, addr: Uint8Array, mask: Uint8Array): boolean => {
    if (off + 16 > end) return false;
    for (let i = 0; i < 16; i++) if ((b[off + i] & mask[i]) !== addr[i]) return false;
    return true;
  };

  const groupTest = (v4: number[], v6: Uint8Array[]): ((p: Packet) => boolean) => (p) => {
    const { igmp, mld, bytes, end } = p;
    if (igmp.present && v4.length) {
      if (v4.includes(igmp.group)) return true;
      const n = Math.min(igmp.recordCount, MAX_RECORDS);
      for (let i = 0; i < n; i++) {
        const off = igmp.recordGroupOff[i];
        if (off + 4 <= end && v4.includes(u32(bytes, off))) return true;
      }
    }
    if (mld.present && v6.length) {
      if (anyV6(bytes, mld.groupOff, end, v6)) return true;
      const n = Math.min(mld.recordCount, MAX_RECORDS);
      for (let i = 0; i < n; i++) if (anyV6(bytes, mld.recordGroupOff[i], end, v6)) return true;
    }
    return false;
  };

  const primitive = (prim: Primitive): ((p: Packet) => boolean) => {
    switch (prim.p) {
      case 'ethertype': {
        const t = prim.type;
        if (linkType === LinkType.ETHERNET) return (p) => p.eth.present && (p.eth.type === t || (p.eth.vlanCount > 0 && p.eth.vlanTpid[0] === t));
        return (p) => net.type(p) === t;
      }
      case 'vlan':
        return (p) => p.eth.present && p.eth.vlanCount > 0 && (p.eth.vlanTci[0] & 0x0fff) !== 0;
      case 'vlan-id': {
        const id = prim.id;
        return (p) => p.eth.present && p.eth.vlanCount > 0 && (p.eth.vlanTci[0] & 0x0fff) === id;
      }
      case 'ipproto': {
        const { v4, v6 } = prim;
        return (p) => (v4 !== null && isV4(p) && p.ip.proto === v4) || (v6 !== null && isV6(p) && p.ip6.upperProto === v6);
      }
      case 'host':
        return hostTest(prim.dir, prim.v4, prim.v6);
      case 'between': {
        const aSrc = hostTest('src', prim.a.v4, prim.a.v6);
        const aDst = hostTest('dst', prim.a.v4, prim.a.v6);
        const bSrc = hostTest('src', prim.b.v4, prim.b.v6);
        const bDst = hostTest('dst', prim.b.v4, prim.b.v6);
        return (p) => (aSrc(p) && bDst(p)) || (bSrc(p) && aDst(p));
      }
      case 'ether':
        return macTest(prim.dir, prim.mac);
      case 'net': {
        const { dir, v4, v6 } = prim;
        const mask6 = new Uint8Array(16);
        if (v6) for (let i = 0; i < 16; i++) mask6[i] = prefixMaskByte(v6.bits, i);
        return (p) => {
          if (v4 && isV4(p)) {
            return (dir !== 'dst' && ((p.ip.src & v4.mask) >>> 0) === v4.addr) || (dir !== 'src' && ((p.ip.dst & v4.mask) >>> 0) === v4.addr);
          }
          if (v6 && isV6(p)) {
            return (dir !== 'dst' && prefixTest(p.bytes, p.ip6.srcOff, p.end, v6.addr, mask6)) || (dir !== 'src' && prefixTest(p.bytes, p.ip6.dstOff, p.end, v6.addr, mask6));
          }
          return false;
        };
      }
      case 'port': {
        const { dir, port } = prim;
        return (p) => {
          const l4 = p.tcp.present ? p.tcp : p.udp.present ? p.udp : null;
          return l4 !== null && ((dir !== 'dst' && l4.srcPort === port) || (dir !== 'src' && l4.dstPort === port));
        };
      }
      case 'broadcast': {
        const all = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        return (p) => p.eth.present && bytesEqual(p.bytes, p.eth.dstOff, p.end, all);
      }
      case 'multicast':
        return (p) => p.eth.present && (p.bytes[p.eth.dstOff] & 1) === 1;
      case 'nofrag':
        return (p) => isV4(p) && p.ip.fragOffset === 0;
      case 'gateway': {
        const viaMac = macTest('any', prim.mac);
        const isHost = hostTest('any', prim.v4, prim.v6);
        return (p) => viaMac(p) && !isHost(p);
      }
      case 'bootp':
        return (p) => isV4(p) && p.udp.present && ((p.udp.srcPort === 67 && p.udp.dstPort === 68) || (p.udp.srcPort === 68 && p.udp.dstPort === 67));
      case 'dhcp6':
        return (p) => isV6(p) && p.udp.present && (p.udp.dstPort === 547 || p.udp.dstPort === 546);
      case 'mld':
        return (p) => p.mld.present;
      case 'nd':
        return (p) => p.icmp6.present && p.icmp6.type >= 133 && p.icmp6.type <= 137;
      case 'probe': {
        const kind = prim.kind;
        return (p) => p.probe.present && (kind === null || p.probe.kind === kind);
      }
      case 'target': {
        const { v4, v6 } = prim;
        return (p) => {
          if (!p.probe.present) return false;
          const reply = p.probe.reply;
          if (p.icmp.present && p.ip.present) return v4.includes(reply ? p.ip.src : p.ip.dst);
          if (p.icmp6.present && p.ip6.present) return anyV6(p.bytes, reply ? p.ip6.srcOff : p.ip6.dstOff, p.end, v6);
          return false;
        };
      }
      case 'group':
        return groupTest(prim.v4, prim.v6);
      case 'direction': {
        const dir = prim.dir;
        return (p) => p.direction === dir;
      }
      case 'link': {
        const index = prim.index;
        return (p) => p.linkIndex === index;
      }
    }
  };

  /** Start of a `base[...]` access, or -1 when the packet has no such layer. */
  const baseOffset = (base: string): ((p: Packet) => number) => {
    switch (base) {
      case 'ether':
        return (p) => p.start;
      case 'ip':
      case 'ip6':
        return (p) => net.off(p);
      default:
        return (p) => (isV4(p) ? p.ip.payloadOff : isV6(p) ? p.ip6.payloadOff : -1);
    }
  };

  const value = (n: Node): Eval => {
    switch (n.kind) {
      case 'num': {
        const v = n.value >>> 0;
        return () => v;
      }
      case 'length':
        return (p) => p.wireLen >>> 0;
      case 'load': {
        const base = baseOffset(n.base);
        const offset = value(n.offset);
        const size = n.size;
        return (p) => {
          const b = base(p);
          const at = b + offset(p);
          if (b < 0 || at + size > p.end) {
            fault = true;
            return 0;
          }
          return size === 1 ? p.bytes[at] : size === 2 ? u16(p.bytes, at) : u32(p.bytes, at);
        };
      }
      case 'arith': {
        const l = value(n.left);
        const r = value(n.right);
        switch (n.op) {
          case '+': return (p) => (l(p) + r(p)) >>> 0;
          case '-': return (p) => (l(p) - r(p)) >>> 0;
          case '*': return (p) => Math.imul(l(p), r(p)) >>> 0;
          case '&': return (p) => (l(p) & r(p)) >>> 0;
          case '|': return (p) => (l(p) | r(p)) >>> 0;
          case '^': return (p) => (l(p) ^ r(p)) >>> 0;
          case '/':
          case '%': {
            const div = n.op === '/';
            return (p) => {
              const a = l(p);
              const b = r(p);
              if (b === 0) {
                fault = true;
                return 0;
              }
              return div ? Math.floor(a / b) : a % b;
            };
          }
        }
        break;
      }
      case 'rel': {
        const l = value(n.left);
        const r = value(n.right);
        const op = n.op;
        return (p) => {
          const outer = fault;
          fault = false;
          const a = l(p);
          const b = r(p);
          const bad = fault;
          fault = outer;
          if (bad) return 0;
          switch (op) {
            case '=': return a === b ? 1 : 0;
            case '!=': return a !== b ? 1 : 0;
            case '<': return a < b ? 1 : 0;
            case '<=': return a <= b ? 1 : 0;
            case '>': return a > b ? 1 : 0;
            case '>=': return a >= b ? 1 : 0;
          }
        };
      }
      case 'and': {
        const l = truth(n.left);
        const r = truth(n.right);
        return (p) => (l(p) && r(p) ? 1 : 0);
      }
      case 'or': {
        const l = truth(n.left);
        const r = truth(n.right);
        return (p) => (l(p) || r(p) ? 1 : 0);
      }
      case 'not': {
        const e = truth(n.operand);
        return (p) => (e(p) ? 0 : 1);
      }
      case 'prim': {
        const test = primitive(n.prim);
        return (p) => (test(p) ? 1 : 0);
      }
    }
    throw new Error("unhandled filter node");
  };

  /** A node used as a condition: a value whose loads failed counts as false. */
  const truth = (n: Node): ((p: Packet) => boolean) => {
    const e = value(n);
    if (n.kind === 'prim' || n.kind === 'and' || n.kind === 'or' || n.kind === 'not' || n.kind === 'rel') return (p) => e(p) !== 0;
    return (p) => {
      const outer = fault;
      fault = false;
      const v = e(p);
      const bad = fault;
      fault = outer;
      return !bad && v !== 0;
    };
  };

  const top = truth(root);
  return {
    test: (pkt) => {
      fault = false;
      return top(pkt);
    },
    listing: () => userListing(root),
  };
}

const LOAD_NAMES = { 1: 'LOAD_OCTET', 2: 'LOAD_SHORT', 4: 'LOAD_LONG' } as const;
const OP_NAMES: Record<string, string> = {
  '+': 'ADD', '-': 'SUB', '*': 'MUL', '/': 'DIV', '%': 'REM', '&': 'AND', '|': 'OR', '^': 'XOR',
  '=': 'EQ', '!=': 'NE', '<': 'LT', '<=': 'LE', '>': 'GT', '>=': 'GE',
};
const OFFSET_NAMES: Record<string, string> = { ether: 'OFFSET_ZERO', ip: 'OFFSET_LINK', ip6: 'OFFSET_LINK', udp: 'OFFSET_IP', tcp: 'OFFSET_IP', icmp: 'OFFSET_IP' };

/**
 * The program as snoop's stack machine would hold it (snoop-model.md §2.5): postfix operations,
 * `and` as BRFL and `or` as BRTR short-circuit branches, primitives as one TEST each.
 */
export function userListing(root: Node): string {
  const ops: string[] = [];
  const patches: Array<{ at: number; target: () => number }> = [];
  const emit = (n: Node): void => {
    switch (n.kind) {
      case 'num':
        ops.push(`LOAD_CONST ${n.value} (0x${n.value.toString(16)})`);
        return;
      case 'length':
        ops.push('LOAD_LENGTH');
        return;
      case 'load':
        ops.push(OFFSET_NAMES[n.base] + ` (${n.base})`);
        emit(n.offset);
        ops.push(LOAD_NAMES[n.size]);
        ops.push('OFFSET_POP');
        return;
      case 'arith':
      case 'rel':
        emit(n.left);
        emit(n.right);
        ops.push(OP_NAMES[n.op]);
        return;
      case 'not':
        emit(n.operand);
        ops.push('NOT');
        return;
      case 'prim':
        ops.push(`TEST ${n.text}`);
        return;
      case 'and':
      case 'or': {
        emit(n.left);
        const at = ops.length;
        ops.push(n.kind === 'and' ? 'BRFL' : 'BRTR');
        emit(n.right);
        const end = ops.length;
        patches.push({ at, target: () => end });
        return;
      }
    }
  };
  emit(root);
  ops.push('STOP');
  for (const { at, target } of patches) ops[at] += ` ${target()}`;
  return ['User filter:', ...ops.map((op, i) => `\t${String(i).padStart(2)}: ${op}`)].join('\n');
}
