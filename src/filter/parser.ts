// Recursive-descent parser with snoop's precedence (snoop-model.md §2.2), loosest first:
//   expression   := alternation { ("or" | ",") alternation }
//   alternation  := compare { ["and"] compare }        two terms side by side mean AND
//   compare      := add { relop add }
//   add          := mul { ("+" | "-" | "|" | "^") mul }
//   mul          := primary { ("*" | "/" | "%" | "&") primary }
//   primary      := FIELD "[" expression [":" 1|2|4] "]" | ("not" | "!") primary
//                 | "(" expression ")" | qualifier* primitive | NUMBER | address | hostname
// `not` takes one primary, so `not ip[0] & 0xf > 5` is `((not ip[0]) & 0xf) > 5`; `&` binds like
// `*`, so `ip[ip[0] & 0xf * 4 : 2]` is `ip[((ip[0] & 0xf) * 4):2]`.
import { parseIpv4, parseIpv6 } from '../decode/addr.js';
import { LinkType } from '../capture/frame.js';
import { ProbeKind } from '../decode/packet.js';
import { Direction } from '../capture/frame.js';
import type { ArithOp, Dir, FieldBase, Node, Primitive, RelOp } from './ast.js';
import { FilterSyntaxError } from './errors.js';
import { tokenize, type Token } from './lexer.js';
import { servicePort, type HostAddresses, type HostTable } from './names.js';

export interface ParseContext {
  hosts?: HostTable;
  linkNames?: readonly string[];
  linkType: number;
}

