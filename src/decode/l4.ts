// Small pieces shared by the upper-layer decoders (ICMP, ICMPv6, IGMP, MLD, UDP, TCP): the
// checksum pseudo-header and its verification, the leading header fields, the limit of readable
// bytes and how a too-short message is recorded.
import { ipv4PseudoSum, ipv6PseudoSum, onesSum, u16 } from './addr.js';
import type { IcmpLayer, Packet, TcpLayer, UdpLayer } from './packet.js';

/** Pseudo-header sum for `proto` with upper-layer length `len` over the innermost IP header of `family`. */
export function pseudoSum(pkt: Packet, proto: number, len: number, family: 4 | 6): number {
  return family === 4
    ? ipv4PseudoSum(pkt.ip.src, pkt.ip.dst, len, proto)
    : ipv6PseudoSum(pkt.bytes, pkt.ip6.srcOff, pkt.ip6.dstOff, len, proto);
}

/** Add a note unless an outer layer already reported the same problem (one "short packet" per packet). */
export function noteOnce(pkt: Packet, text: string): void {
  if (!pkt.notes.includes(text)) pkt.notes.push(text);
}

/**
 * A structure needed bytes up to `need` but the message stops earlier. If the message itself
 * claims to be that long the capture was cut (short); otherwise the message is malformed.
 * Returns true for "short" so the caller can set its layer flag.
 */
export function noteTruncation(pkt: Packet, need: number, messageEnd: number, what: string): boolean {
  if (need > messageEnd) {
    noteOnce(pkt, `malformed ${what}`);
    return false;
  }
  noteOnce(pkt, 'short packet');
  return true;
}

/** The leading fields every ICMP-style message (ICMP, ICMPv6, IGMP, MLD) has. */
interface TypeCodeChecksumLayer {
  present: boolean;
  short: boolean;
  off: number;
  len: number;
  type: number;
  code: number;
  checksum: number;
  checksumOk: boolean | null;
}

/**
 * Start an ICMP-style layer at `off` (`len` bytes as IP claims, readable up to `stop`): mark it
 * present and read type, code and checksum as far as they were captured (0 for the rest).
 * The checksum verdict starts unknown until the caller verifies it.
 */
export function readTypeCodeChecksum(pkt: Packet, layer: TypeCodeChecksumLayer, off: number, len: number, stop: number): void {
  const b = pkt.bytes;
  layer.present = true;
  layer.short = false;
  layer.off = off;
  layer.len = len;
  layer.type = stop > off ? b[off] : 0;
  layer.code = stop > off + 1 ? b[off + 1] : 0;
  layer.checksum = stop >= off + 4 ? u16(b, off + 2) : 0;
  layer.checksumOk = null;
}

const ICMP_HEADER_LEN = 8;

/**
 * Read the 8-byte header ICMP and ICMPv6 share and clear the type-specific fields. Returns false,
 * with the layer's `short` flag and a note, when the header was not all captured.
 */
export function readIcmpHeader(pkt: Packet, ic: IcmpLayer, off: number, len: number, stop: number, what: string): boolean {
  readTypeCodeChecksum(pkt, ic, off, len, stop);
  ic.id = ic.seq = ic.gateway = ic.mtu = ic.pointer = ic.quotedOff = 0;
  ic.dataOff = off + ICMP_HEADER_LEN;
  if (stop < off + ICMP_HEADER_LEN) {
    ic.short = noteTruncation(pkt, off + ICMP_HEADER_LEN, off + len, what);
    return false;
  }
  return true;
}

/** Start a UDP or TCP layer: mark it present and read the two ports as far as they were captured. */
export function readPorts(pkt: Packet, layer: UdpLayer | TcpLayer, off: number, stop: number): void {
  const b = pkt.bytes;
  layer.present = true;
  layer.short = false;
  layer.off = off;
  layer.srcPort = stop >= off + 2 ? u16(b, off) : 0;
  layer.dstPort = stop >= off + 4 ? u16(b, off + 2) : 0;
}

/**
 * The Internet checksum over `len` bytes at `off`, starting from `pseudoHeaderSum` (0 when the
 * protocol has none), is all ones when the message is intact; a mismatch is noted as
 * "bad <what> checksum".
 */
export function verifyChecksum(pkt: Packet, off: number, len: number, pseudoHeaderSum: number, what: string): boolean {
  const ok = onesSum(pkt.bytes, off, len, pseudoHeaderSum) === 0xffff;
  if (!ok) noteOnce(pkt, `bad ${what} checksum`);
  return ok;
}
