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

/** Offset of mtype inside pr_icmp for a message of this length. */
function mtypeOffset(len: number): number {
  return len === 16 ? 12 : 16;
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
 * Extract a probe observation, or null for anything that is not an in.mpathd probe or reply.
 * Non-echo packets are rejected before any allocation.
 */
export function observeProbe(pkt: Packet): ProbeObservation | null {
  let family: 4 | 6;
  let type: number;
  let code: number;
  let off: number;
  let len: number;
  let id: number;
  let seq: number;
  if (pkt.has(L.ICMP) && pkt.icmp.present && pkt.ip.present) {
    family = 4;
    ({ type, code, off, len, id, seq } = pkt.icmp);
    if (type !== 8 && type !== 0) return null;
  } else if (pkt.has(L.ICMP6) && pkt.icmp6.present && pkt.ip6.present) {
    family = 6;
    ({ type, code, off, len, id, seq } = pkt.icmp6);
    if (type !== 128 && type !== 129) return null;
  } else {
    return null;
  }
  if (code !== 0) return null;
  const reply = type === 0 || type === 129;
  const b = pkt.bytes;
  const sizeOk = probeSizeOk(len);
  let kindValue = 0;
  let format: ProbeFormat;
  if (pkt.probe.present) {
    kindValue = pkt.probe.kind;
    format = pkt.probe.format;
    len = pkt.probe.size || len;
  } else {
    const at = off + mtypeOffset(len);
    if (sizeOk && at + 4 <= pkt.end) kindValue = u32(b, at);
    format = len === 16 ? 'ms32' : 'ns64';
  }
  const kind = KIND_NAMES[kindValue];
  const ttl = family === 4 ? pkt.ip.ttl : pkt.ip6.hopLimit;
  const v6LinkLocal = family === 6 && isLinkLocal6(b, pkt.ip6.srcOff) && isLinkLocal6(b, pkt.ip6.dstOff);
  if (!looksLikeProbe(kind !== undefined, probeSizeOk(len), reply, ttl === 1, v6LinkLocal)) return null;
  let srcMac = '';
  let dstMac = '';
  if (pkt.eth.present) {
    srcMac = macString(b, pkt.eth.srcOff);
    dstMac = macString(b, pkt.eth.dstOff);
  } else if (pkt.sll.present && pkt.sll.addrLen === 6) srcMac = macString(b, pkt.sll.addrOff);
  return {
    tsSec: pkt.tsSec,
    tsNsec: pkt.tsNsec,
    family,
    srcMac,
    dstMac,
    src: family === 4 ? ipv4String(pkt.ip.src) : ipv6String(b, pkt.ip6.srcOff),
    dst: family === 4 ? ipv4String(pkt.ip.dst) : ipv6String(b, pkt.ip6.dstOff),
    ttl,
    reply,
    id,
    seq,
    kind,
    format,
    size: len,
    outgoing: pkt.pktType === PACKET_OUTGOING,
  };
}

/** The all-nodes groups PROBE_MULTI is sent to. */
export function isAllNodes(addr: string): boolean {
  return addr === '224.0.0.1' || addr === 'ff02::1';
}

export function isLinkLocalText(addr: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(addr);
}