const REL_OPS: Record<string, RelOp> = { '=': '=', '==': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
const ADD_OPS = new Set(['+', '-', '|', '^']);
const MUL_OPS = new Set(['*', '/', '%', '&']);
const FIELD_BASES = new Set<FieldBase>(['ether', 'ip', 'ip6', 'udp', 'tcp', 'icmp']);

const ETHERTYPES: Record<string, number> = { ip: 0x0800, ip6: 0x86dd, arp: 0x0806, rarp: 0x8035 };
const PROTOCOLS: Record<string, [number | null, number | null]> = {
  tcp: [6, 6],
  udp: [17, 17],
  icmp: [1, null],
  icmp6: [null, 58],
  igmp: [2, null],
};
/** Primitives that take no argument and test one fixed thing. */
const SIMPLE: Record<string, Primitive> = {
  vlan: { p: 'vlan' },
  broadcast: { p: 'broadcast' },
  multicast: { p: 'multicast' },
  nofrag: { p: 'nofrag' },
  bootp: { p: 'bootp' },
  dhcp: { p: 'bootp' },
  dhcp6: { p: 'dhcp6' },
  mld: { p: 'mld' },
  nd: { p: 'nd' },
  probe: { p: 'probe', kind: null },
  'probe-multi': { p: 'probe', kind: ProbeKind.MULTI },
  'probe-rtt': { p: 'probe', kind: ProbeKind.RTT },
  inbound: { p: 'direction', dir: Direction.IN },
  outbound: { p: 'direction', dir: Direction.OUT },
};
/** Primitives that read the Ethernet header and so make no sense on other link types. */
const ETHERNET_ONLY = new Set(['vlan', 'vlan-id', 'broadcast', 'multicast', 'ether', 'gateway']);

function isEthernet(linkType: number): boolean {
  return linkType === LinkType.ETHERNET;
}

export function parseFilter(expression: string, ctx: ParseContext): Node {
  return new Parser(expression, ctx).parse();
}

class Parser {
  private readonly toks: Token[];
  private i = 0;

  constructor(
    private readonly src: string,
    private readonly ctx: ParseContext,
  ) {
    this.toks = tokenize(src);
  }

  parse(): Node {
    if (this.peek().kind === 'eof') this.fail('empty filter expression', this.peek());
    const n = this.expression();
    const t = this.peek();
    if (t.kind !== 'eof') this.fail(`unexpected '${t.text}'`, t);
    return n;
  }

  private peek(): Token {
    return this.toks[this.i];
  }

  private next(): Token {
    const t = this.toks[this.i];
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private fail(message: string, t: Token): never {
    throw new FilterSyntaxError(message, t.pos, this.src);
  }

  private isWord(t: Token, w: string): boolean {
    return t.kind === 'word' && t.text === w;
  }

  private isOp(t: Token, op: string): boolean {
    return t.kind === 'op' && t.text === op;
  }

  private expect(op: string): void {
    const t = this.peek();
    if (!this.isOp(t, op)) this.fail(t.kind === 'eof' ? `missing '${op}'` : `expected '${op}' but found '${t.text}'`, t);
    this.next();
  }

  /** Can `t` begin another term, making juxtaposition an implicit `and`? */
  private startsTerm(t: Token): boolean {
    if (t.kind === 'word') return t.text !== 'or' && t.text !== 'and';
    if (t.kind === 'op') return t.text === '(' || t.text === '!';
    return t.kind !== 'eof';
  }

  private expression(): Node {
    let n = this.alternation();
    while (this.isWord(this.peek(), 'or') || this.isOp(this.peek(), ',')) {
      this.next();
      n = { kind: 'or', left: n, right: this.alternation() };
    }
    return n;
  }

  private alternation(): Node {
    let n = this.compare();
    for (;;) {
      const t = this.peek();
      if (this.isWord(t, 'and')) this.next();
      else if (!this.startsTerm(t)) return n;
      n = { kind: 'and', left: n, right: this.compare() };
    }
  }

  private compare(): Node {
    let n = this.add();
    for (let t = this.peek(); t.kind === 'op' && t.text in REL_OPS; t = this.peek()) {
      this.next();
      n = { kind: 'rel', op: REL_OPS[t.text], left: n, right: this.add() };
    }
    return n;
  }

  private add(): Node {
    let n = this.mul();
    for (let t = this.peek(); t.kind === 'op' && ADD_OPS.has(t.text); t = this.peek()) {
      this.next();
      n = { kind: 'arith', op: t.text as ArithOp, left: n, right: this.mul() };
    }
    return n;
  }

  private mul(): Node {
    let n = this.primary();
    for (let t = this.peek(); t.kind === 'op' && MUL_OPS.has(t.text); t = this.peek()) {
      this.next();
      n = { kind: 'arith', op: t.text as ArithOp, left: n, right: this.primary() };
    }
    return n;
  }

  private prim(prim: Primitive, first: Token): Node {
    const last = this.toks[this.i - 1];
    return { kind: 'prim', prim, text: this.src.slice(first.pos, last.pos + last.text.length) };
  }

  private primary(): Node {
    const t = this.next();
    switch (t.kind) {
      case 'eof':
        return this.fail('unexpected end of expression', t);
      case 'number':
        return { kind: 'num', value: t.value };
      case 'ipv4':
      case 'ipv6':
        this.i--;
        return this.prim({ p: 'host', dir: 'any', ...this.hostArg('any') }, t);
      case 'ether':
        return this.prim({ p: 'ether', dir: 'any', mac: this.etherMac(t) }, t);
      case 'dotted':
        return this.fail(`partial address '${t.text}' is only allowed after 'net'`, t);
      case 'field':
        return this.field(t);
      case 'op':
        if (t.text === '(') {
          const n = this.expression();
          this.expect(')');
          return n;
        }
        if (t.text === '!') return { kind: 'not', operand: this.primary() };
        return this.fail(`unexpected '${t.text}'`, t);
      case 'word':
        return this.keyword(t);
    }
  }

  private field(t: Token): Node {
    if (!FIELD_BASES.has(t.text as FieldBase)) this.fail(`unknown field base '${t.text}'`, t);
    this.expect('[');
    const offset = this.expression();
    let size: 1 | 2 | 4 = 1;
    if (this.isOp(this.peek(), ':')) {
      this.next();
      const s = this.next();
      if (s.kind !== 'number' || (s.value !== 1 && s.value !== 2 && s.value !== 4)) this.fail('field size must be 1, 2 or 4', s);
      size = s.value as 1 | 2 | 4;
    }
    this.expect(']');
    return { kind: 'load', base: t.text as FieldBase, offset, size };
  }

  private number(what: string, max = 0xffffffff): number {
    const t = this.next();
    if (t.kind !== 'number') this.fail(`${what} must be a number`, t);
    if (t.value > max) this.fail(`${what} ${t.value} is out of range`, t);
    return t.value;
  }

  private keyword(t: Token): Node {
    const w = t.text;
    if (ETHERNET_ONLY.has(w) && !isEthernet(this.ctx.linkType)) this.fail(`'${w}' needs an Ethernet link`, t);
    if (w === 'not') return { kind: 'not', operand: this.primary() };
    if (w in ETHERTYPES) return this.prim({ p: 'ethertype', type: ETHERTYPES[w] }, t);
    if (w in PROTOCOLS) return this.prim({ p: 'ipproto', v4: PROTOCOLS[w][0], v6: PROTOCOLS[w][1] }, t);
    if (w in SIMPLE) return this.prim(SIMPLE[w], t);
    switch (w) {
      case 'length':
        return { kind: 'length' };
      case 'greater':
      case 'less':
        return { kind: 'rel', op: w === 'greater' ? '>' : '<', left: { kind: 'length' }, right: { kind: 'num', value: this.number(`'${w}' length`) } };
      case 'proto': {
        const n = this.number('protocol', 255);
        return this.prim({ p: 'ipproto', v4: n, v6: n }, t);
      }
      case 'ethertype':
        return this.prim({ p: 'ethertype', type: this.number('ethertype', 0xffff) }, t);
      case 'vlan-id':
        return this.prim({ p: 'vlan-id', id: this.number('VLAN id', 4095) }, t);
      case 'from':
      case 'src':
        return this.qualified('src', t);
      case 'to':
      case 'dst':
        return this.qualified('dst', t);
      case 'host':
      case 'inet':
      case 'inet6':
      case 'ether':
      case 'net':
      case 'port':
        this.i--;
        return this.qualified('any', t);
      case 'srcnet':
      case 'dstnet':
        return this.prim({ p: 'net', dir: w === 'srcnet' ? 'src' : 'dst', ...this.netArg() }, t);
      case 'srcport':
      case 'dstport':
        return this.prim({ p: 'port', dir: w === 'srcport' ? 'src' : 'dst', port: this.portArg() }, t);
      case 'between':
        return this.prim({ p: 'between', a: this.hostArg('any'), b: this.hostArg('any') }, t);
      case 'gateway': {
        const h = this.peek();
        if (h.kind !== 'word') this.fail("'gateway' needs a host name", h);
        const mac = this.ctx.hosts?.macOf(h.text);
        const addrs = this.hostArg('any');
        if (!mac) this.fail(`no Ethernet address known for '${h.text}'`, h);
        return this.prim({ p: 'gateway', mac, ...addrs }, t);
      }
      case 'target':
        return this.prim({ p: 'target', ...this.hostArg('any') }, t);
      case 'group':
        return this.prim({ p: 'group', ...this.hostArg('any') }, t);
      case 'link': {
        const n = this.next();
        const index = n.kind === 'word' ? (this.ctx.linkNames ?? []).indexOf(n.text) : -1;
        if (index < 0) this.fail(n.kind === 'word' ? `unknown link '${n.text}'` : "'link' needs a link name", n);
        return this.prim({ p: 'link', index, name: n.text }, t);
      }
    }
    this.i--;
    return this.prim({ p: 'host', dir: 'any', ...this.hostArg('any') }, t);
  }

  /** After optional from/to: host, net, port, ether, inet, inet6, or a bare address or name. */
  private qualified(dir: Dir, first: Token): Node {
    const t = this.peek();
    if (t.kind === 'word') {
      switch (t.text) {
        case 'host':
          this.next();
          return this.prim({ p: 'host', dir, ...this.hostArg('any') }, first);
        case 'inet':
        case 'inet6':
          this.next();
          if (this.isWord(this.peek(), 'host')) this.next();
          return this.prim({ p: 'host', dir, ...this.hostArg(t.text === 'inet' ? 'v4' : 'v6') }, first);
        case 'ether': {
          if (!isEthernet(this.ctx.linkType)) this.fail("'ether' needs an Ethernet link", t);
          this.next();
          // tcpdump's order (`ether src H`) is accepted as well as snoop's (`from ether H`).
          const q = this.peek();
          if (dir === 'any' && q.kind === 'word' && ['src', 'from', 'dst', 'to'].includes(q.text)) {
            this.next();
            dir = q.text === 'src' || q.text === 'from' ? 'src' : 'dst';
          }
          if (this.isWord(this.peek(), 'host')) this.next();
          return this.prim({ p: 'ether', dir, mac: this.etherMac(this.next()) }, first);
        }
        case 'net':
          this.next();
          return this.prim({ p: 'net', dir, ...this.netArg() }, first);
        case 'port':
          this.next();
          return this.prim({ p: 'port', dir, port: this.portArg() }, first);
      }
    }
    if (t.kind === 'ether') {
      if (!isEthernet(this.ctx.linkType)) this.fail('Ethernet addresses need an Ethernet link', t);
      return this.prim({ p: 'ether', dir, mac: this.etherMac(this.next()) }, first);
    }
    return this.prim({ p: 'host', dir, ...this.hostArg('any') }, first);
  }

  private etherMac(t: Token): Uint8Array {
    if (t.kind === 'ether') return Uint8Array.from(t.text.split(':').map((h) => parseInt(h, 16)));
    if (t.kind === 'word') {
      const mac = this.ctx.hosts?.macOf(t.text);
      if (mac) return mac;
      return this.fail(`unknown Ethernet host name '${t.text}'`, t);
    }
    return this.fail('expected an Ethernet address or name', t);
  }

  /** A host: dotted literal = IPv4 only, colon literal = IPv6 only, name = every address it has. */
  private hostArg(family: 'any' | 'v4' | 'v6'): HostAddresses {
    const t = this.next();
    if (t.kind === 'ipv4' && family !== 'v6') return { v4: [parseIpv4(t.text) as number], v6: [] };
    if (t.kind === 'ipv6' && family !== 'v4') return { v4: [], v6: [parseIpv6(t.text) as Uint8Array] };
    if (t.kind === 'word' || t.kind === 'field') {
      const found = this.ctx.hosts?.addressesOf(t.text);
      if (!found) return this.fail(`unknown host name '${t.text}'`, t);
      const v4 = family === 'v6' ? [] : found.v4;
      const v6 = family === 'v4' ? [] : found.v6;
      if (!v4.length && !v6.length) this.fail(`'${t.text}' has no ${family === 'v4' ? 'IPv4' : 'IPv6'} address`, t);
      return { v4, v6 };
    }
    if (t.kind === 'eof') return this.fail('missing host name or address', t);
    return this.fail(`expected a${family === 'v6' ? 'n IPv6' : family === 'v4' ? 'n IPv4' : ''} host name or address but found '${t.text}'`, t);
  }

  /** `net` argument: IPv4 (whole octets, or /bits) or an IPv6 prefix (default /128). */
  private netArg(): { v4: { addr: number; mask: number } | null; v6: { addr: Uint8Array; bits: number } | null } {
    const t = this.next();
    let bits: number | null = null;
    const prefixLen = (max: number): number | null => {
      if (!this.isOp(this.peek(), '/')) return null;
      this.next();
      return this.number('prefix length', max);
    };
    if (t.kind === 'ipv6') {
      bits = prefixLen(128) ?? 128;
      const addr = parseIpv6(t.text) as Uint8Array;
      for (let i = 0; i < 16; i++) addr[i] &= prefixMaskByte(bits, i);
      return { v4: null, v6: { addr, bits } };
    }
    if (t.kind !== 'ipv4' && t.kind !== 'dotted' && t.kind !== 'number') return this.fail(`expected a network number but found '${t.text || 'end of expression'}'`, t);
    const octets = t.kind === 'number' ? [t.value] : t.text.split('.').map(Number);
    if (octets.some((o) => o > 255)) this.fail(`bad network number '${t.text}'`, t);
    while (octets.length < 4) octets.push(0);
    const addr = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
    bits = prefixLen(32);
    if (bits === null) {
      // snoop: the mask covers every octet up to the last non-zero one.
      bits = 32;
      while (bits > 0 && ((addr >>> (32 - bits)) & 0xff) === 0) bits -= 8;
    }
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return { v4: { addr: (addr & mask) >>> 0, mask }, v6: null };
  }

  private portArg(): number {
    const t = this.next();
    if (t.kind === 'number') {
      if (t.value > 0xffff) this.fail(`port ${t.value} is out of range`, t);
      return t.value;
    }
    if (t.kind === 'word') {
      const port = servicePort(t.text);
      if (port !== undefined) return port;
      return this.fail(`unknown port name '${t.text}'`, t);
    }
    return this.fail('expected a port number or name', t);
  }
}

/** Mask byte `i` of an IPv6 prefix of `bits` bits. */
export function prefixMaskByte(bits: number, i: number): number {
  const left = bits - 8 * i;
  return left >= 8 ? 0xff : left <= 0 ? 0 : (0xff << (8 - left)) & 0xff;
}
