// Frame builders: correct-to-the-byte packets for tests, fixtures, benchmarks and our own
// sender. Each builder returns a fresh Uint8Array; checksums are computed unless a test asks
// for a wrong one (`badChecksum`). Not used on the capture hot path.
import { ipv4PseudoSum, ipv6PseudoSum, onesSum, parseIpv4, parseIpv6 } from '../decode/addr.js';

export const EtherType = { IPV4: 0x0800, ARP: 0x0806, RARP: 0x8035, VLAN: 0x8100, QINQ: 0x88a8, IPV6: 0x86dd } as const;
export const IpProto = { HOPOPT: 0, ICMP: 1, IGMP: 2, IPIP: 4, TCP: 6, UDP: 17, IPV6: 41, ROUTING: 43, FRAGMENT: 44, ICMPV6: 58, NONE: 59, DSTOPTS: 60 } as const;

/** The parts one after another in a new array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function put16(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 8) & 255;
  b[off + 1] = v & 255;
}

function put32(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 24) & 255;
  b[off + 1] = (v >>> 16) & 255;
  b[off + 2] = (v >>> 8) & 255;
  b[off + 3] = v & 255;
}

export function mac(text: string): Uint8Array {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6) throw new Error(`bad MAC address: ${text}`);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

export function ip4(text: string): number {
  const v = parseIpv4(text);
  if (v === null) throw new Error(`bad IPv4 address: ${text}`);
  return v;
}

export function ip6(text: string): Uint8Array {
  const v = parseIpv6(text);
  if (v === null) throw new Error(`bad IPv6 address: ${text}`);
  return v;
}

/** Ethernet multicast MAC for an IPv4 group (01:00:5e + low 23 bits). */
export function ipv4MulticastMac(group: string): string {
  const g = ip4(group);
  const b = [0x01, 0x00, 0x5e, (g >>> 16) & 0x7f, (g >>> 8) & 255, g & 255];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Ethernet multicast MAC for an IPv6 group (33:33 + low 32 bits). */
export function ipv6MulticastMac(group: string): string {
  const g = ip6(group);
  return [0x33, 0x33, g[12], g[13], g[14], g[15]].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export interface EtherOptions {
  dst: string;
  src: string;
  type: number;
  /** VLAN IDs outermost first; the outer tag of a stack uses 802.1ad when `qinq` is set. */
  vlan?: number[];
  qinq?: boolean;
  /** Pad to the 60-byte minimum as a NIC would (default true). */
  pad?: boolean;
}

export function ether(o: EtherOptions, payload: Uint8Array): Uint8Array {
  const tags = o.vlan ?? [];
  const hdr = new Uint8Array(14 + 4 * tags.length);
  hdr.set(mac(o.dst), 0);
  hdr.set(mac(o.src), 6);
  let off = 12;
  tags.forEach((vid, i) => {
    put16(hdr, off, o.qinq && i === 0 && tags.length > 1 ? EtherType.QINQ : EtherType.VLAN);
    put16(hdr, off + 2, vid & 0x0fff);
    off += 4;
  });
  put16(hdr, off, o.type);
  const frame = concatBytes(hdr, payload);
  if (o.pad === false || frame.length >= 60) return frame;
  return concatBytes(frame, new Uint8Array(60 - frame.length));
}

export interface Ipv4Options {
  src: string;
  dst: string;
  proto: number;
  ttl?: number;
  tos?: number;
  id?: number;
  df?: boolean;
  mf?: boolean;
  /** Fragment offset in bytes (multiple of 8). */
  fragOffset?: number;
  routerAlert?: boolean;
  badChecksum?: boolean;
  /** Fill in the UDP/TCP checksum with the pseudo-header (default true). */
  upperChecksum?: boolean;
}

export function ipv4(o: Ipv4Options, payload: Uint8Array): Uint8Array {
  const optLen = o.routerAlert ? 4 : 0;
  const h = new Uint8Array(20 + optLen);
  h[0] = 0x40 | ((20 + optLen) >> 2);
  h[1] = o.tos ?? 0;
  put16(h, 2, h.length + payload.length);
  put16(h, 4, o.id ?? 0);
  put16(h, 6, ((o.df ? 2 : 0) << 13) | ((o.mf ? 1 : 0) << 13) | ((o.fragOffset ?? 0) >> 3));
  h[8] = o.ttl ?? 64;
  h[9] = o.proto;
  const src = ip4(o.src);
  const dst = ip4(o.dst);
  put32(h, 12, src);
  put32(h, 16, dst);
  if (o.routerAlert) h.set([0x94, 0x04, 0x00, 0x00], 20);
  put16(h, 10, (~onesSum(h, 0, h.length) & 0xffff) ^ (o.badChecksum ? 0x5a5a : 0));
  const body = Uint8Array.from(payload);
  if (o.upperChecksum !== false && !o.fragOffset) fillTransportChecksum(body, o.proto, ipv4PseudoSum(src, dst, body.length, o.proto));
  return concatBytes(h, body);
}

export interface Ipv6Options {
  src: string;
  dst: string;
  /** Upper-layer protocol (after any extension headers built here). */
  nxt: number;
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
  /** Hop-by-hop header with a Router Alert (MLD), padded the Linux way (PadN) or illumos way (Pad1 Pad1). */
  routerAlert?: 'padn' | 'pad1';
  /** Raw extension headers to insert after hop-by-hop: [type, bytes-without-next-header-byte]. */
  ext?: Array<{ type: number; body: Uint8Array }>;
  upperChecksum?: boolean;
}

export function ipv6(o: Ipv6Options, payload: Uint8Array): Uint8Array {
  const exts: Array<{ type: number; body: Uint8Array }> = [];
  if (o.routerAlert) {
    const pad = o.routerAlert === 'padn' ? [0x01, 0x00] : [0x00, 0x00];
    exts.push({ type: IpProto.HOPOPT, body: Uint8Array.from([0x00, 0x05, 0x02, 0x00, 0x00, ...pad]) });
  }
  exts.push(...(o.ext ?? []));
  const extBytes: Uint8Array[] = exts.map((e, i) => {
    const b = concatBytes(new Uint8Array(1), e.body);
    b[0] = i + 1 < exts.length ? exts[i + 1].type : o.nxt;
    return b;
  });
  const body = Uint8Array.from(payload);
  const src = ip6(o.src);
  const dst = ip6(o.dst);
  const h = new Uint8Array(40);
  h.set(src, 8);
  h.set(dst, 24);
  if (o.upperChecksum !== false) fillTransportChecksum(body, o.nxt, ipv6PseudoSum(h, 8, 24, body.length, o.nxt));
  const ext = concatBytes(...extBytes);
  const tc = o.trafficClass ?? 0;
  put32(h, 0, ((6 << 28) | (tc << 20) | ((o.flowLabel ?? 0) & 0xfffff)) >>> 0);
  put16(h, 4, ext.length + body.length);
  h[6] = exts.length ? exts[0].type : o.nxt;
  h[7] = o.hopLimit ?? 64;
  return concatBytes(h, ext, body);
}

/** Write the checksum of a UDP, TCP or ICMPv6 message whose checksum field is zero. */
function fillTransportChecksum(body: Uint8Array, proto: number, pseudo: number): void {
  const at = proto === IpProto.UDP ? 6 : proto === IpProto.TCP ? 16 : proto === IpProto.ICMPV6 ? 2 : -1;
  if (at < 0 || body.length < at + 2 || body[at] !== 0 || body[at + 1] !== 0) return;
  let sum = ~onesSum(body, 0, body.length, pseudo) & 0xffff;
  if (proto === IpProto.UDP && sum === 0) sum = 0xffff;
  put16(body, at, sum);
}

/** ICMP (v4) message with its checksum; `rest` is the 4 bytes after the checksum plus the body. */
export function icmp(type: number, code: number, rest: Uint8Array, badChecksum = false): Uint8Array {
  const b = concatBytes(Uint8Array.from([type, code, 0, 0]), rest);
  put16(b, 2, (~onesSum(b, 0, b.length) & 0xffff) ^ (badChecksum ? 0x5a5a : 0));
  return b;
}

/** ICMPv6 message; the checksum is left zero for ipv6() to fill with the pseudo-header. */
export function icmp6(type: number, code: number, rest: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.from([type, code, 0, 0]), rest);
}

function idSeq(id: number, seq: number): Uint8Array {
  const b = new Uint8Array(4);
  put16(b, 0, id);
  put16(b, 2, seq);
  return b;
}

export function icmpEcho(o: { reply?: boolean; id: number; seq: number; data?: Uint8Array }): Uint8Array {
  return icmp(o.reply ? 0 : 8, 0, concatBytes(idSeq(o.id, o.seq), o.data ?? new Uint8Array(0)));
}

export function icmp6Echo(o: { reply?: boolean; id: number; seq: number; data?: Uint8Array }): Uint8Array {
  return icmp6(o.reply ? 129 : 128, 0, concatBytes(idSeq(o.id, o.seq), o.data ?? new Uint8Array(0)));
}

export const ProbeMagic = { UNI: 0x1234, MULTI: 0x5678, RTT: 0x9abc } as const;

/**
 * The bytes of an in.mpathd probe after the 8-byte ICMP header: ms32 (4-byte ms timestamp +
 * mtype = 8 bytes, 16 in all) or ns64 (8-byte ns timestamp + mtype, 20 in all, or 24 with the
 * 4 bytes of tail padding an LP64 build adds).
 */
export function probePayload(o: { kind: keyof typeof ProbeMagic; format: 'ms32' | 'ns64'; ts: bigint; size?: 16 | 20 | 24 }): Uint8Array {
  const size = o.size ?? (o.format === 'ms32' ? 16 : 24);
  const b = new Uint8Array(size - 8);
  if (o.format === 'ms32') {
    put32(b, 0, Number(o.ts & 0xffffffffn));
    put32(b, 4, ProbeMagic[o.kind]);
  } else {
    put32(b, 0, Number((o.ts >> 32n) & 0xffffffffn));
    put32(b, 4, Number(o.ts & 0xffffffffn));
    put32(b, 8, ProbeMagic[o.kind]);
    // LP64 tail padding is stack garbage in in.mpathd; fill it with something non-zero.
    for (let i = 12; i < b.length; i++) b[i] = 0xa5;
  }
  return b;
}

export function udp(o: { sport: number; dport: number }, payload: Uint8Array): Uint8Array {
  const h = new Uint8Array(8);
  put16(h, 0, o.sport);
  put16(h, 2, o.dport);
  put16(h, 4, 8 + payload.length);
  return concatBytes(h, payload);
}

export const TcpFlag = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32 } as const;

