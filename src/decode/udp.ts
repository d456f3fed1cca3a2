// UDP (RFC 768). The checksum uses the pseudo-header; a zero checksum means "not computed" over
// IPv4 but is invalid over IPv6 (RFC 8200 §8.1).
import { u16 } from './addr.js';
import { noteOnce, noteTruncation, pseudoSum, readPorts, verifyChecksum } from './l4.js';
import { L, type Packet } from './packet.js';

const UDP_HDRLEN = 8;

/** Decode the UDP datagram at `off`, `len` bytes as IP claims; `whole` when all of it was captured. */
export function decodeUdp(pkt: Packet, off: number, len: number, family: 4 | 6, whole: boolean): void {
  const b = pkt.bytes;
  const u = pkt.udp;
  const msgEnd = off + len;
  const stop = Math.min(msgEnd, pkt.end);
  pkt.layers |= L.UDP;
  readPorts(pkt, u, off, stop);
  u.length = 0;
  u.checksum = 0;
  u.checksumOk = null;
  u.payloadOff = off + UDP_HDRLEN;
  if (stop < off + UDP_HDRLEN) {
    u.short = noteTruncation(pkt, off + UDP_HDRLEN, msgEnd, 'UDP header');
    return;
  }
  u.length = u16(b, off + 4);
  u.checksum = u16(b, off + 6);
  // The UDP length may be smaller than the IP payload (trailing padding) but never larger.
  const udpLen = u.length;
  if (udpLen < UDP_HDRLEN || udpLen > len) {
    noteOnce(pkt, 'malformed UDP length');
    return;
  }
  if (u.checksum === 0) {
    if (family === 6) {
      u.checksumOk = false;
      noteOnce(pkt, 'bad UDP checksum');
    }
    return;
  }
  if (whole && pkt.checksums) u.checksumOk = verifyChecksum(pkt, off, udpLen, pseudoSum(pkt, 17, udpLen, family), 'UDP');
}
