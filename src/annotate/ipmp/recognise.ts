// Telling in.mpathd probes from ordinary pings (reference §6.1), and copying what the emulator
// needs out of the Packet into a small record so nothing downstream holds the packet or its bytes.
import { ipv4String, ipv6String, macString } from '../../decode/addr.js';
import { L, type Packet } from '../../decode/packet.js';
import { probeKindName } from '../../decode/probe.js';

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
export function readProbe(pkt: Packet, into: ProbeObservation): boolean {
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
    into.srcMac = macString(b, pkt.eth.srcOff);
    into.dstMac = macString(b, pkt.eth.dstOff);
  } else if (pkt.sll.present && pkt.sll.addrLen === 6) into.srcMac = macString(b, pkt.sll.addrOff);
  into.src = family === 4 ? ipv4String(pkt.ip.src | 0) : ipv6String(b, pkt.ip6.srcOff);
  into.dst = family === 4 ? ipv4String(pkt.ip.dst | 0) : ipv6String(b, pkt.ip6.dstOff);
  into.ttl = ttl;
  into.reply = probe.reply;
  into.id = ic.id;
  into.seq = ic.seq;
  // L.PROBE is set only for the three magics, so the name is never '?'.
  into.kind = probeKindName(probe.kind) as ProbeKindName;
  into.format = probe.format;
  into.size = len;
  into.outgoing = pkt.pktType === PACKET_OUTGOING;
  return true;
}

/** A probe observation of its own (not reused), or null for anything that is not a probe or reply. */
export function observeProbe(pkt: Packet): ProbeObservation | null {
  const obs = emptyObservation();
  return readProbe(pkt, obs) ? obs : null;
}

/** The all-nodes groups PROBE_MULTI is sent to. */
export function isAllNodes(addr: string): boolean {
  return addr === '224.0.0.1' || addr === 'ff02::1';
}
