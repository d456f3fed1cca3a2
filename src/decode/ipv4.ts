// IPv4 (RFC 791): header checksum, options (Router Alert), fragments and IP-in-IP.
import { onesSum, u16, u32 } from './addr.js';
import { decodeIpv6 } from './ipv6.js';
import { L, type Packet } from './packet.js';
import { decodeUpper } from './upper.js';

export const IPPROTO_IPIP = 4;
export const IPPROTO_IPV6 = 41;
/** Deepest tunnel nesting we follow; more is noted rather than decoded (bounds the recursion). */
export const MAX_ENCAP = 8;

const IPOPT_EOL = 0;
const IPOPT_NOP = 1;
export const IPOPT_RA = 148;

export function decodeIpv4(pkt: Packet, off: number): void {
  const b = pkt.bytes;
  const end = pkt.end;
  const ip = pkt.ip;
  if (off + 20 > end) {
    // An inner header of a tunnel must not wipe out the outer one already decoded.
    if (!ip.present) ip.short = true;
    pkt.notes.push('short packet');
    return;
  }
  const version = b[off] >> 4;
  const headerLen = (b[off] & 0x0f) * 4;
  if (version !== 4 || headerLen < 20) {
    pkt.notes.push('malformed IP header');
    return;
  }
  ip.present = true;
  ip.short = false;
  pkt.layers |= L.IP;
  ip.off = off;
  ip.headerLen = headerLen;
  ip.tos = b[off + 1];
  ip.totalLen = u16(b, off + 2);
  ip.id = u16(b, off + 4);
  const flagsFrag = u16(b, off + 6);
  ip.flags = flagsFrag >>> 13;
  ip.fragOffset = (flagsFrag & 0x1fff) * 8;
  ip.ttl = b[off + 8];
  ip.proto = b[off + 9];
  ip.checksum = u16(b, off + 10);
  ip.src = u32(b, off + 12);
  ip.dst = u32(b, off + 16);
  ip.routerAlert = false;
  ip.checksumOk = null;
  ip.payloadOff = off + headerLen;
  ip.payloadLen = ip.totalLen > headerLen ? ip.totalLen - headerLen : 0;

  if (off + headerLen > end) {
    ip.short = true;
    pkt.notes.push('short packet');
    return;
  }
  if (pkt.checksums) {
    ip.checksumOk = onesSum(b, off, headerLen) === 0xffff;
    if (!ip.checksumOk) pkt.notes.push('bad IP checksum');
  }
  if (headerLen > 20) scanOptions(pkt, off + 20, off + headerLen);
  if (ip.totalLen < headerLen) {
    pkt.notes.push('malformed IP header');
    return;
  }
  if (off + ip.totalLen > end) ip.short = true;
  // Only the first fragment carries the transport header.
  if (ip.fragOffset !== 0) return;

  const proto = ip.proto;
  if (proto === IPPROTO_IPIP || proto === IPPROTO_IPV6) {
    if (pkt.encap >= MAX_ENCAP) {
      pkt.notes.push('malformed: too many encapsulations');
      return;
    }
    pkt.encap++;
    if (proto === IPPROTO_IPIP) decodeIpv4(pkt, ip.payloadOff);
    else decodeIpv6(pkt, ip.payloadOff);
    return;
  }
  decodeUpper(pkt, proto, ip.payloadOff, ip.payloadLen, 4);
}

function scanOptions(pkt: Packet, p: number, stop: number): void {
  const b = pkt.bytes;
  while (p < stop) {
    const type = b[p];
    if (type === IPOPT_EOL) return;
    if (type === IPOPT_NOP) {
      p++;
      continue;
    }
    const len = p + 1 < stop ? b[p + 1] : 0;
    if (len < 2 || p + len > stop) {
      pkt.notes.push('malformed IP options');
      return;
    }
    if (type === IPOPT_RA && len === 4) pkt.ip.routerAlert = true;
    p += len;
  }
}