export function tcp(o: { sport: number; dport: number; seq?: number; ack?: number; flags: number; window?: number; options?: Uint8Array }, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const opts = o.options ?? new Uint8Array(0);
  const h = new Uint8Array(20 + opts.length);
  put16(h, 0, o.sport);
  put16(h, 2, o.dport);
  put32(h, 4, o.seq ?? 0);
  put32(h, 8, o.ack ?? 0);
  h[12] = (h.length >> 2) << 4;
  h[13] = o.flags;
  put16(h, 14, o.window ?? 65535);
  h.set(opts, 20);
  return concatBytes(h, payload);
}

export function arp(o: { op: number; sha: string; spa: string; tha: string; tpa: string }): Uint8Array {
  const b = new Uint8Array(28);
  put16(b, 0, 1);
  put16(b, 2, EtherType.IPV4);
  b[4] = 6;
  b[5] = 4;
  put16(b, 6, o.op);
  b.set(mac(o.sha), 8);
  put32(b, 14, ip4(o.spa));
  b.set(mac(o.tha), 18);
  put32(b, 24, ip4(o.tpa));
  return b;
}

/** IGMPv1/v2 message: type 0x11 query, 0x12 v1 report, 0x16 v2 report, 0x17 leave. */
export function igmp(o: { type: number; code?: number; group: string; badChecksum?: boolean }): Uint8Array {
  const b = new Uint8Array(8);
  b[0] = o.type;
  b[1] = o.code ?? 0;
  put32(b, 4, ip4(o.group));
  put16(b, 2, (~onesSum(b, 0, 8) & 0xffff) ^ (o.badChecksum ? 0x5a5a : 0));
  return b;
}

