// Telling in.mpathd probes from ordinary pings (reference §6.1), and copying what the emulator
// needs out of the Packet into a small record so nothing downstream holds the packet or its bytes.
import { ipv4String, ipv6String, macString, u32 } from '../../decode/addr.js';
import { L, ProbeKind, type Packet } from '../../decode/packet.js';

export type ProbeKindName = 'UNI' | 'MULTI' | 'RTT';
export type ProbeFormat = 'ms32' | 'ns64';

/** One probe or probe reply, as the emulator sees it. */
export interface ProbeObservation {
  tsSec: number;
  tsNsec: number;
  family: 4 | 6;
  /** Ethernet source, lowercase two-digit colon form; '' when the link has no MAC. */
  srcMac: string;
  /** Ethernet destination ('' without one): a reply's destination is the probing NIC. */
  dstMac: string;
  src: string;
  dst: string;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl: number;
  reply: boolean;
  id: number;
  seq: number;
  kind: ProbeKindName;
  format: ProbeFormat;
  /** ICMP message length: 16, 20 or 24. */
  size: number;
  /** True when the captured frame was sent by this host (the capture link is the probing NIC). */
  outgoing: boolean;
}

const KIND_NAMES: Record<number, ProbeKindName> = {
  [ProbeKind.UNI]: 'UNI',
  [ProbeKind.MULTI]: 'MULTI',
  [ProbeKind.RTT]: 'RTT',
};

/** PACKET_OUTGOING from the capture layer. */
const PACKET_OUTGOING = 4;

/** pr_icmp is 16 bytes (ms32), 20 (ns64, ILP32) or 24 (ns64, LP64 tail padding). */
export function probeSizeOk(len: number): boolean {
  return len === 16 || len === 20 || len === 24;
}

function isLinkLocal6(b: Uint8Array, off: number): boolean {
  return b[off] === 0xfe && (b[off + 1] & 0xc0) === 0x80;
}

/**
 * Score an echo request the way §6.1 does: the mtype magic must be there, plus two of
 * {probe-sized message, TTL/hop limit 1, link-local v6 source and destination}. A reply is the
 * target's copy of our payload, so magic plus size is enough.
 */
export function looksLikeProbe(magicOk: boolean, sizeOk: boolean, reply: boolean, ttlOne: boolean, v6LinkLocal: boolean): boolean {
  if (!magicOk) return false;
  if (reply) return sizeOk;
  return (sizeOk ? 1 : 0) + (ttlOne ? 1 : 0) + (v6LinkLocal ? 1 : 0) >= 2;
}

/**
 * Address and MAC text for probe packets, built once per distinct value and then handed out as
 * the same string: the same link keeps probing the same few addresses, so steady state allocates
 * nothing, and the observer's string-keyed maps hit strings whose hash V8 has already cached.
 * Bounded: when a capture shows more distinct values than `limit`, the table starts afresh.
 */
export class AddressText {
  private readonly v4 = new Map<number, string>();
  /** IPv6 by a 32-bit hash of the 16 bytes, each entry checked byte for byte. */
  private readonly v6 = new Map<number, { bytes: Uint8Array; text: string }>();
  private readonly macs = new Map<number, string>();
  private v4KeyA = -1;
  private v4TextA = '';
  private v4KeyB = -1;
  private v4TextB = '';
  private macKeyA = -1;
  private macTextA = '';
  private macKeyB = -1;
  private macTextB = '';

  constructor(private readonly limit = 4096) {}

  ipv4(addr: number): string {
    // A probe and its reply swap two addresses: two remembered answers skip the map lookup.
    if (addr === this.v4KeyA) return this.v4TextA;
    if (addr === this.v4KeyB) return this.v4TextB;
    let text = this.v4.get(addr);
    if (text === undefined) {
      if (this.v4.size >= this.limit) this.v4.clear();
      text = ipv4String(addr);
      this.v4.set(addr, text);
    }
    this.v4KeyB = this.v4KeyA;
    this.v4TextB = this.v4TextA;
    this.v4KeyA = addr;
    this.v4TextA = text;
    return text;
  }

