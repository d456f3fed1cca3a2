// TCP (RFC 9293): the fixed header, the options area's place and the checksum. Options are
// walked by the renderer; the payload is not decoded further.
import { u16, u32 } from './addr.js';
import { noteOnce, noteTruncation, pseudoSum, readPorts, verifyChecksum } from './l4.js';
import { L, type Packet } from './packet.js';

const TCP_MINLEN = 20;

export const TH_FIN = 0x01;
export const TH_SYN = 0x02;
export const TH_RST = 0x04;
export const TH_PUSH = 0x08;
export const TH_ACK = 0x10;
export const TH_URG = 0x20;
export const TH_ECE = 0x40;
export const TH_CWR = 0x80;

/** Decode the TCP segment at `off`, `len` bytes as IP claims; `whole` when all of it was captured. */
export function decodeTcp(pkt: Packet, off: number, len: number, family: 4 | 6, whole: boolean): void {
  const b = pkt.bytes;
  const t = pkt.tcp;
  const msgEnd = off + len;
  const stop = Math.min(msgEnd, pkt.end);
  pkt.layers |= L.TCP;
  readPorts(pkt, t, off, stop);
  t.seq = t.ack = t.headerLen = t.flags = t.window = t.checksum = t.urgent = 0;
  t.checksumOk = null;
  t.optOff = off + TCP_MINLEN;
  t.optLen = 0;
  t.payloadLen = 0;
  if (stop < off + TCP_MINLEN) {
    t.short = noteTruncation(pkt, off + TCP_MINLEN, msgEnd, 'TCP header');
    return;
  }
  t.seq = u32(b, off + 4);
  t.ack = u32(b, off + 8);
  t.headerLen = (b[off + 12] >> 4) * 4;
  t.flags = b[off + 13];
  t.window = u16(b, off + 14);
  t.checksum = u16(b, off + 16);
  t.urgent = u16(b, off + 18);
  if (t.headerLen < TCP_MINLEN || t.headerLen > len) {
    noteOnce(pkt, 'malformed TCP header');
    t.headerLen = Math.max(TCP_MINLEN, Math.min(t.headerLen, len));
    return;
  }
  t.payloadLen = len - t.headerLen;
  t.optLen = t.headerLen - TCP_MINLEN;
  if (stop < off + t.headerLen) {
    t.short = true;
    t.optLen = stop - t.optOff;
    noteOnce(pkt, 'short packet');
  }
  if (whole && pkt.checksums) t.checksumOk = verifyChecksum(pkt, off, len, pseudoSum(pkt, 6, len, family), 'TCP');
}
