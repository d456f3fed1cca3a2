// ICMPv6 (RFC 4443) with Neighbor Discovery (RFC 4861) and MLD handed to mld.ts. The checksum
// covers the IPv6 pseudo-header, so it is verified here for MLD as well.
import { u16, u32 } from './addr.js';
import { noteOnce, noteTruncation, pseudoSum, readIcmpHeader, verifyChecksum } from './l4.js';
import { decodeMld, isMldType } from './mld.js';
import { L, type Packet } from './packet.js';
import { decodeProbe } from './probe.js';

export const ICMP6_DST_UNREACH = 1;
export const ICMP6_PACKET_TOO_BIG = 2;
export const ICMP6_TIME_EXCEEDED = 3;
export const ICMP6_PARAM_PROB = 4;
export const ICMP6_ECHO_REQUEST = 128;
export const ICMP6_ECHO_REPLY = 129;
export const ND_ROUTER_SOLICIT = 133;
export const ND_ROUTER_ADVERT = 134;
export const ND_NEIGHBOR_SOLICIT = 135;
export const ND_NEIGHBOR_ADVERT = 136;
export const ND_REDIRECT = 137;

/** ND option types we name (RFC 4861, RFC 8106). */
export const ND_OPT_SOURCE_LINKADDR = 1;
export const ND_OPT_TARGET_LINKADDR = 2;
export const ND_OPT_PREFIX_INFORMATION = 3;
export const ND_OPT_REDIRECTED_HEADER = 4;
export const ND_OPT_MTU = 5;
export const ND_OPT_RDNSS = 25;
export const ND_OPT_DNSSL = 31;

/** Fixed part of each ND message before its options. */
function ndFixedLen(type: number): number {
  switch (type) {
    case ND_ROUTER_SOLICIT: return 8;
    case ND_ROUTER_ADVERT: return 16;
    case ND_NEIGHBOR_SOLICIT:
    case ND_NEIGHBOR_ADVERT: return 24;
    case ND_REDIRECT: return 40;
    default: return 0;
  }
}

/** Decode the ICMPv6 message at `off`, `len` bytes as IPv6 claims; `whole` when all of it was captured. */
export function decodeIcmp6(pkt: Packet, off: number, len: number, whole: boolean): void {
  const b = pkt.bytes;
  const ic = pkt.icmp6;
  const msgEnd = off + len;
  const stop = Math.min(msgEnd, pkt.end);
  pkt.layers |= L.ICMP6;
  ic.targetOff = ic.redirectDstOff = ic.ndFlags = 0;
  ic.raHopLimit = ic.raLifetime = ic.raReachable = ic.raRetrans = 0;
  ic.optOff = ic.optLen = 0;
  if (!readIcmpHeader(pkt, ic, off, len, stop, 'ICMPv6 header')) return;
  // MLD's verdict goes to the ilm observer, which reports a bad one: verified whatever pkt.checksums says.
  if (whole && (pkt.checksums || isMldType(ic.type))) ic.checksumOk = verifyChecksum(pkt, off, len, pseudoSum(pkt, 58, len, 6), 'ICMPv6');

  const type = ic.type;
  switch (type) {
    case ICMP6_DST_UNREACH:
    case ICMP6_TIME_EXCEEDED:
      if (stop > ic.dataOff) ic.quotedOff = ic.dataOff;
      return;
    case ICMP6_PACKET_TOO_BIG:
      ic.mtu = u32(b, off + 4);
      if (stop > ic.dataOff) ic.quotedOff = ic.dataOff;
      return;
    case ICMP6_PARAM_PROB:
      ic.pointer = u32(b, off + 4);
      if (stop > ic.dataOff) ic.quotedOff = ic.dataOff;
      return;
    case ICMP6_ECHO_REQUEST:
    case ICMP6_ECHO_REPLY:
      ic.id = u16(b, off + 4);
      ic.seq = u16(b, off + 6);
      if (ic.code === 0) decodeProbe(pkt, off, len, type === ICMP6_ECHO_REPLY);
      return;
  }
  if (isMldType(type)) {
    decodeMld(pkt, off, len, ic.checksumOk);
    return;
  }
  const fixed = ndFixedLen(type);
  if (fixed === 0) return;
  if (stop < off + fixed) {
    ic.short = noteTruncation(pkt, off + fixed, msgEnd, 'ND message');
    return;
  }
  switch (type) {
    case ND_ROUTER_ADVERT:
      ic.raHopLimit = b[off + 4];
      ic.ndFlags = b[off + 5];
      ic.raLifetime = u16(b, off + 6);
      ic.raReachable = u32(b, off + 8);
      ic.raRetrans = u32(b, off + 12);
      break;
    case ND_NEIGHBOR_SOLICIT:
      ic.targetOff = off + 8;
      break;
    case ND_NEIGHBOR_ADVERT:
      ic.ndFlags = b[off + 4];
      ic.targetOff = off + 8;
      break;
    case ND_REDIRECT:
      ic.targetOff = off + 8;
      ic.redirectDstOff = off + 24;
      break;
  }
  ic.optOff = off + fixed;
  ic.optLen = stop - ic.optOff;
  checkOptions(pkt, ic.optOff, stop, msgEnd);
}

/**
 * Walk the ND options once so a renderer can trust them: a zero length is malformed (RFC 4861
 * says discard), an option running past the message is malformed or cut by the capture.
 * The usable area is shrunk to the options that are whole.
 */
function checkOptions(pkt: Packet, p: number, stop: number, msgEnd: number): void {
  const b = pkt.bytes;
  const ic = pkt.icmp6;
  const start = p;
  while (p + 2 <= stop) {
    const optLen = b[p + 1] * 8;
    if (optLen === 0) {
      noteOnce(pkt, 'malformed ND option');
      break;
    }
    if (p + optLen > stop) {
      if (noteTruncation(pkt, p + optLen, msgEnd, 'ND option')) ic.short = true;
      break;
    }
    p += optLen;
  }
  // A lone byte left over: half an option header.
  if (p + 1 === stop && noteTruncation(pkt, p + 2, msgEnd, 'ND option')) ic.short = true;
  ic.optLen = p - start;
}