  ipv6(b: Uint8Array, off: number): string {
    let h = 0;
    for (let i = 0; i < 16; i += 4) h = (Math.imul(h, 0x01000193) ^ u32(b, off + i)) >>> 0;
    const hit = this.v6.get(h);
    if (hit !== undefined && sameBytes(hit.bytes, b, off)) return hit.text;
    if (this.v6.size >= this.limit) this.v6.clear();
    const text = ipv6String(b, off);
    // A hash collision replaces the older entry: correct either way, only slower.
    this.v6.set(h, { bytes: b.slice(off, off + 16), text });
    return text;
  }

  mac(b: Uint8Array, off: number): string {
    // 48 bits fit a double exactly.
    const key = ((b[off] << 8) | b[off + 1]) * 4294967296 + u32(b, off + 2);
    if (key === this.macKeyA) return this.macTextA;
    if (key === this.macKeyB) return this.macTextB;
    let text = this.macs.get(key);
    if (text === undefined) {
      if (this.macs.size >= this.limit) this.macs.clear();
      text = macString(b, off);
      this.macs.set(key, text);
    }
    this.macKeyB = this.macKeyA;
    this.macTextB = this.macTextA;
    this.macKeyA = key;
    this.macTextA = text;
    return text;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array, off: number): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[off + i]) return false;
  return true;
}

/** A blank observation for readProbe to fill. */
export function emptyObservation(): ProbeObservation {
  return { tsSec: 0, tsNsec: 0, family: 4, srcMac: '', dstMac: '', src: '', dst: '', ttl: 0, reply: false, id: 0, seq: 0, kind: 'UNI', format: 'ms32', size: 0, outgoing: false };
}

/**
 * Fill `into` from the packet when it is an in.mpathd probe or reply; false (leaving `into` in an
 * unspecified state) for anything else. The decoder has already checked the echo type, code,
 * message size and mtype magic (decode/probe.ts sets L.PROBE), so ordinary packets cost one bit
 * test; `into` is reused, so a probe costs no allocation once its addresses have been seen.
 */
export function readProbe(pkt: Packet, text: AddressText, into: ProbeObservation): boolean {
  if ((pkt.layers & L.PROBE) === 0) return false;
  const probe = pkt.probe;
  const family = (pkt.layers & L.ICMP) !== 0 && pkt.icmp.present ? 4 : 6;
  if (family === 4 ? !pkt.ip.present : !pkt.ip6.present) return false;
  const ic = family === 4 ? pkt.icmp : pkt.icmp6;
  const b = pkt.bytes;
  const ttl = family === 4 ? pkt.ip.ttl : pkt.ip6.hopLimit;
  const v6LinkLocal = family === 6 && isLinkLocal6(b, pkt.ip6.srcOff) && isLinkLocal6(b, pkt.ip6.dstOff);
  const len = probe.size || ic.len;
  if (!looksLikeProbe(true, probeSizeOk(len), probe.reply, ttl === 1, v6LinkLocal)) return false;
  into.tsSec = pkt.tsSec;
  into.tsNsec = pkt.tsNsec;
  into.family = family;
  into.srcMac = into.dstMac = '';
  if (pkt.eth.present) {
    into.srcMac = text.mac(b, pkt.eth.srcOff);
    into.dstMac = text.mac(b, pkt.eth.dstOff);
  } else if (pkt.sll.present && pkt.sll.addrLen === 6) into.srcMac = text.mac(b, pkt.sll.addrOff);
  into.src = family === 4 ? text.ipv4(pkt.ip.src) : text.ipv6(b, pkt.ip6.srcOff);
  into.dst = family === 4 ? text.ipv4(pkt.ip.dst) : text.ipv6(b, pkt.ip6.dstOff);
  into.ttl = ttl;
  into.reply = probe.reply;
  into.id = ic.id;
  into.seq = ic.seq;
  into.kind = KIND_NAMES[probe.kind];
  into.format = probe.format;
  into.size = len;
  into.outgoing = pkt.pktType === PACKET_OUTGOING;
  return true;
}

/** A probe observation of its own (not reused), or null for anything that is not a probe or reply. */
export function observeProbe(pkt: Packet): ProbeObservation | null {
  const obs = emptyObservation();
  return readProbe(pkt, new AddressText(), obs) ? obs : null;
}

/** The all-nodes groups PROBE_MULTI is sent to. */
export function isAllNodes(addr: string): boolean {
  return addr === '224.0.0.1' || addr === 'ff02::1';
}

export function isLinkLocalText(addr: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(addr);
}
