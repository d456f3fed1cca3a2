// ICMP for IPv4 (RFC 792 and friends): the 8-byte header, the type-specific word after the
// checksum, the quoted datagram of error messages, and in.mpathd probes in echo messages.
import { u16, u32 } from './addr.js';
import { readIcmpHeader, verifyChecksum } from './l4.js';
import { L, type Packet } from './packet.js';
import { decodeProbe } from './probe.js';

export const ICMP_ECHOREPLY = 0;
export const ICMP_UNREACH = 3;
export const ICMP_SOURCEQUENCH = 4;
export const ICMP_REDIRECT = 5;
export const ICMP_ECHO = 8;
export const ICMP_ROUTERADVERT = 9;
export const ICMP_ROUTERSOLICIT = 10;
export const ICMP_TIMXCEED = 11;
export const ICMP_PARAMPROB = 12;
export const ICMP_TSTAMP = 13;
export const ICMP_TSTAMPREPLY = 14;
export const ICMP_IREQ = 15;
export const ICMP_IREQREPLY = 16;
export const ICMP_MASKREQ = 17;
export const ICMP_MASKREPLY = 18;

/** Types whose second word is an identifier and sequence number. */
function hasIdSeq(type: number): boolean {
  return type === ICMP_ECHOREPLY || type === ICMP_ECHO || (type >= ICMP_TSTAMP && type <= ICMP_MASKREPLY);
}

/** Error messages that quote the offending datagram after the 8-byte header. */
export function icmpQuotes(type: number): boolean {
  return type === ICMP_UNREACH || type === ICMP_SOURCEQUENCH || type === ICMP_REDIRECT || type === ICMP_TIMXCEED || type === ICMP_PARAMPROB;
}

/** Decode the ICMP message at `off`, `len` bytes as IP claims; `whole` when all of it was captured. */
export function decodeIcmp(pkt: Packet, off: number, len: number, whole: boolean): void {
  const b = pkt.bytes;
  const ic = pkt.icmp;
  const stop = Math.min(off + len, pkt.end);
  pkt.layers |= L.ICMP;
  if (!readIcmpHeader(pkt, ic, off, len, stop, 'ICMP header')) return;
  const type = ic.type;
  if (hasIdSeq(type)) {
    ic.id = u16(b, off + 4);
    ic.seq = u16(b, off + 6);
  } else if (type === ICMP_UNREACH) {
    ic.mtu = u16(b, off + 6);
  } else if (type === ICMP_REDIRECT) {
    ic.gateway = u32(b, off + 4);
  } else if (type === ICMP_PARAMPROB) {
    ic.pointer = b[off + 4];
  }
  if (icmpQuotes(type) && stop > ic.dataOff) ic.quotedOff = ic.dataOff;

  if (whole && pkt.checksums) ic.checksumOk = verifyChecksum(pkt, off, len, 0, 'ICMP');
  if ((type === ICMP_ECHO || type === ICMP_ECHOREPLY) && ic.code === 0) decodeProbe(pkt, off, len, type === ICMP_ECHOREPLY);
}