export function igmpv3Query(o: { mrc: number; group: string; suppress?: boolean; qrv?: number; qqic?: number; sources?: string[] }): Uint8Array {
  const srcs = o.sources ?? [];
  const b = new Uint8Array(12 + 4 * srcs.length);
  b[0] = 0x11;
  b[1] = o.mrc;
  put32(b, 4, ip4(o.group));
  b[8] = (o.suppress ? 0x08 : 0) | ((o.qrv ?? 2) & 7);
  b[9] = o.qqic ?? 125;
  put16(b, 10, srcs.length);
  srcs.forEach((s, i) => put32(b, 12 + 4 * i, ip4(s)));
  put16(b, 2, ~onesSum(b, 0, b.length) & 0xffff);
  return b;
}

export const RecordType = {
  MODE_IS_INCLUDE: 1,
  MODE_IS_EXCLUDE: 2,
  CHANGE_TO_INCLUDE: 3,
  CHANGE_TO_EXCLUDE: 4,
  ALLOW_NEW_SOURCES: 5,
  BLOCK_OLD_SOURCES: 6,
} as const;

export interface GroupRecord {
  type: number;
  group: string;
  sources?: string[];
}

export function igmpv3Report(records: GroupRecord[]): Uint8Array {
  const parts = records.map((r) => {
    const srcs = r.sources ?? [];
    const rec = new Uint8Array(8 + 4 * srcs.length);
    rec[0] = r.type;
    put16(rec, 2, srcs.length);
    put32(rec, 4, ip4(r.group));
    srcs.forEach((s, i) => put32(rec, 8 + 4 * i, ip4(s)));
    return rec;
  });
  const b = concatBytes(new Uint8Array(8), ...parts);
  b[0] = 0x22;
  put16(b, 6, records.length);
  put16(b, 2, ~onesSum(b, 0, b.length) & 0xffff);
  return b;
}

