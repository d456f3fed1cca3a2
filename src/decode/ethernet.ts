// Ethernet II, 802.3 with LLC (and SNAP), and 802.1Q / 802.1ad tag stacks.
import { u16 } from './addr.js';
import { decodeArp } from './arp.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { L, MAX_VLAN_TAGS, type Packet } from './packet.js';

export const EtherType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  RARP: 0x8035,
  IPV6: 0x86dd,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  /** Pre-standard QinQ outer tag some switches still send. */
  QINQ_OLD: 0x9100,
} as const;

/** Largest value of the type field that is an 802.3 length rather than an ethertype. */
const MAX_8023_LENGTH = 1500;

export function isVlanTpid(type: number): boolean {
  return type === EtherType.VLAN || type === EtherType.QINQ || type === EtherType.QINQ_OLD;
}

/** Hand the payload at `off` to the network decoder its ethertype names; other types stay undecoded. */
export function decodeEthertype(pkt: Packet, type: number, off: number): void {
  switch (type) {
    case EtherType.IPV4:
      decodeIpv4(pkt, off);
      break;
    case EtherType.IPV6:
      decodeIpv6(pkt, off);
      break;
    case EtherType.ARP:
    case EtherType.RARP:
      decodeArp(pkt, off, type === EtherType.RARP);
      break;
  }
}

export function decodeEthernet(pkt: Packet, off: number): void {
  const b = pkt.bytes;
  const end = pkt.end;
  const eth = pkt.eth;
  if (off + 14 > end) {
    eth.short = true;
    pkt.notes.push('short packet');
    return;
  }
  eth.present = true;
  eth.short = false;
  eth.llc = false;
  eth.snapOui = 0;
  eth.snapType = 0;
  eth.vlanCount = 0;
  eth.dstOff = off;
  eth.srcOff = off + 6;
  pkt.layers |= L.ETH;

  let p = off + 12;
  let type = u16(b, p);
  p += 2;
  while (isVlanTpid(type)) {
    if (eth.vlanCount === MAX_VLAN_TAGS) {
      eth.type = type;
      eth.payloadOff = p - 2;
      pkt.notes.push('malformed: too many VLAN tags');
      return;
    }
    if (p + 4 > end) {
      eth.type = type;
      eth.payloadOff = p - 2;
      eth.short = true;
      pkt.notes.push('short packet');
      return;
    }
    eth.vlanTpid[eth.vlanCount] = type;
    eth.vlanTci[eth.vlanCount] = u16(b, p);
    eth.vlanCount++;
    type = u16(b, p + 2);
    p += 4;
  }
  eth.type = type;
  eth.payloadOff = p;
  if (type > MAX_8023_LENGTH) {
    decodeEthertype(pkt, type, p);
    return;
  }

  // 802.3: the type field is a length and an LLC header follows.
  eth.llc = true;
  if (p + 3 > end) {
    eth.short = true;
    pkt.notes.push('short packet');
    return;
  }
  eth.dsap = b[p];
  eth.ssap = b[p + 1];
  eth.llcCtrl = b[p + 2];
  if (eth.dsap !== 0xaa || eth.ssap !== 0xaa) {
    eth.payloadOff = p + 3;
    return;
  }
  if (p + 8 > end) {
    eth.payloadOff = p + 3;
    eth.short = true;
    pkt.notes.push('short packet');
    return;
  }
  eth.snapOui = (b[p + 3] << 16) | (b[p + 4] << 8) | b[p + 5];
  eth.snapType = u16(b, p + 6);
  eth.payloadOff = p + 8;
  // RFC 1042 SNAP (OUI 0) carries an ordinary ethertype; snoop decodes whatever follows AA AA.
  decodeEthertype(pkt, eth.snapType, p + 8);
}
