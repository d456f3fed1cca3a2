// Small pieces shared by the upper-layer decoders (ICMP, ICMPv6, IGMP, MLD, UDP, TCP): the
// checksum pseudo-header, the limit of readable bytes and how a too-short message is recorded.
import { ipv4PseudoSum, ipv6PseudoSum } from './addr.js';
import type { Packet } from './packet.js';

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
