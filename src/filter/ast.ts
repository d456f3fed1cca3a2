// The parsed filter. snoop's language is untyped: every node yields an unsigned 32-bit value and
// primitives yield 1 or 0, so `and`/`or`/`not` and arithmetic mix freely (snoop-model.md §2.2).

/** Which address of a packet a qualifier selects. */
export type Dir = 'any' | 'src' | 'dst';

/** Where a `base[off:size]` access counts from. */
export type FieldBase = 'ether' | 'ip' | 'ip6' | 'udp' | 'tcp' | 'icmp';

export type ArithOp = '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^';
export type RelOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export interface Ipv6Prefix {
  addr: Uint8Array;
  bits: number;
}

/** The tests a primitive can make; `kernel` in bpf.ts says which of them classic BPF can run. */
export type Primitive =
  | { p: 'ethertype'; type: number }
  | { p: 'vlan' }
  | { p: 'vlan-id'; id: number }
  /** IPv4 protocol (v4 non-null) and/or IPv6 upper-layer protocol after extension headers (v6 non-null). */
  | { p: 'ipproto'; v4: number | null; v6: number | null }
  | { p: 'host'; dir: Dir; v4: number[]; v6: Uint8Array[] }
  | { p: 'between'; a: { v4: number[]; v6: Uint8Array[] }; b: { v4: number[]; v6: Uint8Array[] } }
  | { p: 'ether'; dir: Dir; mac: Uint8Array }
  | { p: 'net'; dir: Dir; v4: { addr: number; mask: number } | null; v6: Ipv6Prefix | null }
  | { p: 'port'; dir: Dir; port: number }
  | { p: 'broadcast' }
  | { p: 'multicast' }
  | { p: 'nofrag' }
  | { p: 'gateway'; mac: Uint8Array; v4: number[]; v6: Uint8Array[] }
  | { p: 'bootp' }
  | { p: 'dhcp6' }
  | { p: 'mld' }
  | { p: 'nd' }
  | { p: 'probe'; kind: number | null }
  | { p: 'target'; v4: number[]; v6: Uint8Array[] }
  | { p: 'group'; v4: number[]; v6: Uint8Array[] }
  | { p: 'direction'; dir: number }
  | { p: 'link'; index: number; name: string };

export type Node =
  | { kind: 'or'; left: Node; right: Node }
  | { kind: 'and'; left: Node; right: Node }
  | { kind: 'not'; operand: Node }
  | { kind: 'arith'; op: ArithOp; left: Node; right: Node }
  | { kind: 'rel'; op: RelOp; left: Node; right: Node }
  | { kind: 'num'; value: number }
  | { kind: 'length' }
  | { kind: 'load'; base: FieldBase; offset: Node; size: 1 | 2 | 4 }
  | { kind: 'prim'; prim: Primitive; text: string };

/** A compact, fully parenthesised rendering, used by the golden precedence tests and listings. */
export function show(n: Node): string {
  switch (n.kind) {
    case 'or':
      return `(${show(n.left)} or ${show(n.right)})`;
    case 'and':
      return `(${show(n.left)} and ${show(n.right)})`;
    case 'not':
      return `(not ${show(n.operand)})`;
    case 'arith':
    case 'rel':
      return `(${show(n.left)} ${n.op} ${show(n.right)})`;
    case 'num':
      return String(n.value);
    case 'length':
      return 'length';
    case 'load':
      return `${n.base}[${show(n.offset)}:${n.size}]`;
    case 'prim':
      return `{${n.text}}`;
  }
}