/** MLDv1: 130 query, 131 report, 132 done. `mrd` in ms. */
export function mldv1(o: { type: 130 | 131 | 132; mrd?: number; group: string }): Uint8Array {
  const rest = new Uint8Array(20);
  put16(rest, 0, o.mrd ?? 0);
  rest.set(ip6(o.group), 4);
  return icmp6(o.type, 0, rest);
}

export function mldv2Query(o: { mrc: number; group: string; suppress?: boolean; qrv?: number; qqic?: number; sources?: string[] }): Uint8Array {
  const srcs = o.sources ?? [];
  const rest = new Uint8Array(24 + 16 * srcs.length);
  put16(rest, 0, o.mrc);
  rest.set(ip6(o.group), 4);
  rest[20] = (o.suppress ? 0x08 : 0) | ((o.qrv ?? 2) & 7);
  rest[21] = o.qqic ?? 125;
  put16(rest, 22, srcs.length);
  srcs.forEach((s, i) => rest.set(ip6(s), 24 + 16 * i));
  return icmp6(130, 0, rest);
}

export function mldv2Report(records: GroupRecord[]): Uint8Array {
  const parts = records.map((r) => {
    const srcs = r.sources ?? [];
    const rec = new Uint8Array(20 + 16 * srcs.length);
    rec[0] = r.type;
    put16(rec, 2, srcs.length);
    rec.set(ip6(r.group), 4);
    srcs.forEach((s, i) => rec.set(ip6(s), 20 + 16 * i));
    return rec;
  });
  const head = new Uint8Array(4);
  put16(head, 2, records.length);
  return icmp6(143, 0, concatBytes(head, ...parts));
}

/** Neighbor solicitation for `target`, with a source link-layer address option when given. */
export function ndSolicit(target: string, sourceMac?: string): Uint8Array {
  const rest = new Uint8Array(20 + (sourceMac ? 8 : 0));
  rest.set(ip6(target), 4);
  if (sourceMac) {
    rest.set([1, 1], 20);
    rest.set(mac(sourceMac), 22);
  }
  return icmp6(135, 0, rest);
}

/** Neighbor advertisement; flags R=0x80 S=0x40 O=0x20; with a target link-layer address option when given. */
export function ndAdvert(target: string, flags: number, targetMac?: string): Uint8Array {
  const rest = new Uint8Array(20 + (targetMac ? 8 : 0));
  rest[0] = flags;
  rest.set(ip6(target), 4);
  if (targetMac) {
    rest.set([2, 1], 20);
    rest.set(mac(targetMac), 22);
  }
  return icmp6(136, 0, rest);
}
