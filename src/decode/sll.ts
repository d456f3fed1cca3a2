// Linux cooked captures: LINKTYPE_LINUX_SLL (16-byte header) and LINUX_SLL2 (20 bytes).
import { Direction, PacketType } from '../capture/frame.js';
import { u16, u32 } from './addr.js';
import { decodeEthertype, isVlanTpid } from './ethernet.js';
import { L, MAX_VLAN_TAGS, type Packet } from './packet.js';

const SLL_HEADER_LEN = 16;
const SLL2_HEADER_LEN = 20;
/** sll_addr holds at most 8 bytes whatever the address length says. */
const SLL_ADDR_MAX = 8;
/** Protocol values below this are Linux ETH_P_* pseudo types (802.3, 802.2 LLC, ...), not ethertypes. */
const MIN_ETHERTYPE = 0x0600;

export function decodeSll(pkt: Packet, off: number, version: 1 | 2): void {
  const b = pkt.bytes;
  const s = pkt.sll;
  const hdrLen = version === 1 ? SLL_HEADER_LEN : SLL2_HEADER_LEN;
  if (off + hdrLen > pkt.end) {
    s.short = true;
    pkt.notes.push('short packet');
    return;
  }
  s.present = true;
  s.short = false;
  s.version = version;
  if (version === 1) {
    s.pktType = u16(b, off);
    s.hatype = u16(b, off + 2);
    s.addrLen = Math.min(u16(b, off + 4), SLL_ADDR_MAX);
    s.addrOff = off + 6;
    s.protocol = u16(b, off + 14);
    s.ifIndex = 0;
  } else {
    s.protocol = u16(b, off);
    s.ifIndex = u32(b, off + 4);
    s.hatype = u16(b, off + 8);
    s.pktType = b[off + 10];
    s.addrLen = Math.min(b[off + 11], SLL_ADDR_MAX);
    s.addrOff = off + 12;
  }
  s.payloadOff = off + hdrLen;
  pkt.layers |= L.SLL;

  // The cooked header says which way the frame went when the source did not.
  if (pkt.pktType === 255 && s.pktType <= PacketType.OUTGOING) pkt.pktType = s.pktType;
  if (pkt.direction === Direction.UNKNOWN) {
    pkt.direction = s.pktType === PacketType.OUTGOING ? Direction.OUT : Direction.IN;
  }

  // libpcap re-inserts VLAN tags the NIC stripped right after the cooked header; step over them.
  let type = s.protocol;
  let p = s.payloadOff;
  for (let tags = 0; isVlanTpid(type); tags++) {
    if (tags === MAX_VLAN_TAGS) {
      pkt.notes.push('malformed: too many VLAN tags');
      return;
    }
    if (p + 4 > pkt.end) {
      s.short = true;
      pkt.notes.push('short packet');
      return;
    }
    type = u16(b, p + 2);
    p += 4;
  }
  if (type >= MIN_ETHERTYPE) decodeEthertype(pkt, type, p);
}
