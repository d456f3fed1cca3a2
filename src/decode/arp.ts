// ARP and RARP (RFC 826 / RFC 903) over any hardware and protocol address sizes.
import { u16, u32 } from './addr.js';
import { L, type Packet } from './packet.js';

const ARP_FIXED_LEN = 8;
const PTYPE_IPV4 = 0x0800;

export function decodeArp(pkt: Packet, off: number, reverse: boolean): void {
  const b = pkt.bytes;
  const a = pkt.arp;
  if (off + ARP_FIXED_LEN > pkt.end) {
    a.short = true;
    pkt.notes.push('short packet');
    return;
  }
  a.present = true;
  a.short = false;
  a.reverse = reverse;
  a.off = off;
  a.htype = u16(b, off);
  a.ptype = u16(b, off + 2);
  a.hlen = b[off + 4];
  a.plen = b[off + 5];
  a.op = u16(b, off + 6);
  a.shaOff = off + ARP_FIXED_LEN;
  a.spaOff = a.shaOff + a.hlen;
  a.thaOff = a.spaOff + a.plen;
  a.tpaOff = a.thaOff + a.hlen;
  a.ipv4 = false;
  pkt.layers |= L.ARP;
  if (a.tpaOff + a.plen > pkt.end) {
    a.short = true;
    pkt.notes.push('short packet');
    return;
  }
  if (a.ptype === PTYPE_IPV4 && a.hlen === 6 && a.plen === 4) {
    a.ipv4 = true;
    a.spa = u32(b, a.spaOff);
    a.tpa = u32(b, a.tpaOff);
  }
}
